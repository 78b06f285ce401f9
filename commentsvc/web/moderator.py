"""The moderator page at /admin: server-rendered markup and a small script over the admin API.

The page holds no data and no credentials of its own. The moderator pastes an API key, the
script keeps it in the tab's sessionStorage and sends it as a bearer token to /api/v1/admin,
like any other client of that API. It is a plain Flask blueprint, so it stays out of the
OpenAPI document.
"""

from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template, request

from commentsvc.queues import QUEUES
from commentsvc.sites import DEFAULT_SITE

bp = Blueprint("moderator", __name__, url_prefix="/admin", template_folder="templates",
               static_folder="static", static_url_path="/static")

# Nothing inline and nothing from another host: comment HTML is shown with innerHTML, so even a
# sanitiser slip could not run a script or load a tracker. form-action 'none' keeps the key out
# of any URL should the script ever fail to intercept the sign-in form.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
QUEUE_LABELS = {"pending": "Pending", "flagged": "Flagged", "approved": "Approved",
                "rejected": "Rejected", "spam": "Spam", "deleted": "Deleted"}
BAN_DURATIONS = (("", "Forever"), ("3600", "1 hour"), ("86400", "1 day"),
                 ("604800", "1 week"), ("2592000", "30 days"))


@bp.get("/", strict_slashes=False)
def page() -> Response:
    html = render_template(
        "moderator/page.html",
        api=f"{request.script_root}/api/v1/admin",
        default_site=DEFAULT_SITE,
        queues=[(status, QUEUE_LABELS.get(status, status.title())) for status in _ordered()],
        durations=BAN_DURATIONS,
    )
    response = make_response(html)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _ordered() -> list[str]:
    """The queues in the order moderators work them: what needs a decision first."""
    first = [status for status in QUEUE_LABELS if status in QUEUES]
    return first + [status for status in QUEUES if status not in first]
