"""Reply notifications: when a reply to a watched comment is published, its author hears of it.

Published means approved: created approved, or approved later by a moderator. Never for a held,
rejected or spam reply, never to the replier themself (same reader, or same e-mail hash).

Batching, per recipient: the first reply after a quiet spell is e-mailed at once; replies that
arrive within COMMENTSVC_MAIL_DIGEST_SECONDS of the last e-mail wait and go out together, in one
e-mail when that window ends. So a reader gets at most one e-mail per window, however busy the
thread. Each reply is noted once per reader (ReplyNotice), so re-approving never repeats it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from commentsvc import events
from commentsvc.models import APPROVED, Article, Comment, Site
from commentsvc.notify import mail, queue, setup, subscriptions
from commentsvc.notify.models import MailSubscription, ReplyNotice, ReplyWatch

KIND = "mail.replies"


# Built once: every published reply asks it.
_WATCHER = select(ReplyWatch.subscription_id).where(
    ReplyWatch.comment_id == bindparam("comment_id"))


def on_comment_changed(session: Session, event: events.Event) -> None:
    """In the write's transaction: note a newly published reply for its parent's watcher."""
    if not (isinstance(event, events.CommentChanged) and setup.active()
            and event.status == APPROVED and _newly_published(event)):
        return
    reply = session.get(Comment, event.comment_id)
    if reply is None or reply.parent_id is None:
        return
    if events.told(session, events.REPLIES_WATCHED, reply.parent_id) is False:
        return
    subscription_id = session.connection().execute(
        _WATCHER, {"comment_id": reply.parent_id}).scalar()
    if subscription_id is None:
        return
    subscription = session.get(MailSubscription, subscription_id, with_for_update=True)
    if subscription is None or not subscription.active:
        return
    parent = session.get(Comment, reply.parent_id)
    if _same_person(reply, parent, subscription):
        return
    already = session.scalar(select(ReplyNotice.id).where(
        ReplyNotice.subscription_id == subscription.id, ReplyNotice.reply_id == reply.id))
    if already is not None:
        return
    now = setup.now()
    session.add(ReplyNotice(subscription_id=subscription.id, reply_id=reply.id, created_at=now))
    if subscription.digest_due_at is None:  # else the e-mail on its way will carry this one too
        window = timedelta(seconds=setup.settings().digest_seconds)
        last = subscription.last_sent_at
        due = now if last is None or now - last >= window else last + window
        subscription.digest_due_at = due
        session.flush()
        queue.enqueue(session, KIND, {"subscription": subscription.id,
                                      "base": setup.base_url()}, now, available_at=due)


def _newly_published(event: events.CommentChanged) -> bool:
    return event.change == "created" or (event.change == "status" and event.before != APPROVED)


def _same_person(reply: Comment, parent: Comment, subscription: MailSubscription) -> bool:
    if reply.reader_hash and reply.reader_hash == parent.reader_hash:
        return True
    return bool(reply.email_hash) and reply.email_hash == subscription.email_hash


def register_handlers() -> None:
    queue.register(KIND, send_replies)
    queue.register(subscriptions.CONFIRM_KIND, send_confirmation)


def send_replies(session: Session, payload: dict[str, Any]) -> None:
    """The worker: every reply noted for this reader and still published, in one e-mail.

    Sent first, noted after: should sending fail, nothing is marked and the retry finds the same
    replies waiting (the outbox commits what is noted here only once this returns)."""
    secret = setup.service().secret_key
    subscription = session.get(MailSubscription, payload["subscription"], with_for_update=True)
    if subscription is None:
        return
    now = setup.now()
    waiting = session.scalars(select(ReplyNotice).where(
        ReplyNotice.subscription_id == subscription.id, ReplyNotice.sent_at.is_(None))
        .order_by(ReplyNotice.id)).all()
    address = subscriptions.address_of(secret, subscription)
    replies = _published(session, [n.reply_id for n in waiting])
    if address is not None and replies:
        site = session.get(Site, subscription.site_id)
        base = payload["base"]
        items = [item_for(session, reply, base) for reply in replies[:mail.DIGEST_LIST]]
        token = subscriptions.link_token(secret, subscriptions.UNSUBSCRIBE, subscription)
        message = mail.replies(setup.settings().sender, address, lang=subscription.lang,
                               site=site.name or site.key, items=items,
                               more=len(replies) - len(items),
                               unsubscribe_url=f"{base}/mail/unsubscribe/{token}", now=now)
        mail.send(setup.settings().sender, message)
        subscription.last_sent_at = now
    for notice in waiting:
        notice.sent_at = now
    subscription.digest_due_at = None


def _published(session: Session, reply_ids: list[int]) -> list[Comment]:
    if not reply_ids:
        return []
    return list(session.scalars(select(Comment).where(
        Comment.id.in_(reply_ids), Comment.status == APPROVED).order_by(Comment.id)))


def comment_url(article: Article, comment_id: int, base: str) -> str:
    """The comment on its article page (`#comment-ID`), or its permalink in the API."""
    if article.url:
        return f"{article.url.split('#', 1)[0]}#comment-{comment_id}"
    return f"{base}/api/v1/comments/{comment_id}"


def item_for(session: Session, comment: Comment, base: str) -> mail.ReplyItem:
    """A comment as e-mails show it (moderator e-mails too)."""
    article = session.get(Article, comment.article_id)
    return mail.ReplyItem(author=comment.author_name, text=comment.body_source,
                          html=comment.body_html, url=comment_url(article, comment.id, base),
                          article_title=article.title or article.key)


def send_confirmation(session: Session, payload: dict[str, Any]) -> None:
    """The double opt-in e-mail; nothing when the address was confirmed or removed since."""
    secret = setup.service().secret_key
    subscription = session.get(MailSubscription, payload["subscription"])
    if subscription is None or subscription.confirmed_at is not None:
        return
    if subscription.unsubscribed_at is not None:
        return
    address = mail.unseal(secret, subscription.address_sealed)
    if address is None:
        return
    site = session.get(Site, subscription.site_id)
    token = subscriptions.link_token(secret, subscriptions.CONFIRM, subscription)
    message = mail.confirmation(
        setup.settings().sender, address, lang=subscription.lang, site=site.name or site.key,
        confirm_url=f"{payload['base']}/mail/confirm/{token}", now=setup.now(),
        moderator=subscription.kind != "replies")
    mail.send(setup.settings().sender, message)
