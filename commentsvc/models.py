"""Persistence: the SQLAlchemy models. Business rules live in the domain modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    false,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commentsvc.extensions import db

PENDING, APPROVED, REJECTED, SPAM, DELETED = "pending", "approved", "rejected", "spam", "deleted"
STATUSES = (PENDING, APPROVED, REJECTED, SPAM, DELETED)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC (SQLite has no time zones), always handed back timezone-aware."""

    impl = DateTime
    cache_ok = True

    @property
    def python_type(self) -> type:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Site(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Loaded only when needed (word lists can be large); settings_version says when it changed.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, deferred=True)
    settings_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@event.listens_for(Site.settings, "set", propagate=True)
def _settings_changed(site: Site, value: Any, old: Any, initiator: Any) -> None:
    # Processes keep parsed settings keyed by this version; every assignment moves it on.
    site.settings_version = (site.settings_version or 0) + 1


class Article(db.Model):
    __table_args__ = (UniqueConstraint("site_id", "key", name="uq_article_site_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    key: Mapped[str] = mapped_column(String(512))
    url: Mapped[str] = mapped_column(String(2048), default="")
    title: Mapped[str] = mapped_column(String(300), default="")
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    premoderated: Mapped[bool] = mapped_column(Boolean, default=False)
    # Approved comments, replies included; kept exact in the transaction of every write.
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped by every change a reader could see: cached thread pages are keyed by it.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_comment_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Loaded on demand (usually straight from the session): a site's settings can be large.
    site: Mapped[Site] = relationship()


class Comment(db.Model):
    __table_args__ = (
        # Top-level pages of a thread are keyset scans over these partial indexes, by time or
        # by score. Partial, because PostgreSQL does not treat `root_id IS NULL` as an equality:
        # (article_id, root_id, created_at) would give no order, and a page sorted the thread.
        Index("ix_comment_top_time", "article_id", "created_at", "id",
              sqlite_where=text("root_id IS NULL"), postgresql_where=text("root_id IS NULL")),
        Index("ix_comment_top_score", "article_id", "score", "id",
              sqlite_where=text("root_id IS NULL"), postgresql_where=text("root_id IS NULL")),
        # A thread's Atom feed: its newest published comments at any depth.
        Index("ix_comment_published", "article_id", "created_at", "id",
              sqlite_where=text("status = 'approved'"),
              postgresql_where=text("status = 'approved'")),
        # Replies under a top-level comment, in the order they were written.
        Index("ix_comment_root", "root_id", "created_at", "id"),
        # Moderation queues: by status, newest first; reported comments by open flags.
        Index("ix_comment_status", "status", "created_at", "id"),
        Index("ix_comment_flags", "flag_count", "id"),
        # Comments by address and time.
        Index("ix_comment_ip_recent", "ip_hash", "created_at"),
        # The repeated-post rule: this very text, sent within the hour.
        Index("ix_comment_text_recent", "body_digest", "created_at"),
        # Pins are rare: the first page finds them without walking every top-level comment.
        Index("ix_comment_pinned", "article_id", "id", sqlite_where=text("pinned"),
              postgresql_where=text("pinned")),
        # An imported comment is stored once: a second run of the same export adds nothing.
        Index("uq_comment_import", "article_id", "import_source", "import_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), index=True)
    # The top-level comment this one hangs under (NULL for top-level comments themselves).
    root_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Ancestor ids from the root down, "17/18/": a subtree is one prefix match within a root.
    ancestry: Mapped[str] = mapped_column(String(2048), default="")
    depth: Mapped[int] = mapped_column(Integer, default=0)

    author_name: Mapped[str] = mapped_column(String(80), default="")
    reader_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    email_hash: Mapped[str | None] = mapped_column(String(64))
    author_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    author_avatar: Mapped[str | None] = mapped_column(String(1024))
    avatar_seed: Mapped[str] = mapped_column(String(32), default="")

    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # posting.body_digest(body_source) for what readers post and edit; NULL for imported text.
    body_digest: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=APPROVED)
    score: Mapped[int] = mapped_column(Integer, default=0)
    # Visible direct replies; a removed comment stays in the thread while this is above zero.
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    # On a top-level comment: visible replies at any depth beneath it.
    descendant_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    pinned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Open reports from readers; moderating the comment closes them.
    flag_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Why a rule held or rejected it, for the moderator.
    moderation_reason: Mapped[str | None] = mapped_column(String(500))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    edit_token_hash: Mapped[str | None] = mapped_column(String(64))
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    # Where an imported comment came from ("disqus", "wordpress", ...) and its id there.
    import_source: Mapped[str | None] = mapped_column(String(32))
    import_id: Mapped[str | None] = mapped_column(String(128))

    article: Mapped[Article] = relationship(lazy="raise")

    @property
    def is_visible(self) -> bool:
        return self.status == APPROVED or self.reply_count > 0

    @classmethod
    def visible(cls) -> Any:
        """SQL form of is_visible."""
        return or_(cls.status == APPROVED, cls.reply_count > 0)


class Vote(db.Model):
    __table_args__ = (
        UniqueConstraint("comment_id", "reader_hash", name="uq_vote_reader"),
        # The per-address cap counts a comment's anonymous votes from one address.
        Index("ix_vote_ip", "comment_id", "ip_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"))
    reader_hash: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(Integer)
    # Keyed hash of the voter's address; verified: a reader signed in through the publisher.
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


FLAG_REASONS = ("spam", "abuse", "off_topic", "other")


class Flag(db.Model):
    __table_args__ = (UniqueConstraint("comment_id", "reader_hash", name="uq_flag_reader"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    reader_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")
    # Who reported, as far as hiding goes: an address, or a reader the publisher vouches for.
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


BAN_KINDS = ("reader", "email", "ip")


class Ban(db.Model):
    __table_args__ = (Index("ix_ban_lookup", "site_id", "kind", "value_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    kind: Mapped[str] = mapped_column(String(16))
    # Keyed hash, the same one stored on comments: a ban never holds a raw IP or e-mail.
    value_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(500), default="")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Lifted bans stay, so the audit log's ban ids keep pointing at one ban each.
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lifted_by: Mapped[str | None] = mapped_column(String(64))


ROLES = ("moderator", "admin")


class ApiKey(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL: the key works for every site.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), nullable=True)
    role: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the key, so a listing can say which key is which without it;
    # NULL for keys made before names (their secret was never kept, not even in part).
    prefix: Mapped[str | None] = mapped_column(String(16), nullable=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written at most once a minute per key (keys.touch), not on every request.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    site: Mapped[Site | None] = relationship()


class AuditEntry(db.Model):
    __table_args__ = (Index("ix_audit_site", "site_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL: an act on the whole service (a key for all sites), listed to all-sites keys only.
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), nullable=True)
    comment_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    actor: Mapped[str] = mapped_column(String(64))  # "key:3", "rules", "reader", "cli"
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(500), default="")
    before_status: Mapped[str | None] = mapped_column(String(16))
    after_status: Mapped[str | None] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


OUTBOX_PENDING, OUTBOX_SENT, OUTBOX_DEAD = "pending", "sent", "dead"


class OutboxMessage(db.Model):
    """Something to send because of a write, committed with that write (see outbox.py)."""

    __table_args__ = (
        # The worker's one question: pending rows that are due, oldest first.
        Index("ix_outbox_due", "status", "next_attempt_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # which registered sender handles it
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=OUTBOX_PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A worker's claim: nobody else sends the row until it expires (a dead worker's does).
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500))


WEBHOOK_EVENTS = ("comment.created", "comment.published", "comment.edited", "comment.deleted",
                  "comment.rejected", "comment.flagged")


class Webhook(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The signing secret, encrypted with a key derived from COMMENTSVC_SECRET_KEY (webhooks.py):
    # it must be recoverable to sign, so it cannot be hashed like an API key.
    secret_encrypted: Mapped[str] = mapped_column(String(255))
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the receiver answered 410 Gone, or an admin turned it off: nothing is sent
    # until an admin turns it on again.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None


class WebhookDelivery(db.Model):
    """One event for one webhook: its body, and how the attempts to deliver it went."""

    __table_args__ = (
        Index("ix_webhook_delivery_recent", "webhook_id", "id"),
        # A deleted comment's words are removed from the log: found by comment.
        Index("ix_webhook_delivery_comment", "comment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id"))
    message_id: Mapped[str] = mapped_column(String(64))  # the webhook-id header, same on retries
    event: Mapped[str] = mapped_column(String(32))
    comment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outbox_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300))
    # At most a few hundred characters of the receiver's answer: never its whole body.
    response_excerpt: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LiveEvent(db.Model):
    """What live streams replay: one row per change readers see, written in the change's own
    transaction and numbered by the article's version, so a stream that reconnects with the
    last version it saw gets exactly what it missed, whichever process served the write."""

    __table_args__ = (Index("ix_live_event_article", "article_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign keys: an erased comment or a deleted article leaves a harmless row to expire.
    article_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # comment, edited, removed
    comment_id: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# The e-mail tables live beside the code that uses them.
from commentsvc.notify.models import (  # noqa: E402, F401
    MailSubscription,
    ModerationLink,
    ReplyNotice,
    ReplyWatch,
)
