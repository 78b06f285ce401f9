"""Recount every denormalised counter from the rows, to compare with what is stored."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import APPROVED, Article, Comment, Flag, Vote


def stored_and_recounted(app) -> tuple[dict, dict]:
    """(stored, recounted) counters of every article and comment."""
    with app.app_context():
        comments = db.session.scalars(select(Comment)).all()
        articles = db.session.scalars(select(Article)).all()
        votes = db.session.scalars(select(Vote)).all()
        flags = db.session.scalars(select(Flag).where(Flag.resolved_at.is_(None))).all()
        stored = {
            **{("article", a.id): a.comment_count for a in articles},
            **{("comment", c.id): (c.reply_count, c.descendant_count, c.score, c.flag_count)
               for c in comments},
        }
        visible: dict[int, bool] = {}
        replies: dict[int, int] = defaultdict(int)
        # Deepest first: a removed comment is visible only while it has visible replies.
        for c in sorted(comments, key=lambda c: -c.depth):
            visible[c.id] = c.status == APPROVED or replies[c.id] > 0
            if visible[c.id] and c.parent_id is not None:
                replies[c.parent_id] += 1
        descendants: dict[int, int] = defaultdict(int)
        approved: dict[int, int] = defaultdict(int)
        for c in comments:
            if c.root_id is not None and visible[c.id]:
                descendants[c.root_id] += 1
            approved[c.article_id] += c.status == APPROVED
        score: dict[int, int] = defaultdict(int)
        for v in votes:
            score[v.comment_id] += v.value
        open_flags: dict[int, int] = defaultdict(int)
        for f in flags:
            open_flags[f.comment_id] += 1
        recounted = {
            **{("article", a.id): approved[a.id] for a in articles},
            **{("comment", c.id): (replies[c.id], descendants[c.id] if c.root_id is None else
                                   c.descendant_count, score[c.id], open_flags[c.id])
               for c in comments},
        }
    return stored, recounted
