"""What readers do to others' comments: vote and report."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, distinct, func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commentsvc import counters, events, moderation
from commentsvc.errors import Conflict, Forbidden, NotFound, Unauthorized
from commentsvc.identity import Reader
from commentsvc.models import APPROVED, Article, Comment, Flag, Site, Vote
from commentsvc.sites import ServiceConfig, SiteSettings

# Reader tokens are made by the client, so one address could otherwise mint voters at will:
# at most this many anonymous readers behind one address count on one comment. Signed-in
# readers are vouched for by the publisher and are not capped.
ANONYMOUS_VOTES_PER_IP = 3


@dataclass(frozen=True)
class VoteResult:
    score: int
    my_vote: int


def _votable(session: Session, comment_id: int, reader: Reader) -> Comment:
    if not reader.key:
        raise Unauthorized("send a reader token (X-Reader-Token) or sign in to do this",
                           code="reader_required")
    # Locked (on PostgreSQL) so that caps and reporter counts are decided one request at a time.
    comment = session.get(Comment, comment_id, with_for_update=True)
    if comment is None or comment.status != APPROVED:
        raise NotFound(f"no comment {comment_id}", code="comment_not_found")
    return comment


def vote(session: Session, config: ServiceConfig, reader: Reader, comment_id: int,
         value: int) -> VoteResult:
    """One vote per reader and comment: +1, -1, or 0 to take it back. Score moves in step."""
    comment = _votable(session, comment_id, reader)
    if comment.reader_hash == reader.key:
        raise Forbidden("you cannot vote on your own comment", code="own_comment")
    existing = session.scalar(select(Vote).where(Vote.comment_id == comment.id,
                                                 Vote.reader_hash == reader.key)
                              .with_for_update())
    previous = existing.value if existing else 0
    if existing is None and value:
        _refuse_over_address_cap(session, comment.id, reader)
    if existing and value == 0:
        session.delete(existing)
    elif existing:
        existing.value = value
    elif value:
        session.add(Vote(comment_id=comment.id, reader_hash=reader.key, value=value,
                         ip_hash=reader.ip_hash, verified=reader.verified,
                         created_at=config.now()))
    if value != previous:
        session.execute(update(Comment).where(Comment.id == comment.id)
                        .values(score=Comment.score + (value - previous)),
                        execution_options={"synchronize_session": False})
        counters.thread_changed(session, comment.article_id)
    try:
        session.commit()
    except IntegrityError as exc:  # the same reader voting twice at the same moment
        session.rollback()
        raise Conflict("your vote is already being counted; try again", code="vote_race") from exc
    return VoteResult(session.scalar(select(Comment.score).where(Comment.id == comment.id)),
                      value)


def _refuse_over_address_cap(session: Session, comment_id: int, reader: Reader) -> None:
    if reader.verified or not reader.ip_hash:
        return
    votes = session.scalar(select(func.count(Vote.id)).where(
        Vote.comment_id == comment_id, Vote.ip_hash == reader.ip_hash, Vote.verified.is_(False)))
    if votes >= ANONYMOUS_VOTES_PER_IP:
        raise Forbidden(f"{ANONYMOUS_VOTES_PER_IP} readers from your network address have voted "
                        "on this comment already; sign in to vote", code="vote_cap_reached")


def flag(session: Session, config: ServiceConfig, reader: Reader, comment_id: int,
         reason: str, note: str = "") -> int:
    """Report a comment once; reports from enough distinct reporters hide it until a moderator
    decides. flag_count stays the number of open reports, for the moderation queue."""
    comment = _votable(session, comment_id, reader)
    already = session.scalar(select(Flag.id).where(Flag.comment_id == comment.id,
                                                   Flag.reader_hash == reader.key))
    if already:
        raise Conflict("you have reported this comment already", code="already_flagged")
    now = config.now()
    session.add(Flag(comment_id=comment.id, reader_hash=reader.key, reason=reason, note=note,
                     ip_hash=reader.ip_hash, verified=reader.verified, created_at=now))
    session.execute(update(Comment).where(Comment.id == comment.id)
                    .values(flag_count=Comment.flag_count + 1),
                    execution_options={"synchronize_session": False})
    session.flush()
    session.refresh(comment, ["flag_count"])
    events.comment_changed(session, comment, "flagged")
    article = session.get(Article, comment.article_id)
    threshold = SiteSettings.of(article.site, config).flag_threshold
    if _distinct_reporters(session, comment.id) >= threshold:
        moderation.hold_for_review(session, comment, article.site_id,
                                   f"{comment.flag_count} open reports", now)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("you have reported this comment already", code="already_flagged") from exc
    return comment.flag_count


def _distinct_reporters(session: Session, comment_id: int) -> int:
    """Open reports counted by reporter: an address, or a signed-in reader (one each)."""
    reporter = case(
        (Flag.verified, literal("reader:") + Flag.reader_hash),
        else_=literal("ip:") + func.coalesce(Flag.ip_hash, Flag.reader_hash),
    )
    return session.scalar(select(func.count(distinct(reporter))).where(
        Flag.comment_id == comment_id, Flag.resolved_at.is_(None)))


def own_votes(session: Session, site_key: str, article_key: str,
              reader_key: str | None) -> dict[str, int]:
    if not reader_key:
        return {}
    rows = session.execute(
        select(Vote.comment_id, Vote.value).join(Comment).join(Article).join(Site)
        .where(Site.key == site_key, Article.key == article_key, Vote.reader_hash == reader_key)
    )
    return {str(comment_id): value for comment_id, value in rows}
