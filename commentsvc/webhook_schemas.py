"""marshmallow schemas of the webhook routes of the admin API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from commentsvc.models import WEBHOOK_EVENTS
from commentsvc.schemas import UTCTime


class WebhookIn(Schema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=2048),
                        metadata={"description": "http(s); must resolve to public addresses "
                                                 "(unless COMMENTSVC_WEBHOOKS_ALLOW_PRIVATE)"})
    events = fields.List(fields.String(validate=validate.OneOf(WEBHOOK_EVENTS)), required=True,
                         validate=validate.Length(min=1, max=len(WEBHOOK_EVENTS)))


class WebhookOut(Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    created_by = fields.String(metadata={"description": "the key that made it, as the audit "
                                                        "log names it"})
    created_at = UTCTime()
    enabled = fields.Boolean(metadata={
        "description": "false once the receiver answered 410 Gone or an admin turned it off: "
                       "nothing is sent until it is turned on again"})
    disabled_at = UTCTime(allow_none=True)
    disabled_reason = fields.String(allow_none=True, metadata={
        "description": "why it was turned off, e.g. \"the receiver answered 410 Gone\""})


class WebhookPatch(Schema):
    enabled = fields.Boolean(required=True, metadata={
        "description": "true turns the webhook on again, false turns it off"})


class NewWebhookOut(WebhookOut):
    secret = fields.String(metadata={"description": "the signing secret (`whsec_…`), shown "
                                                    "once: verify signatures with it"})


class WebhooksOut(Schema):
    webhooks = fields.List(fields.Nested(WebhookOut))


class DeliveryOut(Schema):
    id = fields.Integer()
    message_id = fields.String(metadata={"description": "the `webhook-id` header, the same on "
                                                      "every attempt"})
    event = fields.String()
    comment_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"description": "pending, retrying, delivered or failed"})
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True,
                                      metadata={"description": "the receiver's last HTTP status"})
    last_error = fields.String(allow_none=True)
    response_excerpt = fields.String(allow_none=True,
                                     metadata={"description": "the first bytes of the last "
                                                              "answer, nothing more is kept"})
    created_at = UTCTime()
    last_attempt_at = UTCTime(allow_none=True)
    delivered_at = UTCTime(allow_none=True)


class DeliveriesOut(Schema):
    deliveries = fields.List(fields.Nested(DeliveryOut))
