"""Who may be e-mailed: double opt-in per address and site, and one-click unsubscribe.

An address gets one confirmation e-mail per site and kind, and nothing else until its link is
used; another one only once the first link has expired. The address is kept sealed, and only
while it is subscribed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commentsvc.errors import DomainError, NotFound
from commentsvc.identity import email_hash
from commentsvc.models import REJECTED, SPAM, Article, Comment
from commentsvc.notify import mail, queue
from commentsvc.notify.models import (
    MODERATION,
    REPLIES,
    MailSubscription,
    ModerationLink,
    ReplyNotice,
    ReplyWatch,
)

CONFIRM_VALID = timedelta(days=7)
CONFIRM, UNSUBSCRIBE = "confirm", "unsubscribe"
CONFIRM_KIND = "mail.confirm"


class LinkExpired(DomainError):
    status, code = 410, "link_expired"


def subscribe(session: Session, secret: str, site_id: int, kind: str, address: str, lang: str,
              now: datetime, base_url: str) -> MailSubscription:
    """The address's subscription, asking for confirmation when it is new (or asked anew)."""
    hashed = email_hash(secret, address)
    subscription = _find(session, site_id, kind, hashed)
    if subscription is None:
        subscription = _create(session, site_id, kind, hashed, now)
    if subscription.unsubscribed_at is not None:
        # Asked again after unsubscribing: confirmed again before anything is sent.
        subscription.unsubscribed_at = subscription.confirmed_at = None
    subscription.address_sealed = mail.seal(secret, address.strip())
    subscription.lang = mail.language(lang)
    if subscription.confirmed_at is None and (
            subscription.confirm_sent_at is None
            or now - subscription.confirm_sent_at > CONFIRM_VALID):
        subscription.confirm_sent_at = now
        session.flush()
        queue.enqueue(session, CONFIRM_KIND, {"subscription": subscription.id,
                                              "base": base_url}, now)
    return subscription


def _find(session: Session, site_id: int, kind: str, hashed: str) -> MailSubscription | None:
    return session.scalar(select(MailSubscription).where(
        MailSubscription.site_id == site_id, MailSubscription.kind == kind,
        MailSubscription.email_hash == hashed).with_for_update())


def _create(session: Session, site_id: int, kind: str, hashed: str,
            now: datetime) -> MailSubscription:
    # Two first posts from one address at once: one insert wins, the other reads it.
    try:
        with session.begin_nested():
            subscription = MailSubscription(site_id=site_id, kind=kind, email_hash=hashed,
                                            address_sealed="", lang="en", created_at=now)
            session.add(subscription)
        return subscription
    except IntegrityError:
        return _find(session, site_id, kind, hashed)


def watch_replies(session: Session, secret: str, comment: Comment, address: str, lang: str,
                  now: datetime, base_url: str) -> None:
    """The author of `comment` wants to hear of replies to it (once confirmed)."""
    if comment.status in (SPAM, REJECTED):
        return  # no confirmation e-mail on behalf of a comment nobody will see
    site_id = session.scalar(select(Article.site_id).where(Article.id == comment.article_id))
    subscription = subscribe(session, secret, site_id, REPLIES, address, lang, now, base_url)
    if session.get(ReplyWatch, comment.id) is None:
        session.add(ReplyWatch(comment_id=comment.id, subscription_id=subscription.id))
    session.commit()


def link_token(secret: str, purpose: str, subscription: MailSubscription) -> str:
    # The hash binds the link to the address it was sent to, not only to a row number.
    return mail.sign(secret, purpose, [subscription.id, subscription.email_hash[:16]])


def from_token(session: Session, secret: str, purpose: str, token: str) -> MailSubscription:
    value = mail.unsign(secret, purpose, token)
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int)):
        raise NotFound("this link is not valid", code="invalid_link")
    subscription = session.get(MailSubscription, value[0], with_for_update=True)
    if subscription is None or subscription.email_hash[:16] != value[1]:
        raise NotFound("this link is not valid", code="invalid_link")
    return subscription


def confirm(session: Session, secret: str, token: str, now: datetime) -> MailSubscription:
    subscription = from_token(session, secret, CONFIRM, token)
    if subscription.unsubscribed_at is not None:
        raise LinkExpired("this address has unsubscribed since; subscribe again from a comment "
                          "form", code="unsubscribed")
    if subscription.confirmed_at is None:
        if now - subscription.confirm_sent_at > CONFIRM_VALID:
            raise LinkExpired("this confirmation link has expired; tick the box again when "
                              "you next comment")
        subscription.confirmed_at = now
    session.commit()
    return subscription


def unsubscribe(session: Session, secret: str, token: str, now: datetime) -> MailSubscription:
    """Stop every e-mail of this kind to this address on this site; forget the address."""
    subscription = from_token(session, secret, UNSUBSCRIBE, token)
    stop(session, subscription, now)
    session.commit()
    return subscription


def stop(session: Session, subscription: MailSubscription, now: datetime) -> None:
    """What unsubscribing does, whoever asks: no more e-mails, the address forgotten."""
    if subscription.unsubscribed_at is None:
        subscription.unsubscribed_at = now
    subscription.address_sealed = ""
    subscription.digest_due_at = None
    session.execute(delete(ReplyWatch).where(ReplyWatch.subscription_id == subscription.id))
    session.execute(delete(ReplyNotice).where(ReplyNotice.subscription_id == subscription.id))
    if subscription.kind == MODERATION:
        session.execute(delete(ModerationLink).where(
            ModerationLink.subscription_id == subscription.id, ModerationLink.used_at.is_(None)))


def address_of(secret: str, subscription: MailSubscription) -> str | None:
    """Where to send, while the subscription is active; None otherwise."""
    if not subscription.active:
        return None
    return mail.unseal(secret, subscription.address_sealed)
