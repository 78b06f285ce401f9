"""Benchmark data, inserted in bulk through the models' tables on a migrated database.

Rows are written the way posting.create would leave them (root_id, ancestry, depth, visible
reply_count, approved status, the article's comment_count), but with one executemany per table:
100,000 comments take seconds, not the minutes that posting them over HTTP would.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_migrate import upgrade
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from commentsvc import create_app, render
from commentsvc.extensions import db
from commentsvc.models import APPROVED, Article, Comment, Site

BODY = (
    "Thanks for the **careful** write-up. The second chart surprised me: is the drop in 2019 "
    "the same series, or did the method change? See https://example.org/notes for what I mean."
)
# Rendered once and reused for every row: rendering is the write side's cost, not the seed's.
BODY_HTML = render.to_html(BODY)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
CHUNK = 5_000


@dataclass(frozen=True)
class ThreadShape:
    """`top` top-level comments, each followed by `replies` replies nested up to `max_depth`."""

    top: int
    replies: int
    max_depth: int = 4

    @property
    def size(self) -> int:
        return self.top * (1 + self.replies)


@dataclass
class Seeder:
    """Hands out ids and timestamps so that every row is inserted with its final values."""

    site_id: int
    next_article_id: int = 1
    next_comment_id: int = 1
    # A fixed seed: every run builds the same trees.
    rng: random.Random = field(default_factory=lambda: random.Random(20261128))

    def article(self, key: str, comment_count: int) -> dict[str, Any]:
        article_id = self.next_article_id
        self.next_article_id += 1
        return {
            "id": article_id, "site_id": self.site_id, "key": key,
            "url": f"https://news.example/{key}", "title": f"Article {key}",
            "closed": False, "premoderated": False, "comment_count": comment_count,
            "last_comment_at": EPOCH, "created_at": EPOCH,
        }

    def thread(self, article_id: int, shape: ThreadShape) -> Iterator[dict[str, Any]]:
        """Top-level comments in order, each followed by its replies (a random tree)."""
        for _ in range(shape.top):
            root = self._comment(article_id, None)
            subtree = [root]
            for _ in range(shape.replies):
                parents = [c for c in subtree if c["depth"] < shape.max_depth]
                subtree.append(self._comment(article_id, self.rng.choice(parents)))
            root["descendant_count"] = shape.replies
            yield from subtree

    def _comment(self, article_id: int, parent: dict[str, Any] | None) -> dict[str, Any]:
        comment_id = self.next_comment_id
        self.next_comment_id += 1
        if parent is not None:
            parent["reply_count"] += 1
        return {
            "id": comment_id, "article_id": article_id,
            "parent_id": parent["id"] if parent else None,
            "root_id": (parent["root_id"] or parent["id"]) if parent else None,
            "ancestry": f"{parent['ancestry']}{parent['id']}/" if parent else "",
            "depth": parent["depth"] + 1 if parent else 0,
            "author_name": f"Reader {comment_id % 997}", "reader_hash": None,
            "email_hash": None, "author_verified": False, "author_avatar": None,
            "avatar_seed": f"{comment_id:016x}", "body_source": BODY, "body_html": BODY_HTML,
            "status": APPROVED, "score": comment_id % 7, "reply_count": 0,
            "descendant_count": 0, "pinned": False, "flag_count": 0, "moderation_reason": None,
            "created_at": EPOCH + timedelta(seconds=comment_id), "edited_at": None,
            "edit_token_hash": None, "ip_hash": None,
        }


def migrated_app(database_url: str) -> Any:
    """An app on a fresh database whose schema the migrations built (never create_all)."""
    if database_url.startswith("postgresql"):
        _recreate_postgres_database(database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "seed-only",
                      "COMMENTSVC_ENV": "development"})
    with app.app_context():
        # Alembic's INFO lines would bury the benchmark's own output.
        logging.disable(logging.INFO)
        try:
            upgrade()
        finally:
            logging.disable(logging.NOTSET)
    return app


def _recreate_postgres_database(url: str, *, create: bool = True) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def drop(database_url: str) -> None:
    """Remove a benchmark database (SQLite files go with the temp dir)."""
    if database_url.startswith("postgresql"):
        _recreate_postgres_database(database_url, create=False)


def server_version(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                return "PostgreSQL " + conn.scalar(text("SHOW server_version")).split()[0]
            return "SQLite " + conn.scalar(text("SELECT sqlite_version()"))
    finally:
        engine.dispose()


def seed(database_url: str, threads: dict[str, ThreadShape]) -> dict[str, int]:
    """Migrate a fresh database and fill one article per entry; returns each article's first
    comment id (a top-level comment that callers can reply to)."""
    app = migrated_app(database_url)
    first_ids: dict[str, int] = {}
    with app.app_context():
        site_id = db.session.scalar(select(Site.id).where(Site.key == "default"))
        seeder = Seeder(site_id)
        articles = []
        comments: list[dict[str, Any]] = []
        for key, shape in threads.items():
            article = seeder.article(key, shape.size)
            articles.append(article)
            rows = list(seeder.thread(article["id"], shape))
            if rows:
                first_ids[key] = rows[0]["id"]
            comments.extend(rows)
        db.session.execute(insert(Article.__table__), articles)
        for start in range(0, len(comments), CHUNK):
            db.session.execute(insert(Comment.__table__), comments[start:start + CHUNK])
        if db.engine.dialect.name == "postgresql":
            for table in ("article", "comment"):
                db.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                ))
            db.session.execute(text("ANALYZE"))
        db.session.commit()
        stored = db.session.scalar(select(func.count()).select_from(Comment))
        expected = sum(shape.size for shape in threads.values())
        if stored != expected:
            raise RuntimeError(f"seeded {stored} comments, expected {expected}")
        db.session.remove()
        db.engine.dispose()
    return first_ids


def set_site_settings(database_url: str, settings: dict[str, Any]) -> None:
    """Give the default site settings (e.g. word lists), as an admin's PATCH would."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "seed-only",
                      "COMMENTSVC_ENV": "development"})
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == "default"))
        site.settings = {**(site.settings or {}), **settings}
        db.session.commit()
        db.engine.dispose()
