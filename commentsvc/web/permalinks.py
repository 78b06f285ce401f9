"""/t/{site}/{article}: a thread on a page of its own, readable and paginable without JavaScript.

Stable addresses for sharing and archives, linked from every server-rendered fragment (its
"next page" and "more replies" links lead here). The page holds the same fragment as
`GET /api/v1/render`; on a first page the widget's script adopts it as on a publisher's page.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, make_response, request, url_for
from marshmallow import ValidationError
from werkzeug.exceptions import BadRequest, NotFound

from commentsvc import thread_html, threads
from commentsvc.api.fragments import PermalinkQuery, fragment_html, service_root
from commentsvc.api.public import read_limit
from commentsvc.api.requests import service_config
from commentsvc.extensions import db
from commentsvc.schemas import CommentOut, RepliesOut, normalise_key

bp = Blueprint("permalinks", __name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@bp.get("/t/<site>", defaults={"article": None})
@bp.get("/t/<site>/<path:article>")
@read_limit
def thread_page(site: str, article: str | None) -> Response:
    """`/t/default/news-42`, or `/t/default?article=/news/42` for keys a path would rewrite."""
    query = request.args.to_dict()
    if article is None:
        article = query.pop("article", "")
    try:
        args = PermalinkQuery().load(query)
    except ValidationError as exc:
        raise BadRequest(f"bad query: {sorted(exc.messages)}") from exc
    site, article = normalise_key(site), normalise_key(article)
    if not article.strip():
        raise NotFound("no article named")
    head = threads.thread_head(db.session, service_config(), site, article)
    place = thread_html.Place(service_root(), head.site_key, article, lang=args["lang"],
                              sort=args["sort"], limit=args["limit"], cursor=args["cursor"])
    widget = url_for("static", filename="widget.js")
    if args["replies"] is not None:
        html = _replies_page(head, place, args["replies"], args["cursor"], widget)
    else:
        # The thread's pages come from the page cache, as GET /render's do.
        fragment = fragment_html(head.site_key, article, lang=args["lang"], sort=args["sort"],
                                 limit=args["limit"], cursor=args["cursor"])
        row = head.article
        about = {"id": article, "title": row.title if row else None,
                 "url": row.url if row else None}
        html = thread_html.permalink_page(about, place, fragment, widget_url=widget)
    response = make_response(html)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


def _replies_page(head: threads.Head, place: thread_html.Place, comment_id: int,
                  cursor: str | None, widget: str) -> str:
    """One comment with its replies, page by page: where "Show N more replies" leads."""
    config = service_config()
    root = threads.single_comment(db.session, config, comment_id)
    if head.article is None or root.comment.article_id != head.article.id:
        raise NotFound(f"no comment {comment_id} in this thread")
    replies = threads.replies_page(db.session, config, comment_id, cursor=cursor)
    top = CommentOut().dump(root)
    top.update(replies=[], replies_remaining=0, replies_cursor=None)
    _nest(top, RepliesOut().dump(replies)["comments"])
    article = threads.thread_page(db.session, head, limit=1).article
    page: dict[str, Any] = {"article": {"site": article.site, "id": article.key,
                                        "title": article.title, "url": article.url,
                                        "closed": article.closed,
                                        "comment_count": article.comment_count},
                            "comments": [top], "next_cursor": None}
    name = (top["author"] or {}).get("name") or thread_html.say(place.lang, "anon")
    next_url = (place.permalink(cursor=replies.next_cursor, replies=comment_id)
                if replies.next_cursor else None)
    # Not a first page: the widget is not offered to adopt it (its key names no cursor).
    place = thread_html.Place(place.service, place.site, place.article, place.sort,
                              place.limit, f"replies:{comment_id}:{cursor or ''}", place.lang)
    fragment = thread_html.fragment(page, json.dumps(page), place, next_url=next_url)
    return thread_html.permalink_page(page["article"], place, fragment, widget_url=widget,
                                      replies_of={"id": comment_id, "name": name})


def _nest(top: dict[str, Any], flat: list[dict[str, Any]]) -> None:
    """Place replies under the nearest shown ancestor one display level up, as the widget."""
    shown = {top["id"]: top}
    parents = {c["id"]: c["parent_id"] for c in flat}
    for reply in flat:
        reply["replies"] = []
        holder = None
        ancestor = reply["parent_id"]
        while ancestor is not None and holder is None:
            candidate = shown.get(ancestor)
            if candidate is not None and candidate["depth"] == reply["depth"] - 1:
                holder = candidate
            ancestor = parents.get(ancestor)
        (holder or top)["replies"].append(reply)
        shown[reply["id"]] = reply
