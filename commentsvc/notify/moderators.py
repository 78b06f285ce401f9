"""Moderator e-mails: one per held or reported comment to each moderator who opted in for the
site, with approve / reject links that expire and work once.

Both links of one e-mail share a ModerationLink row: using either uses both. The act itself goes
through moderation.moderate, like the admin API, so counters, caches, events and the audit log
(actor "mail:<subscription id>") are what they would be there.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commentsvc import audit, events, moderation
from commentsvc.errors import Conflict, NotFound
from commentsvc.identity import keyed_hash
from commentsvc.models import APPROVED, PENDING, Article, Comment, Site
from commentsvc.notify import mail, queue, replies, setup, subscriptions
from commentsvc.notify.models import MODERATION, MailSubscription, ModerationLink
from commentsvc.notify.subscriptions import LinkExpired

KIND = "mail.moderation"
LINK_VALID = timedelta(hours=72)
ACTIONS = ("approve", "reject")
PURPOSE = "moderate"


def on_comment_changed(session: Session, event: events.Event) -> None:
    """In the write's transaction: one e-mail per opted-in moderator of the site."""
    if not (isinstance(event, events.CommentChanged) and setup.active()):
        return
    why = _why(session, event)
    if why is None:
        return
    site_id = session.scalar(select(Article.site_id).where(Article.id == event.article_id))
    moderators = session.scalars(select(MailSubscription.id).where(
        MailSubscription.site_id == site_id, MailSubscription.kind == MODERATION,
        MailSubscription.confirmed_at.is_not(None),
        MailSubscription.unsubscribed_at.is_(None))).all()
    for subscription_id in moderators:
        queue.enqueue(session, KIND, {"subscription": subscription_id,
                                      "comment": event.comment_id, "why": why,
                                      "base": setup.base_url()}, setup.now())


def _why(session: Session, event: events.CommentChanged) -> str | None:
    if event.status == PENDING and (event.change == "created" or (
            event.change == "status" and event.before == APPROVED)):
        return "held"
    if event.change == "flagged" and event.status == APPROVED:
        # The first open report only: a pile-on must not become a pile of e-mails.
        flags = session.scalar(select(Comment.flag_count).where(Comment.id == event.comment_id))
        return "reported" if flags == 1 else None
    return None


def register_handlers() -> None:
    queue.register(KIND, send_moderation)


def send_moderation(session: Session, payload: dict[str, Any]) -> None:
    secret = setup.service().secret_key
    subscription = session.get(MailSubscription, payload["subscription"])
    comment = session.get(Comment, payload["comment"])
    address = subscriptions.address_of(secret, subscription) if subscription else None
    if address is None or comment is None or not _still_open(comment, payload["why"]):
        return
    now = setup.now()
    nonce = secrets.token_urlsafe(24)
    link = ModerationLink(nonce_hash=keyed_hash(secret, "moderation-link", nonce),
                          comment_id=comment.id, subscription_id=subscription.id,
                          created_at=now, expires_at=now + LINK_VALID, attempts=0)
    session.add(link)
    session.flush()
    base = payload["base"]
    article = session.get(Article, comment.article_id)
    site = session.get(Site, article.site_id)
    urls = {action: f"{base}/mail/moderate/{mail.sign(secret, PURPOSE, [link.id, nonce, action])}"
            for action in ACTIONS}
    unsubscribe = (f"{base}/mail/unsubscribe/"
                   f"{subscriptions.link_token(secret, subscriptions.UNSUBSCRIBE, subscription)}")
    message = mail.moderation(
        setup.settings().sender, address, lang=subscription.lang, site=site.name or site.key,
        why=payload["why"], reason=comment.moderation_reason or "",
        item=replies.item_for(session, comment, base), approve_url=urls["approve"],
        reject_url=urls["reject"], expires_at=link.expires_at, unsubscribe_url=unsubscribe,
        now=now)
    try:
        mail.send(setup.settings().sender, message)
    except Exception:
        session.delete(link)  # never sent: its links must not exist
        raise


def _still_open(comment: Comment, why: str) -> bool:
    # Decided before the worker got to it: no e-mail about a question already answered.
    return comment.status == PENDING if why == "held" else (
        comment.status == APPROVED and comment.flag_count > 0)


