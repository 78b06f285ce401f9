"""Signed webhooks: a site's endpoints hear its comments change, through the outbox.

A comment change (events.CommentChanged) becomes, inside the write's transaction, one delivery
row and one outbox message per webhook that wants the event; the worker POSTs the JSON body
signed the Standard Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature`: v1,
HMAC-SHA256) with the `standardwebhooks` package, so receivers verify with any of its libraries.

The signing secret is shown once and must stay recoverable to sign, so it cannot be hashed like
an API key: it is stored encrypted (secretbox: AES-GCM under a key derived from
COMMENTSVC_SECRET_KEY).
Changing that key makes the stored secrets unreadable: such webhooks stop (their deliveries
fail, saying so) until they are made again.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook as Signer

from commentsvc import audit, events, netguard, outbox, secretbox
from commentsvc.errors import Conflict, Invalid, NotFound
from commentsvc.models import (
    APPROVED,
    DELETED,
    PENDING,
    REJECTED,
    SPAM,
    WEBHOOK_EVENTS,
    Article,
    Comment,
    OutboxMessage,
    Site,
    Webhook,
    WebhookDelivery,
)
from commentsvc.moderation import Moderator

KIND = "webhook"
MAX_PER_SITE = 20
RECENT_DELIVERIES = 50
SECRET_BYTES = 24
USER_AGENT = "commentsvc-webhooks/1"
DELIVERY_PENDING, DELIVERY_RETRYING = "pending", "retrying"
DELIVERY_DELIVERED, DELIVERY_FAILED = "delivered", "failed"


# --- managing webhooks (admin API) ------------------------------------------------------------

def create(session: Session, secret_key: str, moderator: Moderator, site: Site, url: str,
           wanted: list[str], now: datetime, *, allow_private: bool,
           resolver: netguard.Resolver = socket.getaddrinfo) -> tuple[Webhook, str]:
    """A new webhook and the only copy of its signing secret."""
    moderator.require(site.id, role="admin")
    unknown = sorted(set(wanted) - set(WEBHOOK_EVENTS))
    if not wanted or unknown:
        raise Invalid("events", f"give one or more of {', '.join(WEBHOOK_EVENTS)}")
    try:
        netguard.resolve(url, allow_private=allow_private, resolver=resolver)
    except netguard.Refused as exc:
        raise Invalid("url", f"refused: {exc}", code="webhook_url_refused") from None
    if len(listed(session, site)) >= MAX_PER_SITE:
        raise Conflict(f"a site has at most {MAX_PER_SITE} webhooks", code="too_many_webhooks")
    secret = "whsec_" + base64.b64encode(os.urandom(SECRET_BYTES)).decode()
    hook = Webhook(site_id=site.id, url=url.strip(), events=sorted(set(wanted)),
                   secret_encrypted=secretbox.seal(secret_key, secret), created_by=moderator.actor,
                   created_at=now)
    session.add(hook)
    session.flush()
    audit.record(session, site_id=site.id, actor=moderator.actor, action="webhook_created",
                 now=now, details={"webhook_id": hook.id, "events": hook.events})
    return hook, secret


def listed(session: Session, site: Site) -> list[Webhook]:
    return list(session.scalars(select(Webhook).where(Webhook.site_id == site.id)
                                .order_by(Webhook.id)))


def get(session: Session, moderator: Moderator, site: Site, webhook_id: int) -> Webhook:
    moderator.require(site.id, role="admin")
    hook = session.get(Webhook, webhook_id)
    if hook is None or hook.site_id != site.id:
        raise NotFound(f"site {site.key!r} has no webhook {webhook_id}", code="webhook_not_found")
    return hook


def remove(session: Session, moderator: Moderator, hook: Webhook, now: datetime) -> None:
    """Delete a webhook and its delivery log; queued deliveries are dropped when they come up."""
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id))
    audit.record(session, site_id=hook.site_id, actor=moderator.actor, action="webhook_deleted",
                 now=now, details={"webhook_id": hook.id})
    session.delete(hook)


def set_enabled(session: Session, moderator: Moderator, hook: Webhook, enabled: bool,
                now: datetime) -> Webhook:
    """Turn a webhook on again (after a 410 Gone, say) or off; a no-op if it already is.

    Deliveries that were not sent while it was off stay failed: retry them one by one."""
    if enabled == hook.enabled:
        return hook
    if not enabled:
        _turn_off(session, hook, f"turned off by {moderator.actor}", moderator.actor, now)
        return hook
    hook.disabled_at = hook.disabled_reason = None
    audit.record(session, site_id=hook.site_id, actor=moderator.actor, action="webhook_enabled",
                 now=now, details={"webhook_id": hook.id})
    return hook


def _turn_off(session: Session, hook: Webhook, reason: str, actor: str, now: datetime) -> None:
    """By an admin, or by the delivery worker when the receiver answered 410 Gone."""
    hook.disabled_at, hook.disabled_reason = now, reason[:300]
    audit.record(session, site_id=hook.site_id, actor=actor, action="webhook_disabled", now=now,
                 details={"webhook_id": hook.id, "reason": hook.disabled_reason})


def recent_deliveries(session: Session, hook: Webhook,
                      limit: int = RECENT_DELIVERIES) -> list[WebhookDelivery]:
    return list(session.scalars(select(WebhookDelivery)
                                .where(WebhookDelivery.webhook_id == hook.id)
                                .order_by(WebhookDelivery.id.desc()).limit(limit)))


def retry(session: Session, hook: Webhook, delivery_id: int, now: datetime) -> WebhookDelivery:
    """Send a delivery again soon, with the same webhook-id (receivers deduplicate by it)."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != hook.id:
        raise NotFound(f"webhook {hook.id} has no delivery {delivery_id}",
                       code="delivery_not_found")
    if not hook.enabled:
        raise Conflict("this webhook is turned off: turn it on before retrying its deliveries",
                       code="webhook_disabled")
    message = session.get(OutboxMessage, delivery.outbox_id) if delivery.outbox_id else None
    if message is not None and message.claimed_until is not None and message.claimed_until > now:
        raise Conflict("this delivery is being sent right now", code="delivery_in_progress")
    if message is None:
        message = outbox.enqueue(session, KIND, {"delivery": delivery.id}, now=now)
        session.flush()
        delivery.outbox_id = message.id
    else:
        outbox.reschedule(message, now)
    delivery.status = DELIVERY_PENDING
    return delivery


