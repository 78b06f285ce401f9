"""Cross-cutting HTTP behaviour of the API: JSON-only bodies, CORS, rate-limit headers."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface

from commentsvc.api import counts_cache, origins, rate_limited, reads
from commentsvc.api.requests import named_site_key, service_config
from commentsvc.errors import DomainError
from commentsvc.extensions import db
from commentsvc.sites import origin_allowed

API_PREFIX = "/api/v1/"
ALLOWED_HEADERS = "Authorization, Content-Type, X-Reader-Token, X-Request-ID"
EXPOSED_HEADERS = (
    "Retry-After, X-Request-ID, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, "
    "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)


class UnsupportedMediaType(DomainError):
    status, code = 415, "unsupported_media_type"


def require_json_body() -> None:
    if not request.path.startswith(API_PREFIX) or request.method not in {"POST", "PATCH", "PUT"}:
        return
    has_body = bool(request.content_length) or request.headers.get("Transfer-Encoding")
    if has_body and not request.is_json:
        raise UnsupportedMediaType("send the body as application/json")


def add_cors_headers(response: Response) -> Response:
    if not request.path.startswith(API_PREFIX):
        return response
    # Every API answer, also one to a request without Origin: the CORS headers and the
    # origin check depend on it, so a CDN must keep one copy per origin.
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if not origin:
        return response
    try:
        allowed = _may_read(origin)
    except Exception:  # CORS must never turn an answer into a 500
        allowed = False
    if allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PATCH, DELETE"
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
    return response


def _may_read(origin: str) -> bool:
    if request.blueprint == origins.PUBLIC_BLUEPRINT:
        return origins.allows_reading(origin)
    # Admin routes authenticate by key; their CORS answer follows the site they name.
    return origin_allowed(db.session, named_site_key(), origin, service_config())


def add_ratelimit_headers(response: Response) -> Response:
    """Mirror flask-limiter's X-RateLimit-* as the IETF draft's RateLimit-* fields."""
    if response.status_code not in {429, 503}:
        response.headers.pop("Retry-After", None)
    limit = response.headers.get("X-RateLimit-Limit")
    if limit is None:
        return response
    response.headers["RateLimit-Limit"] = limit
    response.headers["RateLimit-Remaining"] = response.headers.get("X-RateLimit-Remaining", "0")
    reset = response.headers.get("X-RateLimit-Reset")
    if reset is not None:
        response.headers["RateLimit-Reset"] = str(max(0, int(float(reset) - time.time())))
    return response


class SignerOnceSessions(SecureCookieSessionInterface):
    """Flask's cookie sessions, their signer built once per key instead of on every request.

    No route uses the session, but Flask opens one for every request, and building the signer
    (key list, digest, serializer) was a measurable part of a cached read."""

    def __init__(self) -> None:
        self._signers: dict[tuple, Any] = {}

    def get_signing_serializer(self, app: Flask) -> Any:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys not in self._signers:
            self._signers[keys] = super().get_signing_serializer(app)
        return self._signers[keys]


def register_hooks(app: Flask) -> None:
    app.session_interface = SignerOnceSessions()
    app.before_request(require_json_body)
    app.before_request(origins.refuse_disallowed_origin)
    app.after_request(add_cors_headers)
    reads.init_app(app)
    counts_cache.init_app(app)
    origins.init_app(app)
    app.register_error_handler(rate_limited.RateLimitExceeded, rate_limited.handle_rate_limited)
