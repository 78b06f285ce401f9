"""The reader's data rights: export and erase one reader's data; hard delete one comment.

Erased comments are blanked, not deleted: the row keeps its id, thread, place and date, so
replies by others keep their parent (foreign keys and ancestry stay valid) and a comment with
visible replies shows as the "[deleted]" placeholder. Everything that said what it was or who
wrote it (text, name, avatar, every hash) is gone, and so are the votes and reports on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from commentsvc import audit, counters
from commentsvc.errors import Invalid, NotFound
from commentsvc.identity import email_hash, signed_in_reader_key
from commentsvc.models import DELETED, Article, Ban, Comment, Flag, Site, Vote
from commentsvc.notify import mail
from commentsvc.notify.models import REPLIES, MailSubscription, ReplyNotice, ReplyWatch
from commentsvc.sites import ServiceConfig, get_site

if TYPE_CHECKING:
    from commentsvc.moderation import Moderator

EXPORT_FORMAT = "commentsvc-reader-export"
EXPORT_VERSION = 1
SELECTORS = ("comment_id", "sub", "email")
_RAW = {"synchronize_session": False}


@dataclass(frozen=True)
class Selector:
    """How an admin names a reader: exactly one of a comment of theirs, a JWT subject, an e-mail."""

    comment_id: int | None = None
    sub: str | None = None
    email: str | None = None

    @property
    def kind(self) -> str:
        given = [name for name in SELECTORS if getattr(self, name) is not None]
        if len(given) != 1:
            raise Invalid("comment_id", "give exactly one of comment_id, sub, email",
                          code="one_selector")
        return given[0]


@dataclass
class Selection:
    """One reader's rows on one site."""

    site: Site
    reader_key: str | None
    comments: list[Comment]
    votes: list[Vote]
    reports: list[Flag]
    subscriptions: list[MailSubscription]


@dataclass(frozen=True)
class Erasure:
    comments: int
    placeholders: int  # erased comments still shown as "[deleted]" above others' replies
    votes: int
    reports: int
    threads: int


def select_reader(session: Session, config: ServiceConfig, site: Site,
                  selector: Selector) -> Selection:
    """The reader's comments, votes and reports on this site.

    comment_id and sub name a reader key (a reader token or a JWT subject): it selects the
    comments, votes and reports under it. An e-mail selects the comments that carry its hash
    (votes and reports are kept by reader key only). A comment without a reader key is its own
    reader: that comment alone.
    """
    kind = selector.kind
    in_site = select(Comment).join(Article).where(Article.site_id == site.id)
    reader_key: str | None = None
    if kind == "comment_id":
        comment = session.scalar(in_site.where(Comment.id == selector.comment_id))
        if comment is None:
            raise NotFound(f"no comment {selector.comment_id} on this site",
                           code="comment_not_found")
        reader_key = comment.reader_hash
        query = (in_site.where(Comment.reader_hash == reader_key) if reader_key
                 else in_site.where(Comment.id == comment.id))
    elif kind == "sub":
        reader_key = signed_in_reader_key(config.secret_key, site.key, selector.sub)
        query = in_site.where(Comment.reader_hash == reader_key)
    else:
        query = in_site.where(
            Comment.email_hash == email_hash(config.secret_key, selector.email))
    comments = list(session.scalars(query.order_by(Comment.id)))
    votes, reports = ([], []) if reader_key is None else (
        _by_reader(session, Vote, site, reader_key), _by_reader(session, Flag, site, reader_key))
    hashes = {c.email_hash for c in comments}
    if kind == "email":  # an address may be subscribed without a comment left to carry it
        hashes.add(email_hash(config.secret_key, selector.email))
    return Selection(site, reader_key, comments, votes, reports,
                     _reply_subscriptions(session, site, hashes))


def _reply_subscriptions(session: Session, site: Site,
                         hashes: set[str | None]) -> list[MailSubscription]:
    """The reader's reply-mail subscriptions: by the e-mail hashes of their own comments only,
    so another reader's address never comes along (moderators' mail is not reader data)."""
    hashes.discard(None)
    if not hashes:
        return []
    return list(session.scalars(select(MailSubscription).where(
        MailSubscription.site_id == site.id, MailSubscription.kind == REPLIES,
        MailSubscription.email_hash.in_(hashes)).order_by(MailSubscription.id)))


