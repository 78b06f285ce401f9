"""Counts each process keeps for a second (COMMENTSVC_COUNTS_CACHE_SECONDS).

Counts are one small query, but on PostgreSQL its round trip is most of the request, and a
listing page asks for the same counts for every reader who opens it. So each process keeps the
counts it read, by site and article keys, for at most that many seconds, and never longer than
`Cache-Control` already lets any cache keep the answer (max-age + stale-while-revalidate).

A comment created, moderated, edited or removed through this process clears them all at once:
its committed write's event moves the generation on, and an entry read before that can no
longer be served. A write through another process (the other workers, other servers, the CLI)
shows within the lifetime: readers may see counts up to that many seconds old, as a browser or
a CDN may already show them 40 seconds old by default.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, request

from commentsvc import events

EXTENSION = "commentsvc_counts"
# Set by kept_answers.py when it will keep the whole answer for the same lifetime: the counts
# in it must be read now, or a kept answer could outlive the counts it was built from.
KEEPING = "commentsvc.keeping_answer"
MAX_ENTRIES = 1024
_generation = [0]  # committed comment changes heard by this process


def generation() -> int:
    """How many committed comment changes this process has heard of."""
    return _generation[0]


def _heard(event: events.Event) -> None:
    if isinstance(event, events.CommentChanged):
        _generation[0] += 1


class CountsCache:
    """Values kept for `seconds`, and forgotten as soon as `changes()` moves on (by default the
    comment changes this process heard of; the site origins' cache passes its own)."""

    def __init__(self, seconds: float, max_entries: int = MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic,
                 changes: Callable[[], int] = generation) -> None:
        self.seconds, self.max_entries, self.clock = seconds, max_entries, clock
        self.changes = changes
        self._entries: OrderedDict[Hashable, tuple[int, float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def fetch(self, key: Hashable, read: Callable[[], Any]) -> Any:
        """The value kept for `key` if it is young enough and no write came since; else read."""
        if self.seconds <= 0:
            return read()
        now = self.clock()
        with self._lock:
            kept = self._entries.get(key)
        if kept is not None and kept[0] == self.changes() and now < kept[1]:
            return kept[2]
        before = self.changes()  # before reading: a write during the read makes it old
        value = read()
        with self._lock:
            self._entries[key] = (before, now + self.seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value


def lifetime(config: Any) -> int:
    """The configured seconds, but never longer than the answer's own Cache-Control allows."""
    allowed = config["COMMENTSVC_CACHE_MAX_AGE"] + config["COMMENTSVC_CACHE_STALE_SECONDS"]
    return min(config["COMMENTSVC_COUNTS_CACHE_SECONDS"], allowed)


def cached(key: Hashable, read: Callable[[], Any]) -> Any:
    if request.environ.get(KEEPING):
        return read()
    return current_app.extensions[EXTENSION].fetch(key, read)


def seconds_clock(app: Flask) -> Callable[[], float]:
    """time.monotonic, or the injected clock of the tests, in seconds."""
    clock = app.config.get("COMMENTSVC_CLOCK")
    return (lambda: clock().timestamp()) if clock else time.monotonic


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = CountsCache(lifetime(app.config), clock=seconds_clock(app))
    events.listen(_heard)
