"""Admin routes for a reader's data rights: export everything about them, or erase it.

Admin role only (moderators get 403 admin_only), scoped to the key's site like every admin route.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from commentsvc import privacy
from commentsvc.api import admin
from commentsvc.api.requests import service_config
from commentsvc.extensions import db, limiter

blp = Blueprint("privacy", __name__, url_prefix="/api/v1/admin/readers",
                description="A reader's data: export and erasure (admin key required)")
blp.before_request(admin.authenticate)
limiter.limit(lambda: current_app.config["COMMENTSVC_RATELIMIT_ADMIN"],
              key_func=admin._admin_rate_key, scope="admin")(blp)


class ReaderIn(Schema):
    site = fields.String(required=True, validate=validate.Length(min=1, max=64))
    comment_id = fields.Integer(load_default=None, strict=True)
    sub = fields.String(load_default=None, validate=validate.Length(min=1, max=255))
    email = fields.Email(load_default=None)

    @validates_schema
    def _exactly_one(self, data: dict, **kwargs: Any) -> None:
        given = [name for name in privacy.SELECTORS if data.get(name) is not None]
        if len(given) != 1:
            raise ValidationError("give exactly one of comment_id, sub, email", "comment_id")


class ReaderQuery(ReaderIn):
    comment_id = fields.Integer(load_default=None)  # query strings are text


class ReaderExportOut(Schema):
    format = fields.String()
    version = fields.Integer()
    site = fields.String()
    selected_by = fields.String()
    exported_at = fields.String()
    reader_key = fields.String(allow_none=True)
    comments = fields.List(fields.Dict())
    votes = fields.List(fields.Dict())
    reports = fields.List(fields.Dict())
    bans = fields.List(fields.Dict())
    mail_subscriptions = fields.List(fields.Nested(lambda: MailSubscriptionOut()))


class MailSubscriptionOut(Schema):
    kind = fields.String()
    address = fields.String(allow_none=True,
                            metadata={"description": "the reader's own address, unsealed; "
                                      "null once unsubscribed"})
    email_hash = fields.String()
    lang = fields.String()
    created_at = fields.String()
    confirmed = fields.Boolean()
    confirmed_at = fields.String(allow_none=True)
    unsubscribed_at = fields.String(allow_none=True)
    last_sent_at = fields.String(allow_none=True)
    watched_comments = fields.List(fields.Integer(),
                                   metadata={"description": "comment ids watched for replies"})
    queued_reply_notices = fields.Integer(metadata={"description": "reply notices not yet sent"})


class ErasureOut(Schema):
    comments = fields.Integer(metadata={"description": "comments erased"})
    placeholders = fields.Integer(
        metadata={"description": "erased comments kept as '[deleted]' above others' replies"})
    votes = fields.Integer()
    reports = fields.Integer()
    threads = fields.Integer(metadata={"description": "threads whose cached pages were renewed"})


def _selector(data: dict) -> privacy.Selector:
    return privacy.Selector(comment_id=data["comment_id"], sub=data["sub"], email=data["email"])


@blp.route("/export", methods=["GET"])
@blp.arguments(ReaderQuery, location="query", error_status_code=400)
@blp.response(200, ReaderExportOut)
@admin.admin_only
def export_reader(args: dict) -> dict:
    """Everything stored about one reader: comments, votes, reports, bans naming them."""
    return privacy.export_reader(db.session, service_config(), admin.moderator(), args["site"],
                                 _selector(args))


@blp.route("/erase", methods=["POST"])
@blp.arguments(ReaderIn)
@blp.response(200, ErasureOut)
@admin.admin_only
def erase_reader(data: dict) -> privacy.Erasure:
    """Erase one reader's comments (others' replies stay under "[deleted]"), votes, reports."""
    return privacy.erase_reader(db.session, service_config(), admin.moderator(), data["site"],
                                _selector(data))