def _by_reader(session: Session, model: Any, site: Site, reader_key: str) -> list[Any]:
    return list(session.scalars(
        select(model).join(Comment, Comment.id == model.comment_id).join(Article)
        .where(Article.site_id == site.id, model.reader_hash == reader_key)
        .order_by(model.id)))


# --- export --------------------------------------------------------------------------------------

def export_reader(session: Session, config: ServiceConfig, moderator: Moderator, site_key: str,
                  selector: Selector) -> dict[str, Any]:
    """Everything stored about one reader on one site, as one JSON document."""
    site = get_site(session, site_key)
    moderator.require(site.id, role="admin")
    chosen = select_reader(session, config, site, selector)
    articles = _articles(session, [c.article_id for c in chosen.comments]
                         + _comment_articles(session, chosen.votes + chosen.reports))
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "site": site.key,
        "selected_by": selector.kind,
        "exported_at": _iso(config.now()),
        "reader_key": chosen.reader_key,
        "comments": [_comment_out(c, articles[c.article_id]) for c in chosen.comments],
        "votes": [{"comment_id": v.comment_id, "value": v.value, "created_at": _iso(v.created_at)}
                  for v in chosen.votes],
        "reports": [{"comment_id": f.comment_id, "reason": f.reason, "note": f.note,
                     "created_at": _iso(f.created_at), "resolved_at": _iso(f.resolved_at)}
                    for f in chosen.reports],
        "bans": [_ban_out(ban, config.now()) for ban in _bans_naming(session, chosen)],
        "mail_subscriptions": [_subscription_out(session, config, s)
                               for s in chosen.subscriptions],
    }


def _subscription_out(session: Session, config: ServiceConfig,
                      subscription: MailSubscription) -> dict[str, Any]:
    # The address is unsealed: it is the reader's own, selected by the hash of their own
    # comments (or the address the admin typed), never another reader's.
    watched = session.scalars(select(ReplyWatch.comment_id).where(
        ReplyWatch.subscription_id == subscription.id).order_by(ReplyWatch.comment_id))
    queued = session.scalar(select(func.count()).select_from(ReplyNotice).where(
        ReplyNotice.subscription_id == subscription.id, ReplyNotice.sent_at.is_(None)))
    return {
        "kind": subscription.kind, "address": mail.unseal(config.secret_key,
                                                          subscription.address_sealed),
        "email_hash": subscription.email_hash, "lang": subscription.lang,
        "created_at": _iso(subscription.created_at),
        "confirmed": subscription.confirmed_at is not None,
        "confirmed_at": _iso(subscription.confirmed_at),
        "unsubscribed_at": _iso(subscription.unsubscribed_at),
        "last_sent_at": _iso(subscription.last_sent_at),
        "watched_comments": list(watched), "queued_reply_notices": queued or 0,
    }


def _comment_out(comment: Comment, article: Article) -> dict[str, Any]:
    # Hashes stay hashes; the edit token's hash is a credential and is left out.
    return {
        "id": comment.id, "article": {"id": article.key, "title": article.title,
                                      "url": article.url},
        "parent_id": comment.parent_id, "status": comment.status,
        "author_name": comment.author_name, "verified": comment.author_verified,
        "avatar": comment.author_avatar, "body": comment.body_source, "html": comment.body_html,
        "created_at": _iso(comment.created_at), "edited_at": _iso(comment.edited_at),
        "score": comment.score, "pinned": comment.pinned,
        "hashes": {"reader": comment.reader_hash, "email": comment.email_hash,
                   "ip": comment.ip_hash},
    }


def _ban_out(ban: Ban, now: datetime) -> dict[str, Any]:
    active = ban.lifted_at is None and (ban.expires_at is None or ban.expires_at > now)
    return {"id": ban.id, "kind": ban.kind, "reason": ban.reason,
            "created_at": _iso(ban.created_at), "expires_at": _iso(ban.expires_at),
            "lifted_at": _iso(ban.lifted_at), "active": active}


def _bans_naming(session: Session, chosen: Selection) -> list[Ban]:
    pairs = {("reader", chosen.reader_key)}
    for comment in chosen.comments:
        pairs |= {("reader", comment.reader_hash), ("email", comment.email_hash),
                  ("ip", comment.ip_hash)}
    matches = [(Ban.kind == kind) & (Ban.value_hash == value) for kind, value in pairs if value]
    if not matches:
        return []
    return list(session.scalars(select(Ban).where(Ban.site_id == chosen.site.id, or_(*matches))
                                .order_by(Ban.id)))


