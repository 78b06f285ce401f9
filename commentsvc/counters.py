"""Denormalised counters, kept exact inside the transaction that changes a comment's status.

Atomic `SET n = n + 1` updates, never read-modify-write in Python, so concurrent writers to one
thread cannot lose an increment. Every change a reader could see also bumps the article's
version, which keys the cached thread pages.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from commentsvc.models import APPROVED, Article, Comment

_RAW = {"synchronize_session": False}


def thread_changed(session: Session, article_id: int) -> None:
    """Invalidate the thread's cached pages (in this transaction: readers never see stale)."""
    session.execute(update(Article).where(Article.id == article_id)
                    .values(version=Article.version + 1), execution_options=_RAW)


def status_changed(session: Session, comment: Comment, old_status: str | None,
                   now: datetime | None = None) -> None:
    """Call after comment.status was set (old_status None for a new comment)."""
    session.flush()
    # Another transition in this transaction may have changed it behind the ORM's back.
    session.refresh(comment, ["reply_count"])
    approved_delta = int(comment.status == APPROVED) - int(old_status == APPROVED)
    values: dict = {"version": Article.version + 1}
    if approved_delta:
        values["comment_count"] = Article.comment_count + approved_delta
        if approved_delta > 0 and now is not None:
            values["last_comment_at"] = now
    session.execute(update(Article).where(Article.id == comment.article_id).values(**values),
                    execution_options=_RAW)
    was_visible = old_status == APPROVED or (old_status is not None and comment.reply_count > 0)
    if was_visible != comment.is_visible and comment.parent_id is not None:
        _reply_visibility_changed(session, comment.root_id, comment.parent_id,
                                  1 if comment.is_visible else -1)


def _reply_visibility_changed(session: Session, root_id: int | None, parent_id: int | None,
                              delta: int) -> None:
    # A removed comment is shown only while it has visible replies, so a change in its
    # reply count can make it (dis)appear, which in turn changes its own parent's count.
    while parent_id is not None:
        session.execute(update(Comment).where(Comment.id == root_id)
                        .values(descendant_count=Comment.descendant_count + delta),
                        execution_options=_RAW)
        count, status, grandparent_id = session.execute(
            update(Comment)
            .where(Comment.id == parent_id)
            .values(reply_count=Comment.reply_count + delta)
            .returning(Comment.reply_count, Comment.status, Comment.parent_id),
            execution_options=_RAW,
        ).one()
        parent_flipped = status != APPROVED and count == (1 if delta > 0 else 0)
        if not parent_flipped:
            return
        parent_id = grandparent_id  # None when the parent was the top-level comment itself
