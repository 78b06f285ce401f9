"""Encoded thread pages kept in memory, keyed by the article's version.

The version is bumped in the same transaction as every visible change, so a key can never
point at a stale page; each process keeps its own small LRU and needs no coordination.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import Response, request

from commentsvc import metrics


class PageCache:
    def __init__(self, max_entries: int = 1024) -> None:
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        if self.max_entries <= 0:
            return
        with self._lock:
            self._entries[key] = body
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


def json_response(body: bytes) -> Response:
    # Browsers revalidate each time (the ETag makes that cheap); nothing is personal here.
    return Response(body, mimetype="application/json", headers={"Cache-Control": "no-cache"})


def serve(cache: PageCache, key: Hashable, build: Callable[[], bytes]) -> Response:
    """The page for `key`: 304 to a matching If-None-Match, else from the cache or built."""
    etag = hashlib.blake2b(repr(key).encode(), digest_size=12).hexdigest()
    if etag in request.if_none_match:
        metrics.page_cache("not_modified")
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    body = cache.get(key)
    metrics.page_cache("miss" if body is None else "hit")
    if body is None:
        body = build()
        cache.put(key, body)
    response = json_response(body)
    response.set_etag(etag)
    return response