# --- from comment changes to deliveries -------------------------------------------------------

def event_names(event: events.CommentChanged) -> list[str]:
    """The webhook events a comment change is."""
    if event.change == "created":
        return ["comment.created"] + (["comment.published"] if event.status == APPROVED else [])
    if event.change == "edited":
        return ["comment.edited"]
    if event.change == "flagged":
        return ["comment.flagged"]
    if event.change == "status" and event.status != event.before:
        return {APPROVED: ["comment.published"], DELETED: ["comment.deleted"],
                REJECTED: ["comment.rejected"], SPAM: ["comment.rejected"]}.get(event.status, [])
    return []


def resolver() -> netguard.Resolver:
    """getaddrinfo, unless the app was given another (tests: no DNS at test time)."""
    return current_app.config.get("COMMENTSVC_RESOLVER") or socket.getaddrinfo


def _now() -> datetime:
    if has_app_context() and "commentsvc" in current_app.extensions:
        return current_app.extensions["commentsvc"].now()
    return datetime.now(UTC)


def comment_body(comment: Comment) -> dict[str, Any]:
    """The comment as the public API shows it (removed ones without their words), with status."""
    shown = comment.status in {APPROVED, PENDING}
    author = ({"name": comment.author_name, "avatar_url": comment.author_avatar,
               "verified": comment.author_verified} if shown else None)
    return {
        "id": comment.id, "parent_id": comment.parent_id, "root_id": comment.root_id,
        "depth": comment.depth, "status": comment.status, "author": author,
        "html": comment.body_html if shown else "",
        "created_at": _iso(comment.created_at), "edited_at": _iso(comment.edited_at),
        "score": comment.score, "reply_count": comment.reply_count, "pinned": comment.pinned,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


KEEP_DELIVERIES = timedelta(days=30)


def prune(session: Session, now: datetime) -> int:
    """Forget finished deliveries (and the comment copies in them) after 30 days; commits."""
    done = session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.created_at < now - KEEP_DELIVERIES,
            WebhookDelivery.status.in_((DELIVERY_DELIVERED, DELIVERY_FAILED)))
        .execution_options(synchronize_session=False))
    session.commit()
    return done.rowcount


def _forget_words(session: Session, comment: Comment) -> None:
    """A deleted or erased comment's words leave the delivery log too (queued ones included)."""
    removed = comment_body(comment)
    for delivery in session.scalars(select(WebhookDelivery)
                                    .where(WebhookDelivery.comment_id == comment.id)):
        body = dict(delivery.body)
        body["data"] = {**body.get("data", {}), "comment": removed}
        delivery.body = body


# Built once: every change to every comment asks it, and most sites have no webhooks.
_SITE_HOOKS = (select(Webhook.id, Webhook.events)
               .join(Article, Article.site_id == Webhook.site_id)
               .where(Article.id == bindparam("article_id"), Webhook.disabled_at.is_(None)))


