"""The outbox: whatever leaves the process because of a write (an e-mail, a webhook).

`enqueue` adds a row in the caller's transaction, so a message exists if and only if the write
that caused it committed. A worker (`commentsvc worker`, or the in-process thread of the embedded
default: worker.py) calls `deliver_due`: it claims due rows in one short transaction, sends each
with the sender registered for its kind outside any lock, and marks it sent, or schedules the
next attempt with exponential backoff, or gives up after the kind's attempt cap (the row stays,
status "dead", for inspection).

Claiming is one UPDATE over a `SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite has one
writer at a time, so the same statement is atomic there): two workers never claim one row. A
claim is a lease: a worker that dies mid-send loses nothing, its rows come back when the lease
runs out. Delivery is therefore at least once in the worst case (a worker that sent and died
before it could record it); receivers of webhooks deduplicate by the message id we send.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from commentsvc.models import OUTBOX_DEAD, OUTBOX_PENDING, OUTBOX_SENT, OutboxMessage

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 8  # 30 s, 1, 2, 4, 8, 16, 32 min: about an hour of trying, then "dead"
LEASE = timedelta(minutes=2)  # longer than any sender may take (webhooks time out in seconds)
BATCH = 20
ERROR_LENGTH = 500

Send = Callable[[Session, OutboxMessage], None]


class SendFailed(Exception):
    """A sender's way to say "not sent": retried later, or never when `permanent`.

    Unlike any other exception, what the sender wrote in the session (a delivery log line, say)
    is kept and committed with the failure.
    """

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class Sender:
    send: Send
    max_attempts: int = MAX_ATTEMPTS


@dataclass
class Report:
    """What one `deliver_due` did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    dead: int = 0

    def add(self, other: Report) -> None:
        self.claimed += other.claimed
        self.sent += other.sent
        self.retrying += other.retrying
        self.dead += other.dead


_senders: dict[str, Sender] = {}


def register(kind: str, send: Send, *, max_attempts: int = MAX_ATTEMPTS) -> None:
    """Send messages of `kind` with `send(session, message)`; registering again replaces.

    `send` returns when the message is delivered and raises (SendFailed or anything) when not.
    It runs in an app context, in a transaction of its own, with no row locks held.
    """
    _senders[kind] = Sender(send, max_attempts)


def sender_for(kind: str) -> Sender | None:
    return _senders.get(kind)


def enqueue(session: Session, kind: str, payload: dict[str, Any], *,
            now: datetime | None = None, delay: timedelta = timedelta(0)) -> OutboxMessage:
    """Add a message to the caller's transaction: it is sent only if that commits."""
    when = (now or datetime.now(UTC)) + delay
    message = OutboxMessage(kind=kind, payload=payload, status=OUTBOX_PENDING, attempts=0,
                            created_at=now or datetime.now(UTC), next_attempt_at=when)
    session.add(message)
    return message


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 30 s, doubling, at most 1 h."""
    return min(BACKOFF_BASE * 2 ** max(0, attempts - 1), BACKOFF_CAP)


def worker_name() -> str:
    """Who claims: host, process and a random part (two threads of one process differ)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _claimable(now: datetime) -> Any:
    return (
        (OutboxMessage.status == OUTBOX_PENDING)
        & (OutboxMessage.next_attempt_at <= now)
        & or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
    )


def claim(session: Session, now: datetime, worker: str, *, limit: int = BATCH,
          lease: timedelta = LEASE) -> list[int]:
    """Claim up to `limit` due messages for `worker` and commit; their ids, oldest first."""
    due = (select(OutboxMessage.id).where(_claimable(now))
           .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
           .with_for_update(skip_locked=True))
    # The condition again outside: a row changed since the inner scan is not taken twice.
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()), _claimable(now))
        .values(claimed_until=now + lease, claimed_by=worker)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    session.commit()
    return sorted(claimed)


