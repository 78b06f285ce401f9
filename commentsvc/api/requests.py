"""What the views need to know about the current request: client IP, reader, credentials."""

from __future__ import annotations

from flask import current_app, g, request
from werkzeug.exceptions import HTTPException

from commentsvc.errors import BadRequest, DomainError
from commentsvc.extensions import db
from commentsvc.identity import (
    Reader,
    anonymous_reader,
    keyed_hash,
    looks_like_jwt,
    reader_from_jwt,
    valid_reader_token,
)
from commentsvc.sites import ServiceConfig, SiteSettings, get_site
from commentsvc.threads import site_key_of

READER_TOKEN_HEADER = "X-Reader-Token"


def service_config() -> ServiceConfig:
    return current_app.extensions["commentsvc"]


def client_ip() -> str:
    # remote_addr is the socket peer unless ProxyFix was configured with trusted proxies.
    return request.remote_addr or "unknown"


def ip_hash() -> str:
    return keyed_hash(service_config().secret_key, "ip", client_ip())


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _reader_token() -> str | None:
    token = request.headers.get(READER_TOKEN_HEADER, "").strip()
    if token and not valid_reader_token(token):
        raise BadRequest(f"{READER_TOKEN_HEADER} must be 16 to 128 letters, digits, '-' or '_'",
                         code="invalid_reader_token")
    return token or None


def current_reader(site_key: str | None) -> Reader:
    """A JWT reader when a publisher-signed token comes with the request, else anonymous."""
    if "reader" in g:
        return g.reader
    config = service_config()
    token = bearer_token()
    if token and site_key and looks_like_jwt(token):
        site = get_site(db.session, site_key)
        secret = SiteSettings.of(site, config).jwt_secret
        g.reader = reader_from_jwt(config.secret_key, site.key, secret, token, ip_hash())
    else:
        g.reader = anonymous_reader(config.secret_key, _reader_token(), ip_hash())
    return g.reader


def reader_key_for_reading(site_key: str | None) -> str | None:
    """Reads only use the reader to mark their own votes: a stale sign-in must not break them."""
    try:
        return current_reader(site_key).key
    except DomainError:
        pass
    try:
        return anonymous_reader(service_config().secret_key, _reader_token(), None).key
    except DomainError:  # a malformed token is no reader at all
        return None


def rate_limit_reader_key() -> str:
    """Per-reader quota: the reader's key when known, else the client IP."""
    try:
        reader = current_reader(_acting_site_key())
    except DomainError:  # a bad token is reported by the view itself, not by the limiter
        reader = None
    return f"reader:{reader.key}" if reader and reader.key else f"ip:{client_ip()}"


# Ids beyond this are not in any table (and would overflow PostgreSQL's integer).
_LARGEST_ID = 2**31 - 1


def _acting_site_key() -> str | None:
    """The site a request acts on: the comment's own site on id routes, else the one named.

    The reader is resolved once per request (and kept in g), so the limiter must resolve it
    against the same site the view will, or a signed-in reader would count as anonymous."""
    comment_id = (request.view_args or {}).get("comment_id")
    if isinstance(comment_id, int):
        if not 0 < comment_id <= _LARGEST_ID:
            return None
        return site_key_of(db.session, comment_id)
    return named_site_key()


def named_site_key() -> str | None:
    """The site a request names in its query or JSON body, if any; never raises."""
    site = request.args.get("site")
    if site is None and request.is_json:
        try:
            body = request.get_json(silent=True)
        except HTTPException:  # e.g. too large: the view answers that
            body = None
        site = body.get("site") if isinstance(body, dict) else None
    return site if isinstance(site, str) else None