def _articles(session: Session, ids: Iterable[int]) -> dict[int, Article]:
    return {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(set(ids))))}


def _comment_articles(session: Session, rows: list[Any]) -> list[int]:
    ids = {row.comment_id for row in rows}
    return list(session.scalars(select(Comment.article_id).where(Comment.id.in_(ids))))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


# --- erase ---------------------------------------------------------------------------------------

def erase_reader(session: Session, config: ServiceConfig, moderator: Moderator, site_key: str,
                 selector: Selector) -> Erasure:
    """Remove one reader's comments (text, names, hashes), votes and reports, in one transaction."""
    site = get_site(session, site_key)
    moderator.require(site.id, role="admin")
    now = config.now()
    chosen = select_reader(session, config, site, selector)
    erased_ids = {c.id for c in chosen.comments}
    _forget_mail_addresses(session, chosen.subscriptions)
    threads = {c.article_id for c in chosen.comments}
    threads |= _drop_votes(session, [v for v in chosen.votes if v.comment_id not in erased_ids])
    threads |= _drop_reports(session, [f for f in chosen.reports
                                       if f.comment_id not in erased_ids])
    # Deepest first: a reply's removal settles its parent's reply count before the parent goes.
    for comment in sorted(chosen.comments, key=lambda c: (-c.depth, c.id)):
        erase_comment(session, comment, now)
    for article_id in threads:
        counters.thread_changed(session, article_id)
    placeholders = session.scalar(select(func.count()).select_from(Comment).where(
        Comment.id.in_(erased_ids), Comment.reply_count > 0)) if erased_ids else 0
    summary = Erasure(len(chosen.comments), placeholders, len(chosen.votes),
                      len(chosen.reports), len(threads))
    # That it happened and how much, never what: no text, name, hash or comment id.
    audit.record(session, site_id=site.id, actor=moderator.actor, action="erase_reader",
                 reason=f"reader's data erased (selected by {selector.kind})",
                 details={"selected_by": selector.kind, "comments": summary.comments,
                          "placeholders": summary.placeholders, "votes": summary.votes,
                          "reports": summary.reports, "threads": summary.threads},
                 now=now)
    session.commit()
    return summary


def _forget_mail_addresses(session: Session, subscriptions: list[MailSubscription]) -> None:
    """An erased reader's reply e-mails stop, and the sealed address goes with them: the
    subscriptions the export lists, with their watches and queued notices."""
    ids = [s.id for s in subscriptions]
    if ids:
        for model in (ReplyNotice, ReplyWatch):
            session.execute(delete(model).where(model.subscription_id.in_(ids)),
                            execution_options=_RAW)
        session.execute(delete(MailSubscription).where(MailSubscription.id.in_(ids)),
                        execution_options=_RAW)


def _drop_votes(session: Session, votes: list[Vote]) -> set[int]:
    for vote in votes:
        session.execute(update(Comment).where(Comment.id == vote.comment_id)
                        .values(score=Comment.score - vote.value), execution_options=_RAW)
        session.delete(vote)
    return set(_comment_articles(session, votes))


def _drop_reports(session: Session, reports: list[Flag]) -> set[int]:
    for report in reports:
        if report.resolved_at is None:  # flag_count counts open reports only
            session.execute(update(Comment).where(Comment.id == report.comment_id)
                            .values(flag_count=Comment.flag_count - 1), execution_options=_RAW)
        session.delete(report)
    return set(_comment_articles(session, reports))


def erase_comment(session: Session, comment: Comment, now: datetime) -> None:
    """Hard delete: the text and everything that identifies its author are gone for good."""
    session.execute(delete(Vote).where(Vote.comment_id == comment.id), execution_options=_RAW)
    session.execute(delete(Flag).where(Flag.comment_id == comment.id), execution_options=_RAW)
    session.execute(delete(ReplyWatch).where(ReplyWatch.comment_id == comment.id),
                    execution_options=_RAW)
    comment.score = comment.flag_count = 0
    comment.body_source = comment.body_html = comment.author_name = comment.avatar_seed = ""
    comment.body_digest = None
    comment.reader_hash = comment.email_hash = comment.ip_hash = None
    comment.edit_token_hash = comment.author_avatar = comment.moderation_reason = None
    comment.author_verified = comment.pinned = False
    old_status, comment.status = comment.status, DELETED
    counters.status_changed(session, comment, old_status, now)
