"""marshmallow schemas of the admin API (moderation, bans, audit, sites, keys)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from commentsvc.models import BAN_KINDS, ROLES
from commentsvc.moderation import ACTIONS, MAX_BULK
from commentsvc.queues import QUEUES
from commentsvc.schemas import ARTICLE_MAX, Key, UTCTime, article_field, id_field, site_field
from commentsvc.sites import MODERATION_MODES


def _has_utc_form(value: datetime) -> None:
    # Times are stored in UTC; 9999-12-31T23:59-14:00 has no UTC form and would crash the write.
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValidationError("out of range") from None


class QueueQuery(Schema):
    site = site_field(required=True)
    status = fields.String(load_default="pending", validate=validate.OneOf(QUEUES))
    article = Key(load_default=None, validate=validate.Length(max=ARTICLE_MAX))
    author = fields.String(load_default=None, validate=validate.Length(max=200))
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None)


class SiteQuery(Schema):
    site = site_field(required=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None)


class ModerateIn(Schema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class BulkModerateIn(ModerateIn):
    ids = fields.List(id_field(), required=True,
                      validate=validate.Length(min=1, max=MAX_BULK))


class ArticleQuery(Schema):
    site = site_field(required=True)
    article = article_field(required=True)


class ThreadSettingsIn(Schema):
    closed = fields.Boolean(load_default=None)
    premoderated = fields.Boolean(load_default=None)

    @validates_schema
    def _something(self, data: dict, **kwargs: Any) -> None:
        if data.get("closed") is None and data.get("premoderated") is None:
            raise ValidationError("give closed and/or premoderated", "closed")


class BanIn(Schema):
    site = site_field(required=True)
    comment_id = id_field(load_default=None)
    by = fields.List(fields.String(validate=validate.OneOf(BAN_KINDS)), load_default=["reader"],
                     validate=validate.Length(min=1, max=3))
    reader = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    email = fields.Email(load_default=None)
    ip = fields.IP(load_default=None)
    expires_at = fields.AwareDateTime(load_default=None, validate=_has_utc_form)
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    reject_comments = fields.Boolean(load_default=False)

    @validates_schema
    def _exactly_one_target(self, data: dict, **kwargs: Any) -> None:
        given = [k for k in ("comment_id", "reader", "email", "ip") if data.get(k) is not None]
        if len(given) != 1:
            raise ValidationError("give exactly one of comment_id, reader, email, ip",
                                  "comment_id")


class BanOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    value_hash = fields.String()
    reason = fields.String()
    expires_at = UTCTime(allow_none=True)
    created_by = fields.String()
    created_at = UTCTime()


class BansOut(Schema):
    bans = fields.List(fields.Nested(BanOut))
    next_cursor = fields.String(allow_none=True)


class AuditOut(Schema):
    id = fields.Integer()
    actor = fields.String()
    action = fields.String()
    comment_id = fields.Integer(allow_none=True)
    reason = fields.String()
    before_status = fields.String(allow_none=True)
    after_status = fields.String(allow_none=True)
    details = fields.Dict()
    created_at = UTCTime()


class AuditPageOut(Schema):
    entries = fields.List(fields.Nested(AuditOut))
    next_cursor = fields.String(allow_none=True)


class ReportOut(Schema):
    reason = fields.String()
    note = fields.String()
    created_at = UTCTime()


class AdminAuthorOut(Schema):
    name = fields.String(attribute="author_name")
    reader = fields.String(attribute="reader_hash", allow_none=True,
                           metadata={"description": "reader id, usable in bans"})
    verified = fields.Boolean(attribute="author_verified")
    has_email = fields.Method("_has_email")
    has_ip = fields.Method("_has_ip")

    def _has_email(self, comment: Any) -> bool:
        return bool(comment.email_hash)

    def _has_ip(self, comment: Any) -> bool:
        return bool(comment.ip_hash)


class AdminCommentOut(Schema):
    id = fields.Integer(attribute="comment.id")
    site = fields.String()
    article = fields.String()
    article_title = fields.String()
    parent_id = fields.Integer(attribute="comment.parent_id", allow_none=True)
    root_id = fields.Integer(attribute="comment.root_id", allow_none=True)
    depth = fields.Integer(attribute="comment.depth")
    status = fields.String(attribute="comment.status")
    pinned = fields.Boolean(attribute="comment.pinned")
    author = fields.Nested(AdminAuthorOut, attribute="comment")
    body_source = fields.String(attribute="comment.body_source")
    html = fields.String(attribute="comment.body_html")
    created_at = UTCTime(attribute="comment.created_at")
    edited_at = UTCTime(attribute="comment.edited_at", allow_none=True)
    score = fields.Integer(attribute="comment.score")
    reply_count = fields.Integer(attribute="comment.reply_count")
    flag_count = fields.Integer(attribute="comment.flag_count")
    moderation_reason = fields.String(attribute="comment.moderation_reason", allow_none=True)
    flags = fields.List(fields.Nested(ReportOut))
    history = fields.List(fields.Nested(AuditOut))


class QueueOut(Schema):
    comments = fields.List(fields.Nested(AdminCommentOut))
    next_cursor = fields.String(allow_none=True)


class ArticleSettingsOut(Schema):
    site = fields.Function(lambda article: article.site.key, metadata={"type": "string"})
    title = fields.String(allow_none=True, metadata={"description": "null before any comment"})
    id = fields.String(attribute="key")
    closed = fields.Boolean()
    premoderated = fields.Boolean()
    comment_count = fields.Integer()


class SiteSettingsIn(Schema):
    """Every setting takes `null`: back to the service default (the key leaves the site)."""

    moderation = fields.String(allow_none=True, validate=validate.OneOf(MODERATION_MODES))
    edit_window_seconds = fields.Integer(allow_none=True,
                                         validate=validate.Range(min=0, max=7 * 86400))
    display_depth = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=10))
    jwt_secret = fields.String(allow_none=True, validate=validate.Length(min=32, max=512))
    banned_words = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                               allow_none=True, validate=validate.Length(max=20_000))
    suspect_words = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                                allow_none=True, validate=validate.Length(max=20_000))
    link_limit = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100))
    flag_threshold = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=1000))


class SiteIn(Schema):
    key = site_field(required=True)
    name = fields.String(load_default="", validate=validate.Length(max=200))
    allowed_origins = fields.List(fields.String(validate=validate.Length(max=300)),
                                  load_default=list, validate=validate.Length(max=100))
    settings = fields.Nested(SiteSettingsIn, load_default=dict)


class SitePatchIn(Schema):
    name = fields.String(validate=validate.Length(max=200))
    allowed_origins = fields.List(fields.String(validate=validate.Length(max=300)),
                                  validate=validate.Length(max=100))
    settings = fields.Nested(SiteSettingsIn)


class SiteOut(Schema):
    key = fields.String()
    name = fields.String()
    allowed_origins = fields.List(fields.String())
    settings = fields.Method("_settings")

    def _settings(self, site: Any) -> dict:
        # The JWT secret is write-only: say whether one is set, never what it is.
        settings = dict(site.settings or {})
        settings["jwt_secret"] = bool(settings.get("jwt_secret"))
        return settings


class SitesOut(Schema):
    sites = fields.List(fields.Nested(SiteOut))


class KeyInfoOut(Schema):
    role = fields.String()
    site = fields.String(allow_none=True, metadata={"description": "null: every site"})
    actor = fields.String(metadata={"description": "how the audit log names this key"})


class KeyIn(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    name = fields.String(load_default=None, validate=validate.Length(max=200))
    label = fields.String(load_default=None, validate=validate.Length(max=200),
                          metadata={"deprecated": True, "description": "the old name of `name`"})


class KeyOut(Schema):
    id = fields.Integer()
    site = fields.Function(lambda key: key.site.key if key.site else None, allow_none=True,
                           metadata={"description": "null: every site"})
    role = fields.String()
    name = fields.String()
    label = fields.Function(lambda key: key.name, metadata={"deprecated": True,
                                                             "description": "same as `name`"})
    prefix = fields.String(allow_none=True,
                           metadata={"description": "the key's first characters; null for "
                                                    "keys made before prefixes were kept"})
    created_at = UTCTime()
    last_used_at = UTCTime(allow_none=True,
                           metadata={"description": "to the minute: noted once a minute"})
    revoked_at = UTCTime(allow_none=True)


class NewKeyOut(KeyOut):
    key = fields.String(attribute="raw", metadata={"description": "shown once; store it now"})
    replaces = fields.Integer(allow_none=True,
                              metadata={"description": "the key this one rotated (now revoked)"})


class KeysOut(Schema):
    keys = fields.List(fields.Nested(KeyOut))


class AuditQuery(SiteQuery):
    site = fields.String(load_default=None, validate=validate.Length(min=1, max=64),
                         metadata={"description": "leave out for the entries of no one site "
                                                  "(keys for all sites): all-sites keys only"})
