"""Who is speaking: keyed hashes, edit tokens, publisher-signed reader JWTs, identicons."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass

import jwt

from commentsvc.errors import Unauthorized


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 of value under the service secret; purpose keeps hash spaces apart."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def email_hash(secret: str, email: str) -> str:
    """The keyed hash an e-mail ban compares: case and a "+tag" do not make a new address
    ("Ada+news@Example.org" is "ada@example.org")."""
    address = email.strip().lower()
    local, at, domain = address.rpartition("@")
    base = local.split("+", 1)[0]
    if at and base:
        address = f"{base}@{domain}"
    return keyed_hash(secret, "email", address)


def new_edit_token() -> str:
    return secrets.token_urlsafe(32)


def token_matches(secret: str, token: str, stored_hash: str | None) -> bool:
    if not stored_hash or not token:
        return False
    return hmac.compare_digest(keyed_hash(secret, "edit-token", token), stored_hash)


@dataclass(frozen=True)
class Reader:
    """The person behind a request, as far as we know them; never holds a raw e-mail or IP."""

    key: str | None = None  # keyed hash of the reader token or of the JWT subject
    name: str | None = None
    email: str | None = None
    avatar: str | None = None
    verified: bool = False
    ip_hash: str | None = None


# What the widget makes (32 base64url characters), with room for other clients. Anything else
# is refused, so a token can never be made to look like some other kind of identity.
READER_TOKEN_FORMAT = re.compile(r"[A-Za-z0-9_-]{16,128}")


def valid_reader_token(token: str) -> bool:
    return READER_TOKEN_FORMAT.fullmatch(token) is not None


# Anonymous and signed-in readers are hashed under different purposes: no reader token, however
# crafted, can hash to a signed-in reader's key (nor to another site's signed-in reader).
ANONYMOUS_PURPOSE = "reader-token"
SIGNED_IN_PURPOSE = "reader-jwt"


def anonymous_reader(secret: str, reader_token: str | None, ip_hash: str | None) -> Reader:
    key = keyed_hash(secret, ANONYMOUS_PURPOSE, reader_token) if reader_token else None
    return Reader(key=key, ip_hash=ip_hash)


def signed_in_reader_key(secret: str, site_key: str, subject: str) -> str:
    # A JSON pair binds site and subject unambiguously, whatever characters either holds.
    return keyed_hash(secret, SIGNED_IN_PURPOSE, json.dumps([site_key, subject]))


def reader_from_jwt(secret: str, site_key: str, site_jwt_secret: str | None, token: str,
                    ip_hash: str | None) -> Reader:
    """A reader signed in through the publisher: HS256 with the site's secret, `sub` required."""
    if not site_jwt_secret:
        raise Unauthorized("this site does not accept signed-in readers", code="jwt_not_enabled")
    try:
        claims = jwt.decode(token, site_jwt_secret, algorithms=["HS256"],
                            options={"require": ["sub"]})
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"reader token rejected: {exc}", code="invalid_token") from exc
    return Reader(
        key=signed_in_reader_key(secret, site_key, str(claims["sub"])),
        name=str(claims.get("name") or "")[:80] or None,
        email=claims.get("email") if isinstance(claims.get("email"), str) else None,
        avatar=_http_url(claims.get("avatar")),
        verified=True,
        ip_hash=ip_hash,
    )


def _http_url(value: object) -> str | None:
    if isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) < 1024:
        return value
    return None


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def identicon_svg(seed: str) -> str:
    """A 5x5 mirrored identicon drawn from a hex seed: a local avatar, no third party."""
    digest = hashlib.sha256(seed.encode()).digest()
    hue = digest[0] * 360 // 256
    cells = []
    for row in range(5):
        for col in range(3):
            if digest[1 + row * 3 + col] % 2:
                for x in {col, 4 - col}:
                    cells.append(f'<rect x="{x + 1}" y="{row + 1}" width="1" height="1"/>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 7 7" width="56" height="56">'
        f'<rect width="7" height="7" fill="hsl({hue},45%,92%)"/>'
        f'<g fill="hsl({hue},55%,45%)">{"".join(cells)}</g></svg>'
    )


# --- admin API keys ------------------------------------------------------------------------------

API_KEY_PREFIX = "csk_"


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def api_key_hash(secret: str, key: str) -> str:
    return keyed_hash(secret, "api-key", key)
