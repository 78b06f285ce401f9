"""The moderator's read side: queues of comments with their reports and history; the audit log."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from commentsvc import cursors
from commentsvc.cursors import Order
from commentsvc.errors import Forbidden
from commentsvc.models import STATUSES, Article, AuditEntry, Ban, Comment, Flag
from commentsvc.moderation import Moderator
from commentsvc.sites import get_site

QUEUES = (*STATUSES, "flagged")
NEWEST_FIRST = Order("queue", (Comment.created_at, Comment.id), descending=True)
MOST_FLAGGED = Order("flagged", (Comment.flag_count, Comment.id), descending=True)
AUDIT_ORDER = Order("audit", (AuditEntry.id,), descending=True)
BAN_ORDER = Order("bans", (Ban.id,), descending=True)


@dataclass
class QueueItem:
    comment: Comment
    site: str
    article: str
    article_title: str
    flags: list[Flag] = field(default_factory=list)
    history: list[AuditEntry] = field(default_factory=list)


@dataclass(frozen=True)
class QueueFilter:
    status: str = "pending"
    article: str | None = None
    author: str | None = None  # a name (part of it) or a reader id
    text: str | None = None


def queue(session: Session, moderator: Moderator, site_key: str, wanted: QueueFilter, *,
          limit: int = 50, cursor: str | None = None) -> tuple[list[QueueItem], str | None]:
    order = MOST_FLAGGED if wanted.status == "flagged" else NEWEST_FIRST
    after = cursors.decode(cursor, order) if cursor else None
    site = get_site(session, site_key)
    moderator.require(site.id)
    query = select(Comment).join(Article).where(Article.site_id == site.id)
    if wanted.status == "flagged":
        query = query.where(Comment.flag_count > 0)
    else:
        query = query.where(Comment.status == wanted.status)
    if wanted.article:
        query = query.where(Article.key == wanted.article)
    if wanted.author:
        query = query.where(or_(Comment.reader_hash == wanted.author,
                                Comment.author_name.ilike(f"%{_escape(wanted.author)}%",
                                                          escape="\\")))
    if wanted.text:
        query = query.where(Comment.body_source.ilike(f"%{_escape(wanted.text)}%", escape="\\"))
    comments, next_cursor = cursors.page(session, query, order, limit, after)
    return with_context(session, comments), next_cursor


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def with_context(session: Session, comments: list[Comment]) -> list[QueueItem]:
    """Articles, open reports and history of a whole page in three queries, not per comment."""
    ids = [c.id for c in comments]
    articles = {a.id: a for a in session.scalars(
        select(Article).where(Article.id.in_({c.article_id for c in comments})))}
    flags: dict[int, list[Flag]] = defaultdict(list)
    for report in session.scalars(select(Flag).where(Flag.comment_id.in_(ids),
                                                     Flag.resolved_at.is_(None))
                                  .order_by(Flag.id)):
        flags[report.comment_id].append(report)
    history: dict[int, list[AuditEntry]] = defaultdict(list)
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.comment_id.in_(ids))
                                 .order_by(AuditEntry.id)):
        history[entry.comment_id].append(entry)
    return [QueueItem(c, articles[c.article_id].site.key, articles[c.article_id].key,
                      articles[c.article_id].title, flags[c.id], history[c.id])
            for c in comments]


def audit_log(session: Session, moderator: Moderator, site_key: str | None, *, limit: int = 50,
              cursor: str | None = None) -> tuple[list[AuditEntry], str | None]:
    """A site's entries; without a site, those of the whole service (all-sites keys only)."""
    after = cursors.decode(cursor, AUDIT_ORDER) if cursor else None
    if site_key is None:
        if moderator.site_id is not None:
            raise Forbidden("give a site: only keys for all sites see the service-wide log",
                            code="wrong_site")
        site_id = None
    else:
        site_id = get_site(session, site_key).id
        moderator.require(site_id)
    query = select(AuditEntry).where(AuditEntry.site_id.is_(site_id) if site_id is None
                                     else AuditEntry.site_id == site_id)
    return cursors.page(session, query, AUDIT_ORDER, limit, after)


def ban_list(session: Session, moderator: Moderator, site_key: str, *, limit: int = 50,
             cursor: str | None = None) -> tuple[list[Ban], str | None]:
    """Bans in force or expired, newest first; lifted ones are only in the audit log."""
    after = cursors.decode(cursor, BAN_ORDER) if cursor else None
    site = get_site(session, site_key)
    moderator.require(site.id)
    query = select(Ban).where(Ban.site_id == site.id, Ban.lifted_at.is_(None))
    return cursors.page(session, query, BAN_ORDER, limit, after)


def thread_settings(session: Session, moderator: Moderator, site_key: str,
                    article_key: str) -> Article:
    site = get_site(session, site_key)
    moderator.require(site.id)
    article = session.scalar(select(Article).where(Article.site_id == site.id,
                                                   Article.key == article_key))
    return article or Article(site=site, key=article_key, closed=False, premoderated=False,
                              comment_count=0)
