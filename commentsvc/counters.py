"""Denormalised counters, kept exact inside the transaction that changes a comment's status.

Atomic `SET n = n + 1` updates, never read-modify-write in Python, so concurrent writers to one
thread cannot lose an increment.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from commentsvc.models import APPROVED, Article, Comment


def status_changed(session: Session, comment: Comment, old_status: str | None,
                   now: datetime | None = None) -> None:
    """Call after comment.status was set (old_status None for a new comment)."""
    session.flush()
    # Another transition in this transaction may have changed it behind the ORM's back.
    session.refresh(comment, ["reply_count"])
    approved_delta = int(comment.status == APPROVED) - int(old_status == APPROVED)
    if approved_delta:
        values: dict = {"comment_count": Article.comment_count + approved_delta}
        if approved_delta > 0 and now is not None:
            values["last_comment_at"] = now
        session.execute(
            update(Article).where(Article.id == comment.article_id).values(**values),
            execution_options={"synchronize_session": False},
        )
    was_visible = old_status == APPROVED or (old_status is not None and comment.reply_count > 0)
    if was_visible != comment.is_visible and comment.parent_id is not None:
        _change_reply_count(session, comment.parent_id, 1 if comment.is_visible else -1)


def _change_reply_count(session: Session, comment_id: int | None, delta: int) -> None:
    # A removed comment is shown only while it has visible replies, so a change in its
    # reply count can make it (dis)appear, which in turn changes its own parent's count.
    while comment_id is not None:
        row = session.execute(
            update(Comment)
            .where(Comment.id == comment_id)
            .values(reply_count=Comment.reply_count + delta)
            .returning(Comment.reply_count, Comment.status, Comment.parent_id),
            execution_options={"synchronize_session": False},
        ).one()
        count, status, parent_id = row
        visibility_flipped = status != APPROVED and count == (1 if delta > 0 else 0)
        if not visibility_flipped:
            return
        comment_id = parent_id
