"""The two reads every page view makes, answered again without building a Flask request.

Counts (`count.js`, a listing page) and a thread's page (`widget.js`) are asked for over and
over with the same query. Their data are already kept (counts for a second, thread pages by
the article's version), yet Flask's request, its hooks and the view cost several times the
lookup (see BENCHMARKS.md). So this WSGI layer keeps the whole answer Flask gave, keyed by
everything the answer can depend on (path, query string, `Origin`, host and scheme), and gives
it again to the next identical request, with its own request id, log line and metrics:

- a thread page while its *validator* (the article's version and the site's settings
  version, read in one small query handed straight to the driver) is unchanged, so a page is
  never staler than the database; and for at most COMMENTSVC_COUNTS_CACHE_SECONDS, so that a site
  that stops allowing an origin is obeyed within that time;
- counts for at most COMMENTSVC_COUNTS_CACHE_SECONDS, and never after a comment change made
  through this process (the counts cache's rule, see counts_cache.py).

Only successful answers are kept. Requests that could be answered differently go to Flask
every time: other methods and paths, conditional requests (Flask answers the 304), and every
request while rate limits are on, since a kept answer would not count against them. It keeps
as many answers as the page cache keeps pages (COMMENTSVC_PAGE_CACHE_ENTRIES; 0 turns both
off) and stands aside when COMMENTSVC_COUNTS_CACHE_SECONDS is 0.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask
from werkzeug.datastructures import MultiDict

from commentsvc import metrics, threads
from commentsvc.api import counts_cache, observability, quick_query, reads
from commentsvc.api.page_cache import PageCache

# The headers of a request that would change the answer or its status for the same query.
CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
UNREADABLE = object()  # the validator could not be read: let Flask answer
THREAD_VERSION = reads.DriverQuery(threads.THREAD_VERSION)

Validator = Callable[[Flask, MultiDict], Hashable]


@dataclass(frozen=True)
class KeptRoute:
    rule: str  # the URL rule, as logs and metrics name the route
    validator: Validator | None = None
    page_cache: bool = False  # a replay is counted as a page cache hit, as the view counts it


@dataclass(frozen=True)
class Stamp:
    """What a kept answer was made under: checked before it is given again."""

    validator: Hashable
    generation: int  # counts_cache.generation() before Flask answered
    expires: float


@dataclass(frozen=True)
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes  # the page cache's own bytes for a thread page: kept once in memory
    stamp: Stamp


def thread_validator(app: Flask, args: MultiDict) -> Hashable:
    """What a thread page depends on besides its query (threads.THREAD_VERSION). Odd queries
    and unknown sites are Flask's to answer."""
    parsed = quick_query.thread_query(args)
    if parsed is None:
        return UNREADABLE
    rows = THREAD_VERSION.rows(app, {"site_key": parsed["site"],
                                     "article_key": parsed["article"]})
    return tuple(rows[0]) if rows else UNREADABLE


ROUTES = {
    "/api/v1/comments": KeptRoute("/api/v1/comments", thread_validator, page_cache=True),
    "/api/v1/counts": KeptRoute("/api/v1/counts"),
}


class KeptAnswers:
    """WSGI middleware around the Flask app (inside ProxyFix: the key uses the real host)."""

    def __init__(self, app: Flask, wsgi_app: Any, max_entries: int) -> None:
        self.app, self.wsgi_app = app, wsgi_app
        self.seconds = counts_cache.lifetime(app.config)
        self.clock = counts_cache.seconds_clock(app)
        self.answers: PageCache[Answer] = PageCache(max_entries)

    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        observability.note_arrival(environ)
        route = ROUTES.get(environ.get("PATH_INFO", ""))
        if route is None or not self._may_keep(environ):
            return self.wsgi_app(environ, start_response)
        key = (environ["PATH_INFO"], environ.get("QUERY_STRING", ""),
               environ.get("HTTP_ORIGIN"), environ.get("HTTP_HOST"), environ["wsgi.url_scheme"])
        generation, now = counts_cache.generation(), self.clock()
        validator = self._validator(route, environ)
        if validator is UNREADABLE:
            return self.wsgi_app(environ, start_response)
        kept = self.answers.get(key)
        if kept is not None and self._fresh(kept.stamp, validator, now):
            return self._replay(kept, route, environ, start_response)
        environ[counts_cache.KEEPING] = True
        return self._answer_and_keep(key, Stamp(validator, generation, now + self.seconds),
                                     environ, start_response)

    def _may_keep(self, environ: dict) -> bool:
        if environ.get("REQUEST_METHOD") != "GET" or self.seconds <= 0:
            return False
        if self.answers.max_entries <= 0:
            return False
        if self.app.config["RATELIMIT_ENABLED"]:
            return False
        return not any(environ.get(header) for header in CONDITIONAL)

    def _validator(self, route: KeptRoute, environ: dict) -> Hashable:
        if route.validator is None:
            return None
        try:
            args = MultiDict(parse_qsl(environ.get("QUERY_STRING", "").encode("latin-1").decode(),
                                       keep_blank_values=True, errors="werkzeug.url_quote"))
        except UnicodeError:
            return UNREADABLE
        try:
            return route.validator(self.app, args)
        except Exception:  # e.g. the database is gone: Flask answers it, as a JSON error
            return UNREADABLE

    @staticmethod
    def _fresh(stamp: Stamp, validator: Hashable, now: float) -> bool:
        # A validated answer needs no generation: its validator moves with every change.
        if now >= stamp.expires or stamp.validator != validator:
            return False
        return validator is not None or stamp.generation == counts_cache.generation()

    def _replay(self, kept: Answer, route: KeptRoute, environ: dict,
                start_response: Any) -> list[bytes]:
        request_id = observability.request_id_from(environ.get("HTTP_X_REQUEST_ID", ""))
        start_response(kept.status, [*kept.headers, (observability.REQUEST_ID_HEADER,
                                                     request_id)])
        started = environ.get(observability.STARTED)
        seconds = time.perf_counter() - started if started else 0.0
        with_metrics = self.app.config["COMMENTSVC_METRICS"] != "off"
        if with_metrics and route.page_cache:
            metrics.page_cache("hit")
        observability.request_done("GET", route.rule, int(kept.status[:3]), seconds,
                                   request_id, with_metrics=with_metrics)
        return [kept.body]

    def _answer_and_keep(self, key: Hashable, stamp: Stamp, environ: dict,
                         start_response: Any) -> Iterable[bytes]:
        started: list[Any] = []

        def remember_start(status: str, headers: list, exc_info: Any = None) -> Any:
            started.append((status, headers))
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, remember_start)
        if not started or not _keepable(*started[0]):
            return answer
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        status, headers = started[0]
        self.answers.put(key, Answer(status, _shareable(headers), body, stamp))
        return [body]


def _keepable(status: str, headers: list[tuple[str, str]]) -> bool:
    """A 200 that varies on nothing but what the key holds (Origin)."""
    varies = {part.strip().lower() for name, value in headers if name.lower() == "vary"
              for part in value.split(",")}
    return status.startswith("200 ") and varies <= {"origin"}


def _shareable(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The answer's headers less the request's own id (each replay gets its own)."""
    own = observability.REQUEST_ID_HEADER.lower()
    return [(name, value) for name, value in headers if name.lower() != own]


def init_app(app: Flask) -> None:
    """Called after every other WSGI wrapper but ProxyFix."""
    app.wsgi_app = KeptAnswers(  # type: ignore[method-assign]
        app, app.wsgi_app, app.config["COMMENTSVC_PAGE_CACHE_ENTRIES"])