def deliver_due(session: Session, now: datetime, *, worker: str | None = None,
                limit: int = BATCH, lease: timedelta = LEASE) -> Report:
    """Claim the messages due at `now` and try to send each once."""
    worker = worker or worker_name()
    report = Report()
    ids = claim(session, now, worker, limit=limit, lease=lease)
    report.claimed = len(ids)
    for message_id in ids:
        outcome = _deliver(session, message_id, now, worker)
        if outcome == OUTBOX_SENT:
            report.sent += 1
        elif outcome == OUTBOX_DEAD:
            report.dead += 1
        elif outcome == OUTBOX_PENDING:
            report.retrying += 1
    return report


def _deliver(session: Session, message_id: int, now: datetime, worker: str) -> str | None:
    message = session.get(OutboxMessage, message_id, populate_existing=True)
    if message is None or message.status != OUTBOX_PENDING or message.claimed_by != worker:
        session.rollback()
        return None  # our lease ran out and another worker has it
    registered = _senders.get(message.kind)
    if registered is None:
        # A worker started without this kind's sender: keep it for one that has it.
        _failed(message, f"no sender for {message.kind!r} in this worker", now, MAX_ATTEMPTS)
        session.commit()
        return message.status
    try:
        registered.send(session, message)
    except SendFailed as exc:
        _failed(message, exc.reason, now, registered.max_attempts, permanent=exc.permanent)
    except Exception as exc:  # a sender's bug must not stop the others
        log.exception("sending outbox message %s (%s) failed", message_id, message.kind)
        session.rollback()
        message = session.get(OutboxMessage, message_id, populate_existing=True)
        if message is None:
            return None
        _failed(message, f"{type(exc).__name__}: {exc}", now, registered.max_attempts)
    else:
        message.attempts += 1
        message.status = OUTBOX_SENT
        message.sent_at = now
        message.claimed_until = None
        message.last_error = None
    session.commit()
    return message.status


def _failed(message: OutboxMessage, reason: str, now: datetime, max_attempts: int, *,
            permanent: bool = False) -> None:
    message.attempts += 1
    message.last_error = reason[:ERROR_LENGTH]
    message.claimed_until = None
    message.claimed_by = None
    if permanent or message.attempts >= max_attempts:
        message.status = OUTBOX_DEAD
        log.warning("outbox message %s (%s) given up after %s attempts: %s", message.id,
                    message.kind, message.attempts, message.last_error)
    else:
        message.next_attempt_at = now + backoff(message.attempts)


def reschedule(message: OutboxMessage, now: datetime) -> None:
    """Send again as soon as a worker looks (a retry asked for by a person), attempts anew."""
    message.status = OUTBOX_PENDING
    message.attempts = 0
    message.next_attempt_at = now
    message.claimed_until = None
    message.claimed_by = None
    message.sent_at = None


KEEP_SENT = timedelta(days=7)
KEEP_DEAD = timedelta(days=30)


def prune(session: Session, now: datetime) -> int:
    """Forget sent messages after a week and given-up ones after 30 days; commits."""
    done = session.execute(
        delete(OutboxMessage).where(
            ((OutboxMessage.status == OUTBOX_SENT) & (OutboxMessage.sent_at < now - KEEP_SENT))
            | ((OutboxMessage.status == OUTBOX_DEAD)
               & (OutboxMessage.next_attempt_at < now - KEEP_DEAD)))
        .execution_options(synchronize_session=False))
    session.commit()
    return done.rowcount


@dataclass(frozen=True)
class Backlog:
    """What waits in the outbox: for the metrics and the operator's alerts."""

    pending: int
    dead: int
    oldest_pending_seconds: float  # 0 when nothing waits


def backlog(session: Session, now: datetime) -> Backlog:
    """Pending and given-up messages, and how long the oldest pending one has waited."""
    from sqlalchemy import func

    rows = dict(session.execute(select(OutboxMessage.status, func.count())
                                .where(OutboxMessage.status != OUTBOX_SENT)
                                .group_by(OutboxMessage.status)).all())
    oldest = session.scalar(select(func.min(OutboxMessage.created_at))
                            .where(OutboxMessage.status == OUTBOX_PENDING))
    waited = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
    return Backlog(rows.get(OUTBOX_PENDING, 0), rows.get(OUTBOX_DEAD, 0), waited)


def pending_count(session: Session) -> int:
    """Messages not yet sent nor given up (for health and metrics)."""
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.status == OUTBOX_PENDING)) or 0
