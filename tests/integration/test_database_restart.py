"""The service recovers by itself when PostgreSQL drops its connections (a restart, a kill)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from commentsvc.extensions import db
from tests.conftest import THREAD, post


def _drop_every_other_connection(url: str) -> int:
    """What a server restart does to the service's pooled connections."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            dropped = connection.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    finally:
        engine.dispose()
    time.sleep(0.2)  # the goodbyes arrive
    return dropped


def _postgresql(app) -> str:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only: SQLite has no server to lose")
        return db.engine.url.render_as_string(hide_password=False)


def test_a_pooled_connection_the_server_dropped_is_replaced_before_use(app):
    url = _postgresql(app)
    with app.app_context():
        with db.engine.connect() as connection:  # back into the pool when done
            before = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        assert _drop_every_other_connection(url) >= 1
        with db.engine.connect() as connection:
            after = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    assert after != before


def test_after_the_server_drops_every_connection_the_next_requests_succeed(app, client):
    url = _postgresql(app)
    assert post(client).status_code == 201
    assert client.get("/api/v1/counts", query_string=THREAD).status_code == 200
    assert _drop_every_other_connection(url) >= 1
    assert post(client).status_code == 201  # a write: a pooled connection, checked first
    page = client.get("/api/v1/comments", query_string=THREAD)  # a read: the kept connection
    assert page.status_code == 200 and len(page.json["comments"]) == 2
