"""What moderators do: status transitions, pins, thread settings, bans. Every act is audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from commentsvc import audit, counters, events, privacy
from commentsvc.errors import Conflict, Forbidden, Invalid, NotFound
from commentsvc.identity import email_hash, keyed_hash
from commentsvc.models import (
    APPROVED,
    DELETED,
    PENDING,
    REJECTED,
    SPAM,
    Article,
    Ban,
    Comment,
    Flag,
    Site,
)
from commentsvc.posting import ensure_article
from commentsvc.sites import ServiceConfig, get_site
from commentsvc.threads import MAX_PINNED

STATUS_ACTIONS = {"approve": APPROVED, "reject": REJECTED, "spam": SPAM, "delete": DELETED}
PIN_ACTIONS = {"pin": True, "unpin": False}
# Hard delete: text and the author's hashes gone for good (privacy.erase_comment).
ERASE = "erase"
ACTIONS = (*STATUS_ACTIONS, *PIN_ACTIONS, ERASE)
MAX_BULK = 500


@dataclass(frozen=True)
class Moderator:
    """Who is acting: an API key's role and the site it is limited to (None: every site)."""

    actor: str
    role: str
    site_id: int | None

    def require(self, site_id: int, role: str = "moderator") -> None:
        if self.site_id is not None and self.site_id != site_id:
            raise Forbidden("this key is not for that site", code="wrong_site")
        if role == "admin" and self.role != "admin":
            raise Forbidden("this needs an admin key", code="admin_only")


def moderate(session: Session, config: ServiceConfig, moderator: Moderator,
             comment_ids: Sequence[int], action: str, reason: str = "") -> list[Comment]:
    """Apply one action to up to 500 comments in one transaction: all succeed or none."""
    if not 1 <= len(comment_ids) <= MAX_BULK:
        raise Invalid("ids", f"give between 1 and {MAX_BULK} comment ids")
    rows = session.execute(
        select(Comment, Article.site_id).join(Article)
        .where(Comment.id.in_(set(comment_ids))).order_by(Comment.id).with_for_update()
    ).all()
    missing = set(comment_ids) - {comment.id for comment, _ in rows}
    if missing:
        raise NotFound(f"no comments {sorted(missing)}", code="comment_not_found")
    for site_id in {site_id for _, site_id in rows}:
        moderator.require(site_id)
    now = config.now()
    for comment, site_id in rows:
        _apply(session, comment, site_id, action, reason, moderator.actor, now)
    session.commit()
    return [comment for comment, _ in rows]


def _apply(session: Session, comment: Comment, site_id: int, action: str, reason: str,
           actor: str, now: datetime) -> None:
    before = comment.status
    if action in PIN_ACTIONS:
        if comment.root_id is not None:
            raise Invalid("ids", f"comment {comment.id} is a reply; only top-level comments pin")
        if PIN_ACTIONS[action] and not comment.pinned:
            _ensure_room_for_a_pin(session, comment.article_id)
        comment.pinned = PIN_ACTIONS[action]
        counters.thread_changed(session, comment.article_id)
        events.comment_changed(session, comment, "pinned")
    elif action == ERASE:
        privacy.erase_comment(session, comment, now)
    else:
        comment.status = STATUS_ACTIONS[action]
        counters.status_changed(session, comment, before, now)
        _close_flags(session, comment, now)
    audit.record(session, site_id=site_id, actor=actor, action=action, comment=comment,
                 reason=reason, before=before, after=comment.status, now=now)


def _ensure_room_for_a_pin(session: Session, article_id: int) -> None:
    # The first page shows at most MAX_PINNED pins and later pages leave pins out, so one more
    # would never be listed. Hidden pins count too: they come back if approved again.
    pinned = session.scalar(select(func.count()).select_from(Comment).where(
        Comment.article_id == article_id, Comment.root_id.is_(None), Comment.pinned))
    if pinned >= MAX_PINNED:
        raise Conflict(f"a thread can have at most {MAX_PINNED} pinned comments; unpin one first",
                       code="too_many_pinned")


def _close_flags(session: Session, comment: Comment, now: datetime) -> None:
    """A moderator has looked at it: its open reports are settled."""
    if comment.flag_count:
        session.execute(update(Flag).where(Flag.comment_id == comment.id,
                                           Flag.resolved_at.is_(None)).values(resolved_at=now))
        comment.flag_count = 0


def hold_for_review(session: Session, comment: Comment, site_id: int, reason: str,
                    now: datetime) -> None:
    """Hide a published comment until a moderator decides (e.g. too many reports)."""
    if comment.status != APPROVED:
        return
    comment.status = PENDING
    comment.moderation_reason = reason
    counters.status_changed(session, comment, APPROVED, now)
    audit.record(session, site_id=site_id, actor=audit.RULES_ACTOR, action="hold",
                 comment=comment, reason=reason, before=APPROVED, after=PENDING, now=now)


