"""Tables for e-mail: who asked for which mails, what is waiting to be sent, one-use links.

Kept beside the code that uses them (imported by commentsvc.models, so Alembic and the tests
see them). An address is stored only as the keyed hash every other table uses, plus, while it
is needed to send, sealed (encrypted with a key derived from COMMENTSVC_SECRET_KEY): a copy of
the database alone does not give the addresses away, and unsubscribing deletes the sealed copy.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commentsvc.extensions import db
from commentsvc.models import UTCDateTime, utcnow

REPLIES, MODERATION = "replies", "moderation"
SUBSCRIPTION_KINDS = (REPLIES, MODERATION)


class MailSubscription(db.Model):
    """One address on one site, for reply notifications or for the moderators' e-mails."""

    __tablename__ = "mail_subscription"
    __table_args__ = (
        UniqueConstraint("site_id", "kind", "email_hash", name="uq_mail_subscription"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    kind: Mapped[str] = mapped_column(String(16), default=REPLIES)
    # identity.email_hash: the same keyed hash comments and bans carry.
    email_hash: Mapped[str] = mapped_column(String(64))
    # The address as given, sealed (notify.mail.seal); "" once unsubscribed.
    address_sealed: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirm_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Reply digests: when the last e-mail went out, and whether one is already on its way.
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    digest_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class ReplyWatch(db.Model):
    """A comment whose author ticked "e-mail me when someone replies"."""

    __tablename__ = "reply_watch"

    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"),
                                            primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("mail_subscription.id", ondelete="CASCADE"), index=True)


class ReplyNotice(db.Model):
    """A published reply a subscriber is to hear of; sent_at once it went out in an e-mail.

    Unique per reply and subscriber: a reply approved, removed and approved again is told once."""

    __tablename__ = "reply_notice"
    __table_args__ = (
        UniqueConstraint("subscription_id", "reply_id", name="uq_reply_notice"),
        Index("ix_reply_notice_waiting", "subscription_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("mail_subscription.id", ondelete="CASCADE"))
    reply_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ModerationLink(db.Model):
    """The approve / reject links of one moderator e-mail: either works once, until expires_at."""

    __tablename__ = "moderation_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Keyed hash of the link's random nonce: the database alone cannot make a working link.
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"),
                                            index=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("mail_subscription.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    used_for: Mapped[str | None] = mapped_column(String(16), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
