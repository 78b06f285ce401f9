"""Helpers for the import and export tests: run the CLI, read back what was stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Article, Comment

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def run_import(app, fmt: str, name: str, *options: str) -> Any:
    path = name if Path(name).is_absolute() else str(FIXTURES / name)
    return app.test_cli_runner().invoke(args=["import", fmt, path, "--site", "default",
                                              *options])


def stored(app) -> dict[str, dict[str, Any]]:
    """Every comment by its import id, with the fields a test may look at."""
    with app.app_context():
        rows = db.session.execute(select(Comment, Article.key).join(Article)).all()
        by_id = {comment.id: comment for comment, _ in rows}
        out = {}
        for comment, key in rows:
            parent = by_id.get(comment.parent_id)
            out[comment.import_id] = {
                "article": key, "parent": parent.import_id if parent else None,
                "status": comment.status, "name": comment.author_name,
                "email_hash": comment.email_hash, "source": comment.body_source,
                "html": comment.body_html, "created_at": comment.created_at,
                "reply_count": comment.reply_count, "depth": comment.depth,
                "descendant_count": comment.descendant_count, "score": comment.score,
                "root": by_id[comment.root_id].import_id if comment.root_id else None,
                "ancestry": [by_id[int(i)].import_id
                             for i in comment.ancestry.split("/") if i],
                "moderation_reason": comment.moderation_reason,
            }
        return out


def articles(app) -> dict[str, dict[str, Any]]:
    with app.app_context():
        return {a.key: {"url": a.url, "title": a.title, "comment_count": a.comment_count,
                        "version": a.version}
                for a in db.session.scalars(select(Article))}
