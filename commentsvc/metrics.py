"""Prometheus metrics, correct across several gunicorn workers.

Under `commentsvc serve` with COMMENTSVC_METRICS on, gunicorn_conf gives each server start a
fresh PROMETHEUS_MULTIPROC_DIR: every worker writes its samples there and a scrape of any
worker (or of the master's COMMENTSVC_METRICS_BIND listener) adds them all up.

prometheus_client picks its storage (memory or those files) when it is first imported, so it is
imported lazily, in the worker, never while the app is merely being built: the master builds
one app to check the settings before it forks.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from commentsvc import events

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Seconds; most answers take milliseconds, a cold thread page on a slow disk a second or more.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Instruments:
    requests: Any
    latency: Any
    posts: Any
    rate_limited: Any
    page_cache: Any
    database_errors: Any


_made: list[Instruments] = []
_making = threading.Lock()


def instruments() -> Instruments:
    """The process's metrics, made on first use (by one thread: each name registers once)."""
    if not _made:
        with _making:
            if not _made:
                _made.append(_make())
    return _made[0]


def _make() -> Instruments:
    from prometheus_client import Counter, Histogram

    return Instruments(
        requests=Counter("commentsvc_http_requests", "HTTP requests answered, by route "
                         "(the URL rule, not the path) and status", ["method", "route", "status"]),
        latency=Histogram("commentsvc_http_request_duration_seconds", "Time to answer, by "
                          "route and status", ["method", "route", "status"],
                          buckets=LATENCY_BUCKETS),
        posts=Counter("commentsvc_posts", "New comments by the rules' decision "
                      "(allow, hold, reject, spam)", ["decision"]),
        rate_limited=Counter("commentsvc_rate_limited", "Requests refused with 429, by limit "
                             "scope", ["scope"]),
        page_cache=Counter("commentsvc_page_cache", "Thread pages served from the page cache "
                           "(hit), built (miss) or answered 304 (not_modified)", ["result"]),
        database_errors=Counter("commentsvc_database_errors", "Requests that failed on the "
                                "database: unavailable (answered 503) or other (500)",
                                ["kind"]),
    )


# (method, route, status) -> its (requests, latency) samples: labels() locks and builds a key
# on every call, and every request counts itself.
_per_request: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def request_done(method: str, route: str, status: int, seconds: float) -> None:
    key = (method, route, status)
    samples = _per_request.get(key)
    if samples is None:
        found, labels = instruments(), (method, route, str(status))
        samples = _per_request[key] = (found.requests.labels(*labels),
                                       found.latency.labels(*labels))
    samples[0].inc()
    samples[1].observe(seconds)


def rate_limited(scope: str) -> None:
    instruments().rate_limited.labels(scope).inc()


_page_cache: dict[str, Any] = {}


def page_cache(result: str) -> None:
    sample = _page_cache.get(result)
    if sample is None:
        sample = _page_cache[result] = instruments().page_cache.labels(result)
    sample.inc()


def database_error(kind: str) -> None:
    instruments().database_errors.labels(kind).inc()


def count_event(event: events.Event) -> None:
    if isinstance(event, events.PostDecided):
        instruments().posts.labels(event.decision).inc()


def listen() -> None:
    events.listen(count_event)


def exposition(read_backlog: Callable[[], Any] | None = None) -> tuple[bytes, str]:
    """The text a scraper reads, summed over every worker when there are several, and the
    outbox's backlog as the database tells it now."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    instruments()
    text = generate_latest(registry()) if multiprocess() else generate_latest(REGISTRY)
    if read_backlog is not None:
        asked = CollectorRegistry()
        asked.register(OutboxCollector(read_backlog))
        text += generate_latest(asked)
    return text, CONTENT_TYPE_LATEST


class OutboxCollector:
    """The outbox's backlog, asked of the database at scrape time.

    Not a gauge each worker sets: in multiprocess mode those would have to be summed or maxed,
    and the database already knows the one true figure. `read` returns an outbox.Backlog."""

    def __init__(self, read: Callable[[], Any]) -> None:
        self.read = read

    def collect(self) -> Any:
        from prometheus_client.core import GaugeMetricFamily

        try:
            backlog = self.read()
        except Exception:  # a scrape still shows the requests while the database is away
            log.warning("metrics: the outbox backlog could not be read", exc_info=True)
            return
        yield GaugeMetricFamily("commentsvc_outbox_pending", "Outbox messages (e-mails, "
                                "webhook deliveries) waiting to be sent", value=backlog.pending)
        yield GaugeMetricFamily("commentsvc_outbox_dead", "Outbox messages given up after "
                                "every retry (kept 30 days for inspection)", value=backlog.dead)
        yield GaugeMetricFamily("commentsvc_outbox_oldest_pending_age_seconds", "How long the "
                                "oldest waiting outbox message has waited",
                                value=backlog.oldest_pending_seconds)


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def registry(read_backlog: Callable[[], Any] | None = None) -> Any:
    """A registry that reads every worker's samples from PROMETHEUS_MULTIPROC_DIR (and, when
    given a reader, the outbox's backlog)."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    collecting = CollectorRegistry()
    MultiProcessCollector(collecting)
    if read_backlog is not None:
        collecting.register(OutboxCollector(read_backlog))
    return collecting


def backlog_reader() -> Callable[[], Any]:
    """For the master's metrics listener, which serves no requests: an app of its own (made
    at the first scrape, after gunicorn has forked its workers) to ask the database with."""
    made: list[Any] = []

    def read() -> Any:
        from commentsvc import create_app, outbox
        from commentsvc.extensions import db

        if not made:
            made.append(create_app())
        app = made[0]
        with app.app_context():
            try:
                return outbox.backlog(db.session, app.extensions["commentsvc"].now())
            finally:
                db.session.remove()

    return read


def worker_exited(pid: int) -> None:
    """Drop a dead worker's live samples (gunicorn's child_exit hook); its counts stay."""
    if multiprocess():
        from prometheus_client import multiprocess as multiproc

        multiproc.mark_process_dead(pid)
