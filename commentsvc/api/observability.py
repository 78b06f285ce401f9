"""Request ids, one log line and one set of metrics per request, and `GET /metrics`."""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, g, request

from commentsvc import logs, metrics, outbox
from commentsvc.api.requests import bearer_token
from commentsvc.errors import Unauthorized
from commentsvc.extensions import db, limiter

REQUEST_ID_HEADER = "X-Request-ID"
# Short and plain, so that a client cannot write a line of its own into the log.
REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
STARTED = "commentsvc.started"
UNMATCHED = "unmatched"  # one label for every path no route knows: cardinality stays bounded

request_log = logging.getLogger(f"{logs.ROOT}.request")
bp = Blueprint("metrics", __name__)


def request_id() -> str:
    return request_id_from(request.headers.get(REQUEST_ID_HEADER, ""))


def request_id_from(incoming: str) -> str:
    """The caller's X-Request-ID when it is well formed, else a new one."""
    incoming = incoming.strip()
    return incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def start_request() -> None:
    g.request_id = request_id()


def metrics_on() -> bool:
    """Samples are only worth taking where something can read them (token or bind mode)."""
    return current_app.config["COMMENTSVC_METRICS"] != "off"


def finish_request(response: Response) -> Response:
    route = request.url_rule.rule if request.url_rule else UNMATCHED
    started = request.environ.get(STARTED)
    seconds = time.perf_counter() - started if started else 0.0
    status, method = response.status_code, request.method
    if "request_id" not in g:  # an answer made before our first hook ran
        start_request()
    response.headers[REQUEST_ID_HEADER] = g.request_id
    request_done(method, route, status, seconds, g.request_id, with_metrics=metrics_on())
    return response


def request_done(method: str, route: str, status: int, seconds: float, request_id: str, *,
                 with_metrics: bool) -> None:
    """The request's one log line and its metrics: for Flask's answers and kept ones alike."""
    try:
        if with_metrics:
            metrics.request_done(method, route, status, seconds)
            if status == 429:
                metrics.rate_limited(_breached_scope())
    except Exception:  # counting must never turn an answer into a 500
        request_log.exception("could not count the request")
    request_log.info("%s %s %s %.1fms", method, route, status, seconds * 1000,
                     extra={"fields": {"method": method, "route": route, "status": status,
                                       "duration_ms": round(seconds * 1000, 2),
                                       "request_id": request_id},
                            "fields_in_message": True})


def _breached_scope() -> str:
    # A shared limit's arguments end with its scope (post-reader, read, admin, ...).
    breached = limiter.current_limit
    if breached is None or not breached.request_args:
        return "unknown"
    return str(breached.request_args[-1])


class TimedApp:
    """WSGI wrapper noting when a request arrived, before any Flask hook can refuse it."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Any) -> Any:
        note_arrival(environ)
        return self.wsgi_app(environ, start_response)


def note_arrival(environ: dict) -> None:
    """The first layer to see a request notes when it came (kept answers are given before
    Flask's layers run)."""
    environ.setdefault(STARTED, time.perf_counter())


@bp.get("/metrics")
def scrape() -> Response:
    """Prometheus text format; 404 unless COMMENTSVC_METRICS=token and the token matches."""
    config = current_app.config
    if config["COMMENTSVC_METRICS"] != "token":  # bind mode serves them on its own port
        abort(404)  # as for any path that does not exist
    given = (bearer_token() or "").encode()
    if not hmac.compare_digest(given, config["COMMENTSVC_METRICS_TOKEN"].encode()):
        raise Unauthorized("send 'Authorization: Bearer <COMMENTSVC_METRICS_TOKEN>'",
                           code="metrics_token_invalid")
    clock = current_app.extensions["commentsvc"]
    body, content_type = metrics.exposition(lambda: outbox.backlog(db.session, clock.now()))
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


def init_app(app: Flask) -> None:
    """Before the limiter's hooks, so that its refusals are timed, logged and counted too."""
    logs.configure(app.config["COMMENTSVC_LOG_FORMAT"])
    metrics.listen()
    app.wsgi_app = TimedApp(app.wsgi_app)  # type: ignore[method-assign]
    app.before_request(start_request)
    # after_request hooks run last-registered first: this one sees the final answer.
    app.after_request(finish_request)
    app.register_blueprint(bp)
