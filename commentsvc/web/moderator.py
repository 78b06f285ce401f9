"""The moderator page at /admin: server-rendered markup and a small script over the admin API.

The page holds no data and no credentials of its own. The moderator pastes an API key, the
script keeps it in the tab's sessionStorage and sends it as a bearer token to /api/v1/admin,
like any other client of that API. It is a plain Flask blueprint, so it stays out of the
OpenAPI document.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, make_response, render_template, request

from commentsvc.models import WEBHOOK_EVENTS
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



@dataclass(frozen=True)
class SettingField:
    """One field of the settings screen; `name` is the API's (a site setting, or origins)."""

    name: str
    label: str
    kind: str = "number"  # number, select, lines (one value a line), secret (write-only)
    options: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    reset: str = "Reset to default"
    resettable: bool = True


SETTINGS_FIELDS = (
    SettingField("moderation", "Moderation mode", "select",
                 (("post", "Publish, then moderate"), ("pre", "Hold every comment"),
                  ("first", "Hold a reader's first comment"))),
    SettingField("banned_words", "Banned words, one a line", "lines",
                 hint="A comment with one of these is refused."),
    SettingField("suspect_words", "Suspect words, one a line", "lines",
                 hint="A comment with one of these is held for review."),
    SettingField("link_limit", "Links allowed before a comment is held"),
    SettingField("edit_window_seconds", "Edit window in seconds",
                 hint="How long readers may edit or delete their own comments."),
    SettingField("display_depth", "Reply depth shown"),
    SettingField("flag_threshold", "Reports that hide a comment until reviewed"),
    SettingField("allowed_origins", "Allowed origins, one a line", "lines",
                 hint="Pages on these origins may embed the widget, e.g. https://news.example.",
                 resettable=False),
    SettingField("jwt_secret", "JWT secret for signed-in readers", "secret",
                 hint="Write-only: it is never shown again. At least 32 characters.",
                 reset="Clear secret"),
)


@bp.get("/", strict_slashes=False)
def page() -> Response:
    html = render_template(
        "moderator/page.html",
        api=f"{request.script_root}/api/v1/admin",
        default_site=DEFAULT_SITE,
        queues=[(status, QUEUE_LABELS.get(status, status.title())) for status in _ordered()],
        durations=BAN_DURATIONS,
        settings_fields=SETTINGS_FIELDS,
        webhook_events=WEBHOOK_EVENTS,
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
