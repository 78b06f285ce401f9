"""E-mails go through the outbox: enqueued in the transaction of the write that causes them,
composed and sent later by the worker, with its retries and backoff.

Handlers take (session, payload); SMTP trouble becomes outbox.SendFailed, so it is retried
(or, for an address the server refuses, given up) without a traceback in the log.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from commentsvc import outbox
from commentsvc.logs import scrub
from commentsvc.models import OutboxMessage

Handler = Callable[[Session, dict[str, Any]], None]


def enqueue(session: Session, kind: str, payload: dict[str, Any], now: datetime,
            available_at: datetime | None = None) -> None:
    """Write the e-mail to the outbox in the caller's transaction."""
    delay = available_at - now if available_at is not None and available_at > now else None
    if delay is None:
        outbox.enqueue(session, kind, payload, now=now)
    else:
        outbox.enqueue(session, kind, payload, now=now, delay=delay)


def register(kind: str, handler: Handler) -> None:
    def send(session: Session, message: OutboxMessage) -> None:
        try:
            handler(session, dict(message.payload))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _ in exc.recipients.values()})
            raise outbox.SendFailed(f"the SMTP server refused the address ({codes})",
                                    permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Scrubbed: a server's answer often repeats the address.
            raise outbox.SendFailed(scrub(f"SMTP: {type(exc).__name__}: {exc}")) from exc

    outbox.register(kind, send)
