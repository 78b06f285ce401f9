"""commentsvc's own export: JSON Lines, one object per line (docs/export-format.md).

Streamed: articles are listed first (small), then each article's comments are read in chunks,
parents before their replies, so a site of any size exports in flat memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commentsvc.identity import keyed_hash
from commentsvc.models import Article, Comment
from commentsvc.sites import ServiceConfig, get_site

FORMAT, VERSION = "commentsvc-export", 1
CHUNK = 1_000
# Configuration, not data: the site's JWT secret never leaves in an export.
SECRET_SETTINGS = {"jwt_secret"}
COMMENT_FIELDS = ("author_name", "author_verified", "author_avatar", "avatar_seed",
                  "reader_hash", "email_hash", "ip_hash", "body_source", "body_html",
                  "moderation_reason")


def instance_source(config: ServiceConfig) -> str:
    """Names this installation in import_source without revealing anything about its secret."""
    return "commentsvc:" + keyed_hash(config.secret_key, "export-instance", "")[:16]


def export_lines(session: Session, config: ServiceConfig, site_key: str,
                 article_key: str | None = None) -> Iterator[str]:
    """The export as lines of JSON, each ending in a newline."""
    site = get_site(session, site_key)
    query = select(Article).where(Article.site_id == site.id).order_by(Article.id)
    if article_key is not None:
        query = query.where(Article.key == article_key)
    articles = session.scalars(query).all()
    source = instance_source(config)
    # Everything from the site's rows is read before the first line goes out: a streamed
    # HTTP answer continues in a new session, where these objects are no longer attached.
    settings = {k: v for k, v in (site.settings or {}).items() if k not in SECRET_SETTINGS}
    site_line = _line({"type": "site", "key": site.key, "name": site.name,
                       "allowed_origins": list(site.allowed_origins or []),
                       "settings": settings})
    yield _line({"type": "meta", "format": FORMAT, "version": VERSION,
                 "exported_at": _time(config.now()), "site": site.key, "article": article_key,
                 "source": source})
    yield site_line
    for line, article_id, key in [(_line(_article(a)), a.id, a.key) for a in articles]:
        yield line
        yield from _comments(session, article_id, key, source)


def _article(article: Article) -> dict[str, Any]:
    return {"type": "article", "key": article.key, "url": article.url, "title": article.title,
            "closed": article.closed, "premoderated": article.premoderated,
            "comment_count": article.comment_count, "created_at": _time(article.created_at)}


def _comments(session: Session, article_id: int, article_key: str,
              source: str) -> Iterator[str]:
    # Parents first: by depth, then in the order they were written.
    query = (select(Comment).where(Comment.article_id == article_id)
             .order_by(Comment.depth, Comment.created_at, Comment.id)
             .execution_options(yield_per=CHUNK))
    for comment in session.scalars(query):
        yield _line(_comment(comment, article_key, source))
        session.expunge(comment)


def _comment(comment: Comment, article_key: str, source: str) -> dict[str, Any]:
    origin = ({"name": comment.import_source, "id": comment.import_id}
              if comment.import_source else {"name": source, "id": str(comment.id)})
    return {
        "type": "comment", "id": comment.id, "article": article_key,
        "parent": comment.parent_id, "source": origin, "status": comment.status,
        "pinned": comment.pinned, "score": comment.score, "reply_count": comment.reply_count,
        "descendant_count": comment.descendant_count,
        **{name: getattr(comment, name) for name in COMMENT_FIELDS},
        "created_at": _time(comment.created_at), "edited_at": _time(comment.edited_at),
    }


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _line(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"
