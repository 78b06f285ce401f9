"""Encoded thread pages kept in memory, keyed by the article's version.

The version is bumped in the same transaction as every visible change, so a key can never
point at a stale page; each process keeps its own small LRU and needs no coordination.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from flask import Response, current_app, request

from commentsvc import metrics
from commentsvc.api.observability import metrics_on

Kept = TypeVar("Kept")


class PageCache(Generic[Kept]):
    """A small thread-safe LRU: encoded pages here, whole answers in kept_answers.py."""

    def __init__(self, max_entries: int = 1024) -> None:
        self._entries: OrderedDict[Hashable, Kept] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: Hashable) -> Kept | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Kept) -> None:
        if self.max_entries <= 0:
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def shared_cache_control() -> str:
    """Nothing here is personal, so any cache may keep it for a few seconds.

    Staleness is bounded by max-age + stale-while-revalidate. The widget itself fetches with
    `cache: "no-cache"` (a cheap 304 from the origin or the CDN), so browsers only reuse copies
    for other clients such as count.js."""
    config = current_app.config
    parts = ["public", f"max-age={config['COMMENTSVC_CACHE_MAX_AGE']}"]
    if config["COMMENTSVC_CACHE_STALE_SECONDS"]:
        parts.append(f"stale-while-revalidate={config['COMMENTSVC_CACHE_STALE_SECONDS']}")
    return ", ".join(parts)


def json_response(body: bytes, content_type: str = "application/json") -> Response:
    """An encoded answer that any cache may keep (JSON pages; Atom feeds pass their type)."""
    return Response(body, content_type=content_type,
                    headers={"Cache-Control": shared_cache_control()})


def etag_of(key: Hashable) -> str:
    return hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest()


def not_modified(etag: str) -> Response | None:
    """A 304 when the client (or a CDN) already holds this version, else None."""
    if not request.if_none_match.contains_weak(etag):
        return None
    response = Response(status=304, headers={"Cache-Control": shared_cache_control()})
    response.set_etag(etag)
    return response


def serve(cache: PageCache[bytes], key: Hashable, build: Callable[[], bytes],
          respond: Callable[[bytes], Response] = json_response) -> Response:
    """The page for `key`: 304 to a matching If-None-Match, else from the cache or built."""
    etag = etag_of(key)
    unchanged = not_modified(etag)
    if unchanged is not None:
        if metrics_on():
            metrics.page_cache("not_modified")
        return unchanged
    body = cache.get(key)
    if metrics_on():
        metrics.page_cache("miss" if body is None else "hit")
    if body is None:
        body = build()
        cache.put(key, body)
    response = respond(body)
    response.set_etag(etag)
    return response
