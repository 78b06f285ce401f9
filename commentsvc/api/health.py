"""Liveness and readiness, for load balancers and orchestrators.

`/healthz` only says the process answers: an orchestrator restarts a container whose liveness
fails, and restarting every app process because the database is down helps nobody. `/readyz`
asks what the app needs to serve (the database and, when limits are shared, Redis): a load
balancer stops sending traffic to a process that is not ready, and resumes when it is.
"""

from __future__ import annotations

import logging

from flask import current_app
from flask_smorest import Blueprint
from limits.storage import Storage, storage_from_string
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from commentsvc.errors import envelope
from commentsvc.extensions import db
from commentsvc.schemas import HealthOut, ReadyOut

blp = Blueprint("health", __name__, description="Service health")
log = logging.getLogger(__name__)
# A probe must answer before the balancer's own timeout, even when Redis is unreachable.
REDIS_TIMEOUT_SECONDS = 2


@blp.route("/healthz", methods=["GET"])
@blp.response(200, HealthOut)
def healthz() -> object:
    """200 while the process answers; touches neither the database nor Redis."""
    return {"status": "ok"}


@blp.route("/readyz", methods=["GET"])
@blp.response(200, ReadyOut)
@blp.alt_response(503, description="The database or Redis cannot be reached (`not_ready`)")
def readyz() -> object:
    """200 with what was checked when the database (and Redis, if configured) answer."""
    checked, down = ["database"], {}
    if not _database_answers():
        down["database"] = ["the database cannot be reached"]
    if _uses_redis():
        checked.append("redis")
        if not _redis().check():
            down["redis"] = ["Redis (COMMENTSVC_RATELIMIT_STORAGE_URI) cannot be reached"]
    if down:
        log.warning("not ready: %s down", ", ".join(down))
        return envelope(503, "not_ready", f"not ready: {' and '.join(down)} down", down)
    return {"status": "ready", "checked": checked}


def _database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    finally:
        db.session.remove()  # do not keep a pooled connection checked out between probes
    return True


def _uses_redis() -> bool:
    return not current_app.config["RATELIMIT_STORAGE_URI"].startswith("memory://")


def _redis() -> Storage:
    # The app's own connection to the limits store: the limiter extension is shared by every
    # app in the process (and keeps none when limits are switched off).
    storage = current_app.extensions.get("commentsvc_readiness_redis")
    if storage is None:
        storage = storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"],
                                      socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                      socket_timeout=REDIS_TIMEOUT_SECONDS)
        current_app.extensions["commentsvc_readiness_redis"] = storage
    return storage
