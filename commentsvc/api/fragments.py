"""GET /api/v1/render: a thread page as server-rendered HTML, for publishers' page templates.

On the public blueprint, so the origin check, CORS and the read limit are those of
`GET /api/v1/comments`; served from the same version-keyed page cache, with an ETag.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, request
from marshmallow import Schema, fields, post_load, validate

from commentsvc import thread_html, threads
from commentsvc.api import page_cache
from commentsvc.api.public import blp, read_limit
from commentsvc.api.requests import service_config
from commentsvc.extensions import db
from commentsvc.schemas import PageOut, ThreadQuery

THEMES = ("auto", "light", "dark")
# Opened on its own in a browser, the fragment is a page of the service's origin: no scripts.
FRAGMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"


def pick_language(value: str | None) -> str:
    """As the widget picks: the primary subtag when it is one of ours, else English."""
    primary = (value or "").lower().replace("_", "-").split("-")[0]
    return primary if primary in thread_html.LANGUAGES else "en"


class RenderQuery(ThreadQuery):
    lang = fields.String(load_default="en", validate=validate.Length(max=35),
                         metadata={"description": "the widget's language (en, de, fr, tr, ru, "
                                   "uz); others fall back to English, as the widget does"})
    theme = fields.String(load_default="auto", validate=validate.OneOf(THEMES),
                          metadata={"description": "as the host's data-theme"})

    @post_load
    def _language(self, data: dict, **kwargs: Any) -> dict:
        data["lang"] = pick_language(data["lang"])
        return data


# Built once, as for the JSON pages: on a cache miss it is most of the cost.
_PAGE_OUT = PageOut()


def page_json(page: threads.Page) -> str:
    """Exactly what GET /api/v1/comments answers for the same page."""
    return _PAGE_OUT.dumps(page, separators=(",", ":"))


def service_root() -> str:
    return request.url_root.rstrip("/")


def html_response(body: bytes) -> Response:
    return Response(body, mimetype="text/html", headers={
        "Cache-Control": page_cache.shared_cache_control(),
        "Content-Security-Policy": FRAGMENT_CSP,
        "X-Content-Type-Options": "nosniff",
    })


@blp.route("/render", methods=["GET"])
@read_limit
@blp.arguments(RenderQuery(), location="query", error_status_code=400)
@blp.doc(responses={"200": {
    "description": "The thread page as an HTML fragment: a declarative shadow root with the "
                   "widget's stylesheet and markup, the page's JSON for the widget to adopt, "
                   "and schema.org JSON-LD. Put it inside <div id=\"commentsvc\" …>.",
    "content": {"text/html": {"schema": {"type": "string"}}}}})
def render_thread(args: dict) -> Response:
    """A thread page as server-rendered HTML (cached by the thread's version, with an ETag)."""
    key, build = _cached(args)
    if key is None:  # no comment yet: nothing worth caching
        return html_response(build())
    return page_cache.serve(current_app.extensions["commentsvc_pages"], key, build,
                            html_response)


def fragment_html(site: str, article: str, *, lang: str = "en", theme: str = "auto",
                  sort: str = "oldest", limit: int = 20, cursor: str | None = None) -> str:
    """The fragment for a page this service builds itself (the demo newspaper, permalink
    pages), from the same cache as GET /render: what a publisher's server fetches over HTTP."""
    args = {"site": site, "article": article, "lang": pick_language(lang), "theme": theme,
            "sort": sort, "limit": limit, "cursor": cursor}
    key, build = _cached(args)
    if key is None:
        return build().decode()
    cache = current_app.extensions["commentsvc_pages"]
    body = cache.get(key)
    if body is None:
        body = build()
        cache.put(key, body)
    return body.decode()


def _cached(args: dict) -> tuple[tuple | None, Callable[[], bytes]]:
    """The cache key of the fragment the query asks for (None: not worth caching), and how
    to build it."""
    head = threads.thread_head(db.session, service_config(), args["site"], args["article"])
    options = {"sort": args["sort"], "limit": args["limit"], "cursor": args["cursor"]}
    place = thread_html.Place(service_root(), head.site_key, args["article"], lang=args["lang"],
                              **options)

    def build() -> bytes:
        page = threads.thread_page(db.session, head, **options)
        encoded = page_json(page)
        html = thread_html.fragment(json.loads(encoded), encoded, place, theme=args["theme"])
        return html.encode()

    if head.version is None:
        return None, build
    # The host is in the key because links and avatar URLs in the fragment are absolute.
    return ("render", head.version, head.display_depth, request.scheme, request.host,
            request.script_root, *options.values(), args["lang"], args["theme"]), build


class PermalinkQuery(Schema):
    """The permalink page's own query (web/permalinks.py); checked like the API's."""

    sort = ThreadQuery._declared_fields["sort"]
    limit = ThreadQuery._declared_fields["limit"]
    cursor = ThreadQuery._declared_fields["cursor"]
    lang = RenderQuery._declared_fields["lang"]
    replies = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))

    @post_load
    def _language(self, data: dict, **kwargs: Any) -> dict:
        data["lang"] = pick_language(data["lang"])
        return data
