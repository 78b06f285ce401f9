"""Atom feeds of published comments: one thread's, or a whole site's."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, current_app, request
from flask_smorest import Blueprint

from commentsvc import feeds, threads
from commentsvc.api import page_cache
from commentsvc.api.public import read_limit
from commentsvc.api.requests import service_config
from commentsvc.extensions import db
from commentsvc.models import Site
from commentsvc.schemas import FeedQuery
from commentsvc.sites import get_site

blp = Blueprint("feeds", __name__, url_prefix="/api/v1",
                description="Atom feeds of published comments, for feed readers")

CONTENT_TYPE = f"{feeds.MEDIA_TYPE}; charset=utf-8"
_ATOM_ANSWERS = {
    "200": {"description": "An Atom 1.0 feed (RFC 4287) with RFC 4685 threading; "
                           "carries an ETag", "content": {
                               feeds.MEDIA_TYPE: {"schema": {"type": "string"}}}},
    "304": {"description": "Not modified: the If-None-Match ETag is still current"},
}


@blp.route("/feed.atom", methods=["GET"])
@read_limit
@blp.arguments(FeedQuery, location="query", error_status_code=400)
@blp.doc(responses=_ATOM_ANSWERS)
def feed(args: dict) -> Response:
    """The latest 50 published comments of a thread (`article`) or of a whole site, as Atom.

    Held, rejected, spam and deleted comments never appear. Replies carry `thr:in-reply-to`;
    entry links point at the article URL with `#comment-ID` (no link when the article has no
    URL). A thread's feed is cached by the thread's version, like its pages."""
    if args["article"] is None:
        return _site_feed(args["site"])
    return _thread_feed(args["site"], args["article"])


def _thread_feed(site_key: str, article_key: str) -> Response:
    head = threads.thread_head(db.session, service_config(), site_key, article_key)
    self_url = _self_url(site=head.site_key, article=article_key)

    def build() -> bytes:
        site = get_site(db.session, head.site_key)
        article = head.article
        about = _about(site, self_url, article_key, article)
        entries = (threads.latest_published(db.session, article_id=article.id)
                   if article is not None else [])
        return feeds.build(about, entries)

    if head.version is None:  # no comment yet: an empty feed, not worth caching
        return page_cache.json_response(build(), CONTENT_TYPE)
    key = ("feed", head.version, self_url)
    return page_cache.serve(current_app.extensions["commentsvc_pages"], key, build,
                            lambda body: page_cache.json_response(body, CONTENT_TYPE))


def _site_feed(site_key: str) -> Response:
    # Comments across many threads have no single version to key on: the ETag is the
    # document's own hash, so a feed reader's poll still costs one indexed query and no bytes.
    site = get_site(db.session, site_key)
    entries = threads.latest_published(db.session, site_id=site.id)
    body = feeds.build(_about(site, _self_url(site=site.key), None, None), entries)
    etag = page_cache.etag_of(body)
    unchanged = page_cache.not_modified(etag)
    if unchanged is not None:
        return unchanged
    response = page_cache.json_response(body, CONTENT_TYPE)
    response.set_etag(etag)
    return response


def _about(site: Site, self_url: str, article_key: str | None, article: object) -> feeds.Feed:
    return feeds.Feed(
        site_key=site.key, site_name=site.name, self_url=self_url, quiet_since=site.created_at,
        article_key=article_key,
        article_title=getattr(article, "title", "") or "",
        article_url=getattr(article, "url", "") or "",
    )


def _self_url(**query: str) -> str:
    # The canonical address (normalised keys, no other parameters): the feed's rel="self".
    return f"{request.base_url}?{urlencode(query)}"
