"""gunicorn settings for production: the one home of them.

`commentsvc serve` loads this module and lays its command-line options (--host, --port,
--workers, --threads, --graceful-timeout) on top; a bare gunicorn behaves the same with

    gunicorn -c python:commentsvc.gunicorn_conf 'commentsvc:create_app()'

(gunicorn's own flags, e.g. `-w 4 -b 0.0.0.0:8000`, then override these values the same way).
Run `commentsvc db upgrade` first: serve checks the schema before it starts, bare gunicorn
does not.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from typing import Any

from commentsvc.config import ConfigError, settings_from_env, split_host_port

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
MAX_WORKERS = 64
# gunicorn also names the client in its "Invalid request from ip=...: why" warnings.
CLIENT_IP_IN_WARNING = re.compile(r" from ip=\S*?(?=: )")
# gunicorn's access log without %(h)s or X-Forwarded-For: the service keeps no raw client IPs.
ACCESS_LOG = '%(t)s "%(r)s" %(s)s %(b)s %(L)ss "%(f)s" "%(a)s"'
ACCESS_LOG_WITH_IPS = '%(h)s "%({x-forwarded-for}i)s" ' + ACCESS_LOG
# gunicorn's largest request line: room for a thread URL whose 512-character article key is
# all four-byte characters (512 * 12 bytes percent-encoded) plus the rest of the query.
REQUEST_LINE_BYTES = 8190
HEADER_FIELD_BYTES = 8190


def _fail(exc: ConfigError) -> None:
    exc.show()
    sys.exit(exc.exit_code)


def _workers(environ: dict[str, str] | os._Environ) -> int:
    raw = environ.get("WEB_CONCURRENCY", "1").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_WORKERS:
        raise ConfigError(f"WEB_CONCURRENCY must be a whole number from 1 to {MAX_WORKERS}, "
                          f"not {raw!r}")
    return int(raw)


try:
    _settings = settings_from_env()
    workers = _workers(os.environ)
except ConfigError as problem:
    _fail(problem)

bind = f"{os.environ.get('HOST', DEFAULT_HOST)}:{os.environ.get('PORT', DEFAULT_PORT)}"
threads = 4
# SIGTERM: requests in flight get this long to finish before workers are stopped.
graceful_timeout = 30
timeout = 30
keepalive = 5  # behind a proxy that reuses connections
limit_request_line = REQUEST_LINE_BYTES
limit_request_field_size = HEADER_FIELD_BYTES
# The app's ProxyFix alone reads X-Forwarded-* (and only with COMMENTSVC_TRUSTED_PROXIES > 0,
# counting hops); gunicorn trusts no peer's forwarded or scheme headers, so a client that
# reaches the port directly cannot claim to be https or someone else.
forwarded_allow_ips = ""
# In json mode the app writes one JSON line per request, which is the access log; gunicorn's
# text lines come back with COMMENTSVC_ACCESS_LOG_IPS=true, the only way to log client IPs.
_ips = _settings["COMMENTSVC_ACCESS_LOG_IPS"]
accesslog = "-" if _settings["COMMENTSVC_LOG_FORMAT"] == "text" or _ips else None
access_log_format = ACCESS_LOG_WITH_IPS if _ips else ACCESS_LOG


def _logger_class() -> type:
    """gunicorn's logger: minus client IPs in its warnings, and in JSON when the app's is."""
    from gunicorn.glogging import Logger

    from commentsvc.logs import JsonFormatter

    json_lines = _settings["COMMENTSVC_LOG_FORMAT"] == "json"

    class CommentsvcLogger(Logger):
        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            if json_lines:
                for handler in self.error_log.handlers:
                    handler.setFormatter(JsonFormatter())

        def warning(self, msg: object, *args: Any, **kwargs: Any) -> None:
            if not _ips:
                msg = CLIENT_IP_IN_WARNING.sub("", str(msg))
            super().warning(msg, *args, **kwargs)

    return CommentsvcLogger


logger_class = _logger_class()


def shared_limits_problem(settings: dict[str, Any], workers: int) -> str | None:
    """Why these workers cannot enforce the rate limits, or None."""
    in_memory = settings["RATELIMIT_STORAGE_URI"].startswith("memory://")
    if workers > 1 and in_memory and settings["RATELIMIT_ENABLED"]:
        return (f"{workers} workers would each keep their own rate-limit counters "
                f"(memory://), letting through up to {workers} times each limit; share them "
                "with COMMENTSVC_RATELIMIT_STORAGE_URI=redis://HOST:6379/0, run one worker, "
                "or set COMMENTSVC_RATELIMIT_ENABLED=false")
    return None


# --- hooks (the master runs them, except post_fork, which runs in each new worker) ---------

def on_starting(server: Any) -> None:
    problem = shared_limits_problem(_settings, server.cfg.workers)
    if problem:
        _fail(ConfigError(problem))
    if _settings["COMMENTSVC_METRICS"] != "off":
        # Fresh per start: samples left by an earlier run's workers must not be added in.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="commentsvc-metrics-")


_metrics_server: list[Any] = []


def when_ready(server: Any) -> None:
    if _settings["COMMENTSVC_METRICS"] != "bind":
        return
    from prometheus_client import start_http_server

    from commentsvc.metrics import backlog_reader, registry

    host, port = split_host_port(_settings["COMMENTSVC_METRICS_BIND"])
    try:
        httpd, _thread = start_http_server(
            port, addr=host,
            registry=registry(backlog_reader()))
    except OSError as exc:
        _fail(ConfigError(f"COMMENTSVC_METRICS_BIND {host}:{port} cannot be listened on: "
                          f"{exc.strerror or exc}"))
    _metrics_server.append(httpd)
    server.log.info("metrics on http://%s:%s/metrics", host, port)


def post_fork(server: Any, worker: Any) -> None:
    # Only the master serves metrics: a worker closes its copy of the listening socket.
    for httpd in _metrics_server:
        httpd.socket.close()


def child_exit(server: Any, worker: Any) -> None:
    from commentsvc.metrics import worker_exited

    worker_exited(worker.pid)


def on_exit(server: Any) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if directory and os.path.basename(directory).startswith("commentsvc-metrics-"):
        shutil.rmtree(directory, ignore_errors=True)
