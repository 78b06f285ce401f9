"""The OpenAPI document tells the truth about errors and credentials.

One apispec plugin adds, to every operation, the error answers its kind of route can give
(all in the one envelope, `ErrorOut`), and the bearer scheme to the routes that need a key.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec, BasePlugin

from commentsvc.errors import ErrorOut

API_PREFIX = "/api/v1"
ADMIN_PREFIX = "/api/v1/admin"
ADMIN_SCHEME = "adminKey"
EDIT_SCHEME = "editToken"

ERRORS = {
    400: "Bad request: a parameter, the JSON itself or a cursor is refused",
    401: "No valid credentials",
    403: "Not allowed (wrong site, role, origin, edit window, or banned)",
    404: "No such resource (or an id outside 1..2147483647)",
    409: "Conflict with the current state (e.g. the thread is closed)",
    413: "The body is larger than the configured limit",
    415: "The body is not application/json",
    422: "A body field is invalid; `fields` names it",
    429: "Too many requests; Retry-After says when to try again",
    503: "The database or the rate-limit store cannot be reached",
}
_EDITED_WITH_TOKEN = {("patch", "/api/v1/comments/{comment_id}"),
                      ("delete", "/api/v1/comments/{comment_id}")}
_CONFLICTS = {("post", "/api/v1/comments"),  # thread closed
              ("post", "/api/v1/comments/{comment_id}/vote"),  # a concurrent vote
              ("post", "/api/v1/comments/{comment_id}/flag"),  # reported already
              ("post", "/api/v1/admin/sites"),  # the key exists
              ("post", "/api/v1/admin/comments/{comment_id}/moderate"),  # too many pinned
              ("post", "/api/v1/admin/comments/moderate"),
              ("delete", "/api/v1/admin/keys/{key_id}"),  # a key revoking itself
              ("post", "/api/v1/admin/keys/{key_id}/rotate"),  # a revoked key
              ("post", "/api/v1/admin/sites/{site_key}/webhooks"),  # too many webhooks
              # a worker is sending it right now
              ("post", "/api/v1/admin/sites/{site_key}/webhooks/{webhook_id}/deliveries/"
                       "{delivery_id}/retry")}


def error_statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses a route of this kind can answer."""
    statuses = {400, 404, 429, 503}
    if "requestBody" in operation or method in {"post", "patch", "put"}:
        statuses |= {413, 415, 422}
    if path.startswith(ADMIN_PREFIX) or method != "get":
        # Admin: no key, wrong key. Public writes: reader token or edit token missing or
        # refused; origin refused, banned reader, closed edit window.
        statuses |= {401, 403}
    if (method, path) in _CONFLICTS:
        statuses.add(409)
    return statuses


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": ERRORS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
    }
    if status in {429, 503}:
        response["headers"] = {"Retry-After": {
            "description": "seconds to wait before trying again",
            "schema": {"type": "integer", "minimum": 0}}}
    return response


class ErrorResponsesPlugin(BasePlugin):
    """Adds the standard error answers and security requirements to each API operation."""

    def init_spec(self, spec: APISpec) -> None:
        self.spec = spec
        spec.components.schema("ErrorOut", schema=ErrorOut)
        spec.components.security_scheme(ADMIN_SCHEME, {
            "type": "http", "scheme": "bearer",
            "description": "An API key (moderator or admin) made with `commentsvc create-key`",
        })
        spec.components.security_scheme(EDIT_SCHEME, {
            "type": "http", "scheme": "bearer",
            "description": "The edit token returned once when the comment was posted",
        })
        for status in ERRORS:
            spec.components.response(f"Error{status}", _error_response(status))

    def operation_helper(self, path: str | None = None, operations: dict | None = None,
                         **kwargs: Any) -> None:
        if not path or not path.startswith(API_PREFIX) or path.endswith("openapi.json"):
            return
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            for status in sorted(error_statuses(method, path, operation)):
                # Replace flask-smorest's own 400/422 entries: every error is our envelope.
                responses[str(status)] = f"Error{status}"
            if path.startswith(ADMIN_PREFIX):
                operation["security"] = [{ADMIN_SCHEME: []}]
            elif (method, path) in _EDITED_WITH_TOKEN:
                operation["security"] = [{EDIT_SCHEME: []}]