def link_for(session: Session, secret: str, token: str) -> tuple[ModerationLink, str]:
    """The link and action a token names; NotFound for anything forged or unknown."""
    value = mail.unsign(secret, PURPOSE, token)
    if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], int)
            and isinstance(value[1], str) and value[2] in ACTIONS):
        raise NotFound("this link is not valid", code="invalid_link")
    link = session.get(ModerationLink, value[0])
    if link is None or link.nonce_hash != keyed_hash(secret, "moderation-link", value[1]):
        raise NotFound("this link is not valid", code="invalid_link")
    return link, value[2]


def check_usable(session: Session, link: ModerationLink) -> Comment:
    now = setup.now()
    if link.used_at is not None:
        raise Conflict(f"this link was used already ({link.used_for})", code="link_used")
    if now >= link.expires_at:
        raise LinkExpired("this link has expired; use the moderator page")
    subscription = session.get(MailSubscription, link.subscription_id)
    if subscription is None or not subscription.active:
        raise LinkExpired("this address no longer gets moderator e-mails")
    return session.get(Comment, link.comment_id)


def act(session: Session, secret: str, token: str) -> Comment:
    """Approve or reject through a link from a moderator e-mail: once, before it expires."""
    link, action = link_for(session, secret, token)
    comment = check_usable(session, link)
    now = setup.now()
    # Claimed with a conditional update: two clicks at once, one wins.
    claimed = session.execute(
        update(ModerationLink)
        .where(ModerationLink.id == link.id, ModerationLink.used_at.is_(None))
        .values(used_at=now, used_for=action), execution_options={"synchronize_session": False},
    ).rowcount
    if claimed != 1:
        session.rollback()
        raise Conflict("this link was used already", code="link_used")
    site_id = session.scalar(select(Article.site_id).where(Article.id == comment.article_id))
    actor = moderation.Moderator(actor=f"mail:{link.subscription_id}", role="moderator",
                                 site_id=site_id)
    moderation.moderate(session, setup.service(), actor, [comment.id], action,
                        reason="by a link in a moderator e-mail")
    return comment


@dataclass(frozen=True)
class ModeratorAddress:
    """An address that gets (or was asked to confirm) a site's moderator e-mails."""

    id: int
    email: str | None  # None when the sealed address cannot be read (the secret key changed)
    lang: str
    status: str  # "confirmation_sent" or "confirmed"
    created_at: datetime
    confirmed_at: datetime | None


def listed(session: Session, secret: str, moderator: moderation.Moderator,
           site_id: int) -> list[ModeratorAddress]:
    """The site's moderator addresses that have not unsubscribed, oldest first (admins)."""
    moderator.require(site_id, role="admin")
    rows = session.scalars(select(MailSubscription).where(
        MailSubscription.site_id == site_id, MailSubscription.kind == MODERATION,
        MailSubscription.unsubscribed_at.is_(None)).order_by(MailSubscription.id))
    return [ModeratorAddress(row.id, mail.unseal(secret, row.address_sealed), row.lang,
                             "confirmed" if row.active else "confirmation_sent",
                             row.created_at, row.confirmed_at) for row in rows]


def remove(session: Session, moderator: moderation.Moderator, site_id: int,
           subscription_id: int, now: datetime) -> None:
    """An admin takes an address off the site's moderator e-mails, as its unsubscribe link
    would: nothing more is sent, the address is forgotten, unused links stop working."""
    moderator.require(site_id, role="admin")
    subscription = session.get(MailSubscription, subscription_id, with_for_update=True)
    if (subscription is None or subscription.site_id != site_id
            or subscription.kind != MODERATION or subscription.unsubscribed_at is not None):
        raise NotFound(f"no moderator e-mail address {subscription_id} on this site",
                       code="moderator_mail_not_found")
    subscriptions.stop(session, subscription, now)
    audit.record(session, site_id=site_id, actor=moderator.actor, action="moderator_mail_removed",
                 now=now, details={"subscription_id": subscription_id})
    session.commit()


def opt_in(session: Session, secret: str, site_id: int, address: str, lang: str,
           base_url: str) -> MailSubscription:
    subscription = subscriptions.subscribe(session, secret, site_id, MODERATION, address, lang,
                                           setup.now(), base_url)
    session.commit()
    return subscription
