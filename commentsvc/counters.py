"""Denormalised counters, kept exact inside the transaction that changes a comment's status.

Atomic `SET n = n + 1` updates, never read-modify-write in Python, so concurrent writers to one
thread cannot lose an increment. Every change a reader could see also bumps the article's
version, which keys the cached thread pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Integer, Update, bindparam, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from commentsvc import events
from commentsvc.models import APPROVED, Article, Comment, Flag, Vote

_RAW = {"synchronize_session": False}


def thread_changed(session: Session, article_id: int) -> None:
    """Invalidate the thread's cached pages (in this transaction: readers never see stale)."""
    session.execute(update(Article).where(Article.id == article_id)
                    .values(version=Article.version + 1), execution_options=_RAW)


def status_changed(session: Session, comment: Comment, old_status: str | None,
                   now: datetime | None = None) -> None:
    """Call after comment.status was set (old_status None for a new comment).

    Every status change passes through here, so this is also where it is announced."""
    session.flush()
    if old_status is not None:
        # Another transition in this transaction may have changed it behind the ORM's back
        # (a new comment has no replies yet).
        session.refresh(comment, ["reply_count"])
    approved_delta = int(comment.status == APPROVED) - int(old_status == APPROVED)
    connection = session.connection()
    version = connection.execute(
        _article_update(approved_delta, touch=approved_delta > 0 and now is not None),
        {"article_id": comment.article_id, "now": now}).scalar_one()
    was_visible = old_status == APPROVED or (old_status is not None and comment.reply_count > 0)
    if was_visible != comment.is_visible and comment.parent_id is not None:
        _reply_visibility_changed(connection, comment.root_id, comment.parent_id,
                                  1 if comment.is_visible else -1)
    events.comment_changed(session, comment, "created" if old_status is None else "status",
                           old_status, version)


@cache
def _article_update(approved_delta: int, *, touch: bool) -> Update:
    """The article's counters and version move (built once per kind of change, run as Core:
    every post runs one); returns the new version."""
    values: dict = {"version": Article.version + 1}
    if approved_delta:
        values["comment_count"] = Article.comment_count + approved_delta
    if touch:
        values["last_comment_at"] = bindparam("now")
    return (update(Article.__table__).where(Article.id == bindparam("article_id"))
            .values(**values).returning(Article.version))


_DELTA = bindparam("delta", type_=Integer)
_ADD_TO_DESCENDANTS = (
    update(Comment.__table__).where(Comment.id == bindparam("comment_id"))
    .values(descendant_count=Comment.descendant_count + _DELTA))
_ADD_TO_REPLIES = (
    update(Comment.__table__).where(Comment.id == bindparam("comment_id"))
    .values(reply_count=Comment.reply_count + _DELTA)
    .returning(Comment.reply_count, Comment.status, Comment.parent_id))
# A reply to a top-level comment moves both of that comment's counters: one statement.
_ADD_TO_TOP_LEVEL = (
    update(Comment.__table__).where(Comment.id == bindparam("comment_id"))
    .values(descendant_count=Comment.descendant_count + _DELTA,
            reply_count=Comment.reply_count + _DELTA)
    .returning(Comment.reply_count, Comment.status, Comment.parent_id))


def _reply_visibility_changed(connection: Connection, root_id: int | None,
                              parent_id: int | None, delta: int) -> None:
    # A removed comment is shown only while it has visible replies, so a change in its
    # reply count can make it (dis)appear, which in turn changes its own parent's count.
    while parent_id is not None:
        moved = {"comment_id": parent_id, "delta": delta}
        if parent_id == root_id:
            row = connection.execute(_ADD_TO_TOP_LEVEL, moved).one()
        else:
            connection.execute(_ADD_TO_DESCENDANTS, {"comment_id": root_id, "delta": delta})
            row = connection.execute(_ADD_TO_REPLIES, moved).one()
        count, status, grandparent_id = row
        parent_flipped = status != APPROVED and count == (1 if delta > 0 else 0)
        if not parent_flipped:
            return
        parent_id = grandparent_id  # None when the parent was the top-level comment itself


@dataclass(frozen=True)
class Counts:
    """An article's counters: as stored, or as they should be (see recount)."""

    comment_count: int
    reply_count: dict[int, int]  # comment id -> visible direct replies
    descendant_count: dict[int, int]  # top-level comment id -> visible replies at any depth
    score: dict[int, int]  # comment id -> sum of its votes
    flag_count: dict[int, int]  # comment id -> open reports


def recount(session: Session, article_id: int) -> Counts:
    """What every counter of an article should be, worked out from the rows alone (slow: for
    checks and repairs after imports, never on a request)."""
    rows = session.execute(
        select(Comment.id, Comment.parent_id, Comment.root_id, Comment.status)
        .where(Comment.article_id == article_id).order_by(Comment.depth.desc(), Comment.id)
    ).all()
    ids = [row.id for row in rows]
    replies = dict.fromkeys(ids, 0)
    descendants = {row.id: 0 for row in rows if row.root_id is None}
    # Deepest first: a comment's visible replies are all counted before it is looked at.
    for row in rows:
        visible = row.status == APPROVED or replies[row.id] > 0
        if visible and row.parent_id is not None:
            replies[row.parent_id] += 1
            descendants[row.root_id] += 1
    scores = dict(session.execute(
        select(Vote.comment_id, func.sum(Vote.value)).where(Vote.comment_id.in_(ids))
        .group_by(Vote.comment_id)).all())
    flags = dict(session.execute(
        select(Flag.comment_id, func.count()).where(Flag.comment_id.in_(ids),
                                                    Flag.resolved_at.is_(None))
        .group_by(Flag.comment_id)).all())
    approved = sum(1 for row in rows if row.status == APPROVED)
    return Counts(approved, replies, descendants,
                  {i: int(scores.get(i) or 0) for i in ids}, {i: flags.get(i, 0) for i in ids})
