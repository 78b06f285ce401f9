"""Shared fixtures: an app on a migrated database (SQLite, or PostgreSQL + Redis when
COMMENTSVC_TEST_DATABASE_URL / COMMENTSVC_TEST_REDIS_URL are set), a client, a clock."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings
from sqlalchemy import create_engine, delete, insert, select, text
from sqlalchemy.engine import make_url

from commentsvc import create_app
from commentsvc.extensions import db, limiter

# CI runs the property tests with a fixed seed: a red CI must be reproducible, and new
# counterexamples are looked for on developers' machines, where the seed is random.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

TEST_DATABASE_URL = os.environ.get("COMMENTSVC_TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("COMMENTSVC_TEST_REDIS_URL")
THREAD = {"site": "default", "article": "news-42"}


@dataclass
class Clock:
    """An injected clock, so edit windows are tested without sleeping."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _ensure_postgres_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                             {"n": parsed.database})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        _ensure_postgres_database(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def migrated(database_url: str) -> dict[str, list[dict[str, Any]]]:
    """Build the schema once by running the migrations; remember the rows they seed."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with app.app_context():
        if database_url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        seeded = {
            table.name: [dict(row._mapping) for row in db.session.execute(select(table))]
            for table in db.metadata.sorted_tables
        }
        db.session.remove()
        db.engine.dispose()
    return seeded


def reset_database(seeded: dict[str, list[dict[str, Any]]]) -> None:
    """Empty every table and put back what the migrations seeded: each test starts clean."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(delete(table))
    for table in db.metadata.sorted_tables:
        if seeded.get(table.name):
            # In id order: a reply must follow its parent (foreign keys are enforced).
            rows = sorted(seeded[table.name], key=lambda row: row.get("id") or 0)
            db.session.execute(insert(table), rows)
    db.session.commit()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))


def app_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Off unless a test is about limits: tests post faster than any reader may.
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": TEST_REDIS_URL or "memory://",
    }
    config.update(overrides)
    return config


@pytest.fixture
def make_app(database_url: str, migrated: dict, clock: Clock) -> Iterator[Any]:
    """Build an app with extra settings; the database is reset for each test."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = create_app(app_config(database_url, COMMENTSVC_CLOCK=clock, **overrides))
        if not apps:
            with app.app_context():
                reset_database(migrated)
                # Limits must not leak from one test into the next through Redis.
                limiter.reset()
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


_bodies = itertools.count(1)


def post(client: FlaskClient, body: str | None = None, **fields: Any) -> Any:
    """Post a comment to the default test thread; fields override the defaults.

    Each default body is different: the same text twice within an hour is rejected as a repeat.
    """
    headers = fields.pop("headers", None)
    body = f"Comment number {next(_bodies)}" if body is None else body
    return client.post("/api/v1/comments", json={**THREAD, "body": body, **fields},
                       headers=headers)


ROOT = Path(__file__).resolve().parent.parent


def set_site_settings(app: Flask, settings: dict[str, Any], site_key: str = "default") -> None:
    """Replace a site's settings the way the service does (so their version moves on)."""
    from commentsvc.models import Site

    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == site_key))
        site.settings = settings
        db.session.commit()