def on_comment_changed(session: Session, event: events.Event) -> None:
    """In the write's transaction: a delivery and an outbox message per interested webhook."""
    if not isinstance(event, events.CommentChanged):
        return
    if event.change == "status" and event.status == DELETED:
        comment = session.get(Comment, event.comment_id)
        if comment is not None:
            _forget_words(session, comment)
    names = event_names(event)
    if not names or events.told(session, events.SITE_HAS_WEBHOOKS, event.article_id) is False:
        return
    hooks = session.connection().execute(_SITE_HOOKS, {"article_id": event.article_id}).all()
    wanted = [(name, hook) for name in names for hook in hooks if name in hook.events]
    if not wanted:
        return
    article = session.get(Article, event.article_id)
    comment = session.get(Comment, event.comment_id)
    site = session.get(Site, article.site_id)
    now = _now()
    for name, hook in wanted:
        body = {"type": name, "timestamp": _iso(now),
                "data": {"site": site.key,
                         "article": {"key": article.key, "url": article.url,
                                     "title": article.title},
                         "comment": comment_body(comment), "previous_status": event.before}}
        delivery = WebhookDelivery(webhook_id=hook.id, message_id=f"msg_{uuid.uuid4().hex}",
                                   event=name, comment_id=comment.id, body=body,
                                   status=DELIVERY_PENDING, attempts=0, created_at=now)
        session.add(delivery)
        session.flush()
        message = outbox.enqueue(session, KIND, {"delivery": delivery.id}, now=now)
        session.flush()
        delivery.outbox_id = message.id


# --- sending (the outbox worker) --------------------------------------------------------------

def signed_headers(secret: str, message_id: str, body: str, when: datetime) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Signer(secret).sign(message_id, when, body),
    }


def send(session: Session, message: OutboxMessage) -> None:
    """The outbox sender for kind "webhook"; records every attempt on its delivery."""
    delivery = session.get(WebhookDelivery, message.payload.get("delivery"))
    hook = session.get(Webhook, delivery.webhook_id) if delivery else None
    if delivery is None or hook is None:
        return  # the webhook was deleted after the event: nothing left to deliver
    last = message.attempts + 1 >= outbox.MAX_ATTEMPTS

    def failed(reason: str, *, permanent: bool = False) -> outbox.SendFailed:
        delivery.status = DELIVERY_FAILED if (last or permanent) else DELIVERY_RETRYING
        delivery.last_error = reason[:300]
        return outbox.SendFailed(reason, permanent=permanent)

    if not hook.enabled:  # queued before it was turned off: not sent, so no attempt
        raise failed(f"not sent: the webhook is turned off ({hook.disabled_reason})",
                     permanent=True)
    config = current_app.extensions["commentsvc"]
    delivery.attempts += 1
    delivery.last_attempt_at = config.now()

    secret = secretbox.unseal(config.secret_key, hook.secret_encrypted)
    if secret is None:
        raise failed("the signing secret cannot be read (COMMENTSVC_SECRET_KEY changed?); "
                     "make the webhook again", permanent=True)
    try:
        # Checked again now: the name may resolve elsewhere than when the webhook was made.
        target = netguard.resolve(
            hook.url, allow_private=current_app.config["COMMENTSVC_WEBHOOKS_ALLOW_PRIVATE"],
            resolver=resolver())
    except netguard.Refused as exc:
        raise failed(f"refused: {exc}") from None
    body = json.dumps(delivery.body, separators=(",", ":"), ensure_ascii=False)
    # The signature's timestamp is the wall clock: receivers reject ones more than 5 min off.
    headers = signed_headers(secret, delivery.message_id, body, datetime.now(UTC))
    delivery.last_status_code = None
    delivery.response_excerpt = None
    try:
        answer = netguard.post(target, body.encode(), headers)
    except (OSError, http.client.HTTPException) as exc:
        raise failed(f"no answer: {type(exc).__name__}: {exc}") from None
    delivery.last_status_code = answer.status
    delivery.response_excerpt = answer.excerpt
    if answer.status == 410:
        # Standard Webhooks: 410 Gone means the endpoint will never take deliveries again.
        _turn_off(session, hook, "the receiver answered 410 Gone", audit.WEBHOOKS_ACTOR,
                  config.now())
        raise failed("HTTP 410: the receiver is gone; the webhook is turned off", permanent=True)
    if not 200 <= answer.status < 300:
        note = " (redirects are not followed)" if 300 <= answer.status < 400 else ""
        raise failed(f"HTTP {answer.status}{note}")
    delivery.status = DELIVERY_DELIVERED
    delivery.delivered_at = config.now()
    delivery.last_error = None


def init() -> None:
    """Hear comment changes and send deliveries (idempotent: called for every app)."""
    events.listen_in_transaction(on_comment_changed)
    outbox.register(KIND, send)
