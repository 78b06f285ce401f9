"""Domain errors and the one JSON error envelope every route answers with."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from marshmallow import Schema, fields
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A failure the client can act on; status and code pick the HTTP answer."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None,
                 fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.fields = fields or {}


class BadRequest(DomainError):
    status, code = 400, "bad_request"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class ThreadClosed(Conflict):
    code = "thread_closed"


class Invalid(DomainError):
    status, code = 422, "validation_failed"

    def __init__(self, field: str, message: str, *, code: str | None = None) -> None:
        super().__init__(f"{field}: {message}", code=code, fields={field: [message]})


class ErrorBody(Schema):
    code = fields.String(required=True, metadata={"description": "a stable slug to act on"})
    message = fields.String(required=True, metadata={"description": "for people"})
    fields = fields.Dict(keys=fields.String(), metadata={
        "description": "field or parameter name -> what is wrong with it"})


class ErrorOut(Schema):
    """The one error envelope of every route."""

    error = fields.Nested(ErrorBody, required=True)


_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "validation_failed", 429: "rate_limited",
    503: "service_unavailable",
}


def envelope(status: int, code: str, message: str,
             fields: dict[str, Any] | None = None) -> tuple[Response, int]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify(error=body), status


def _flatten_messages(messages: Any) -> dict[str, Any]:
    """webargs keys errors by location ({"json": {...}, "query": {...}}); clients want fields."""
    fields: dict[str, Any] = {}
    if not isinstance(messages, dict):
        return fields
    for location, errors in messages.items():
        if isinstance(errors, dict):
            fields.update(errors)
        else:
            fields[location] = errors
    return fields


def _describe(fields: dict[str, Any]) -> str:
    parts = []
    for name, errors in fields.items():
        text = errors[0] if isinstance(errors, list) and errors else errors
        if isinstance(text, dict):
            text = "invalid"
        parts.append(f"{name}: {text}")
    return "; ".join(parts)


def handle_http_exception(error: HTTPException) -> tuple[Response, int]:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    fields = _flatten_messages(data.get("messages"))
    if status == 400 and "json" in fields:
        message = "request body is not valid JSON"
        fields = {}
    elif fields:
        message = _describe(fields)
    else:
        message = error.description or error.name
    response, status = envelope(status, _CODES.get(status, "error"), message, fields)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response, status


def handle_domain_error(error: DomainError) -> tuple[Response, int]:
    return envelope(error.status, error.code, error.message, error.fields)


def handle_database_down(error: DBAPIError) -> tuple[Response, int]:
    from commentsvc import metrics

    if isinstance(error, OperationalError) or error.connection_invalidated:
        metrics.database_error("unavailable")
        response, status = envelope(503, "database_unavailable",
                                    "the database cannot be reached; try again in a few seconds")
        response.headers["Retry-After"] = "5"
        return response, status
    metrics.database_error("other")
    return handle_unexpected(error)


def handle_unexpected(error: Exception) -> tuple[Response, int]:
    from flask import current_app

    current_app.logger.exception("unhandled error", exc_info=error)
    return envelope(500, "internal_error", "something went wrong on our side")


def register_error_handlers(app: Flask) -> None:
    """Called after flask-smorest's init so that our envelope replaces its error format."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(DBAPIError, handle_database_down)
    app.register_error_handler(Exception, handle_unexpected)
