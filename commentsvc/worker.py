"""The outbox worker: `commentsvc worker`, or a thread inside the server (the embedded default).

COMMENTSVC_WORKER decides whether `commentsvc serve` starts the thread: `auto` does on SQLite
(one machine, nothing else to run) and leaves it to a `commentsvc worker` process on PostgreSQL;
`thread` always; `off` never. Several workers (threads, processes, machines) may run at once:
the outbox's claims keep them from sending one message twice.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from commentsvc import outbox, retention, webhooks
from commentsvc.extensions import db

log = logging.getLogger(__name__)
PRUNE_EVERY_SECONDS = 3600


def run_once(app: Flask, worker: str | None = None) -> outbox.Report:
    """Deliver everything due now, batch after batch, and return what was done."""
    total = outbox.Report()
    worker = worker or outbox.worker_name()
    with app.app_context():
        config = app.extensions["commentsvc"]
        try:
            while True:
                report = outbox.deliver_due(db.session, config.now(), worker=worker)
                total.add(report)
                if report.claimed < outbox.BATCH:
                    return total
        finally:
            db.session.remove()


def prune(app: Flask) -> None:
    """Forget old sent messages and finished webhook deliveries (see outbox and webhooks), and
    clear identifying hashes past COMMENTSVC_RETENTION_DAYS as `commentsvc purge` does."""
    with app.app_context():
        config = app.extensions["commentsvc"]
        now = config.now()
        try:
            outbox.prune(db.session, now)
            webhooks.prune(db.session, now)
            retention.purge_expired(db.session, config, app.config["COMMENTSVC_RETENTION_DAYS"],
                                    actor="worker")
        finally:
            db.session.remove()


def run(app: Flask, *, poll_seconds: float, stop: threading.Event) -> None:
    """Deliver due messages every `poll_seconds` until `stop` is set; prune and purge once an
    hour."""
    worker = outbox.worker_name()
    log.info("outbox worker %s polling every %ss", worker, poll_seconds)
    pruned = 0.0
    while not stop.is_set():
        try:
            run_once(app, worker)
            if time.monotonic() - pruned > PRUNE_EVERY_SECONDS:
                prune(app)
                pruned = time.monotonic()
        except SQLAlchemyError:
            # The database went away: say so and try again at the next poll, do not die.
            log.exception("outbox worker could not reach the database")
        if stop.wait(poll_seconds):
            break


def wants_thread(app: Flask) -> bool:
    mode = app.config.get("COMMENTSVC_WORKER", "auto")
    if mode == "auto":
        return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    return mode == "thread"


def start_thread(app: Flask) -> threading.Event:
    """Run the worker in a daemon thread of this process; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=run, name="commentsvc-outbox", daemon=True,
                              kwargs={"app": app, "stop": stop,
                                      "poll_seconds": app.config["COMMENTSVC_WORKER_POLL_SECONDS"]})
    thread.start()
    app.extensions["commentsvc_worker"] = (thread, stop)
    return stop


def start_thread_if_wanted(app: Flask) -> threading.Event | None:
    return start_thread(app) if wants_thread(app) else None
