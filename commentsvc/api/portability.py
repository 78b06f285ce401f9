"""The site export over HTTP: GET /api/v1/admin/sites/{site}/export (admin key of that site).

Streamed as JSON Lines straight from the database (export.export_lines): a site of any size
goes out in flat memory. Same keys, limits and errors as the other admin routes.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, current_app, stream_with_context
from flask_smorest import Blueprint

from commentsvc import keys
from commentsvc.api.admin import _admin_rate_key
from commentsvc.api.requests import bearer_token, service_config
from commentsvc.extensions import db, limiter
from commentsvc.portability.export import export_lines
from commentsvc.sites import get_site

blp = Blueprint("admin_export", __name__, url_prefix="/api/v1/admin",
                description="Export a site's articles and comments (admin key required)")

limiter.limit(lambda: current_app.config["COMMENTSVC_RATELIMIT_ADMIN"],
              key_func=_admin_rate_key, scope="admin")(blp)

MEDIA_TYPE = "application/x-ndjson"


@blp.route("/sites/<string:site_key>/export", methods=["GET"])
@blp.response(200, content_type=MEDIA_TYPE,
              description="JSON Lines, one object per line (see docs/export-format.md)")
def export_site(site_key: str) -> Response:
    """The whole site as JSON Lines: meta, site, then each article followed by its comments."""
    moderator = keys.authenticate(db.session, service_config().secret_key, bearer_token())
    site = get_site(db.session, site_key)
    moderator.require(site.id, role="admin")
    lines = export_lines(db.session, service_config(), site.key)
    first = next(lines)  # errors before the first line still get the JSON error envelope
    return Response(
        stream_with_context(_chain(first, lines)), mimetype=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{site.key}.jsonl"',
                 "Cache-Control": "no-store"},
    )


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest
