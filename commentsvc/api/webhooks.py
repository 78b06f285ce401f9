"""Admin routes for a site's webhooks (admin role): add, list, turn on or off, delete,
deliveries, retry.

They live on the admin blueprint, so its key check and rate limit apply.
"""

from __future__ import annotations

from flask import current_app

from commentsvc import webhooks
from commentsvc.api.admin import _administered_site, admin_only, blp, moderator
from commentsvc.api.requests import service_config
from commentsvc.extensions import db
from commentsvc.models import Webhook, WebhookDelivery
from commentsvc.webhook_schemas import (
    DeliveriesOut,
    DeliveryOut,
    NewWebhookOut,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
    WebhooksOut,
)

HOOK = "/sites/<string:site_key>/webhooks/<id:webhook_id>"


@blp.route("/sites/<string:site_key>/webhooks", methods=["POST"])
@blp.arguments(WebhookIn)
@blp.response(201, NewWebhookOut)
@admin_only
def add_webhook(data: dict, site_key: str) -> Webhook:
    """A webhook for this site's comment events; its signing secret is in this answer only.

    The URL is refused (422 webhook_url_refused) when it is not http(s) or resolves to a
    loopback, private, link-local, metadata, unspecified or multicast address."""
    site = _administered_site(site_key)
    config = service_config()
    hook, secret = webhooks.create(
        db.session, config.secret_key, moderator(), site, data["url"], data["events"],
        config.now(), allow_private=current_app.config["COMMENTSVC_WEBHOOKS_ALLOW_PRIVATE"],
        resolver=webhooks.resolver())
    db.session.commit()
    hook.secret = secret
    return hook


@blp.route("/sites/<string:site_key>/webhooks", methods=["GET"])
@blp.response(200, WebhooksOut)
@admin_only
def list_webhooks(site_key: str) -> dict:
    """This site's webhooks (never their secrets)."""
    return {"webhooks": webhooks.listed(db.session, _administered_site(site_key))}


@blp.route(HOOK, methods=["PATCH"])
@blp.arguments(WebhookPatch)
@blp.response(200, WebhookOut)
@admin_only
def change_webhook(data: dict, site_key: str, webhook_id: int) -> Webhook:
    """Turn a webhook on again (after its receiver answered 410 Gone) or off. Deliveries not
    sent while it was off stay failed: retry them one by one."""
    hook = webhooks.get(db.session, moderator(), _administered_site(site_key), webhook_id)
    webhooks.set_enabled(db.session, moderator(), hook, data["enabled"], service_config().now())
    db.session.commit()
    return hook


@blp.route(HOOK, methods=["DELETE"])
@blp.response(204)
@admin_only
def delete_webhook(site_key: str, webhook_id: int) -> None:
    """Delete a webhook and its delivery log; nothing more is sent to it."""
    hook = webhooks.get(db.session, moderator(), _administered_site(site_key), webhook_id)
    webhooks.remove(db.session, moderator(), hook, service_config().now())
    db.session.commit()


@blp.route(f"{HOOK}/deliveries", methods=["GET"])
@blp.response(200, DeliveriesOut)
@admin_only
def list_deliveries(site_key: str, webhook_id: int) -> dict:
    """The latest 50 deliveries, newest first: status, attempts, the receiver's last answer."""
    hook = webhooks.get(db.session, moderator(), _administered_site(site_key), webhook_id)
    return {"deliveries": webhooks.recent_deliveries(db.session, hook)}


@blp.route(f"{HOOK}/deliveries/<id:delivery_id>/retry", methods=["POST"])
@blp.response(200, DeliveryOut)
@admin_only
def retry_delivery(site_key: str, webhook_id: int, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again at the worker's next look, same `webhook-id`, attempts anew
    (409 delivery_in_progress while a worker is sending it, 409 webhook_disabled while the
    webhook is turned off)."""
    hook = webhooks.get(db.session, moderator(), _administered_site(site_key), webhook_id)
    delivery = webhooks.retry(db.session, hook, delivery_id, service_config().now())
    db.session.commit()
    return delivery
