"""Liveness with a real database round trip, for load balancers and orchestration."""

from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from commentsvc.errors import envelope
from commentsvc.extensions import db
from commentsvc.schemas import HealthOut

blp = Blueprint("health", __name__, description="Service health")


@blp.route("/healthz", methods=["GET"])
@blp.response(200, HealthOut)
@blp.alt_response(503, description="The database cannot be reached")
def healthz() -> object:
    """200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return envelope(503, "database_unavailable", "the database cannot be reached")
    return {"status": "ok"}