def set_thread(session: Session, config: ServiceConfig, moderator: Moderator, site_key: str,
               article_key: str, *, closed: bool | None = None,
               premoderated: bool | None = None) -> Article:
    site = get_site(session, site_key)
    moderator.require(site.id)
    now = config.now()
    article = ensure_article(session, site, article_key, now)
    changes = {name: value for name, value in
               (("closed", closed), ("premoderated", premoderated)) if value is not None}
    for name, value in changes.items():
        setattr(article, name, value)
    counters.thread_changed(session, article.id)
    audit.record(session, site_id=site.id, actor=moderator.actor, action="thread_settings",
                 reason=f"article {article_key}", details=changes, now=now)
    session.commit()
    return article


# --- bans ----------------------------------------------------------------------------------------

def ban_author(session: Session, config: ServiceConfig, moderator: Moderator, site_key: str,
               comment_id: int, by: Sequence[str], *, reason: str = "",
               expires_at: datetime | None = None, reject_comments: bool = False) -> list[Ban]:
    """Ban whoever wrote a comment, by its stored hashes: moderators never see raw values."""
    site = get_site(session, site_key)
    moderator.require(site.id)
    comment = session.scalar(select(Comment).join(Article).where(
        Comment.id == comment_id, Article.site_id == site.id))
    if comment is None:
        raise NotFound(f"no comment {comment_id} on this site", code="comment_not_found")
    hashes = {"reader": comment.reader_hash, "email": comment.email_hash, "ip": comment.ip_hash}
    unknown = [kind for kind in by if not hashes.get(kind)]
    if unknown:
        raise Invalid("by", f"the author of comment {comment_id} has no known {unknown[0]}")
    bans = [_ban(session, config, moderator, site, kind, hashes[kind], reason, expires_at)
            for kind in by]
    if reject_comments:
        _reject_earlier(session, config, moderator, site, [(k, hashes[k]) for k in by], reason)
    session.commit()
    return bans


def ban_value(session: Session, config: ServiceConfig, moderator: Moderator, site_key: str,
              kind: str, value: str, *, reason: str = "", expires_at: datetime | None = None,
              reject_comments: bool = False) -> Ban:
    """Ban a known value: a reader id as the admin API shows it, an e-mail or an IP address."""
    site = get_site(session, site_key)
    moderator.require(site.id)
    if kind == "reader":
        value_hash = value
    elif kind == "email":
        value_hash = email_hash(config.secret_key, value)
    else:
        value_hash = keyed_hash(config.secret_key, kind, value.strip())
    ban = _ban(session, config, moderator, site, kind, value_hash, reason, expires_at)
    if reject_comments:
        _reject_earlier(session, config, moderator, site, [(kind, value_hash)], reason)
    session.commit()
    return ban


def _ban(session: Session, config: ServiceConfig, moderator: Moderator, site: Site, kind: str,
         value_hash: str, reason: str, expires_at: datetime | None) -> Ban:
    now = config.now()
    if expires_at is not None and expires_at <= now:
        raise Invalid("expires_at", "must be in the future")
    ban = Ban(site_id=site.id, kind=kind, value_hash=value_hash, reason=reason,
              expires_at=expires_at, created_by=moderator.actor, created_at=now)
    session.add(ban)
    session.flush()
    audit.record(session, site_id=site.id, actor=moderator.actor, action="ban", reason=reason,
                 details={"ban_id": ban.id, "kind": kind,
                          "expires_at": expires_at.isoformat() if expires_at else None},
                 now=now)
    return ban


_HASH_COLUMNS = {"reader": Comment.reader_hash, "email": Comment.email_hash, "ip": Comment.ip_hash}


def _reject_earlier(session: Session, config: ServiceConfig, moderator: Moderator, site: Site,
                    identities: list[tuple[str, str]], reason: str) -> None:
    now = config.now()
    for kind, value_hash in identities:
        comments = session.scalars(
            select(Comment).join(Article)
            .where(Article.site_id == site.id, _HASH_COLUMNS[kind] == value_hash,
                   Comment.status.in_([APPROVED, PENDING]))
        ).all()
        for comment in comments:
            _apply(session, comment, site.id, "reject", reason or "author banned",
                   moderator.actor, now)


def lift_ban(session: Session, config: ServiceConfig, moderator: Moderator, ban_id: int) -> None:
    ban = session.get(Ban, ban_id)
    if ban is None or ban.lifted_at is not None:
        raise NotFound(f"no ban {ban_id}", code="ban_not_found")
    moderator.require(ban.site_id)
    now = config.now()
    ban.lifted_at, ban.lifted_by = now, moderator.actor
    audit.record(session, site_id=ban.site_id, actor=moderator.actor, action="unban",
                 details={"ban_id": ban.id, "kind": ban.kind}, now=now)
    session.commit()
