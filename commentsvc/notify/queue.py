"""E-mails go through the outbox: enqueued in the transaction of the write that causes them,
composed and sent later by the worker, with its retries.

Each kind of e-mail has one handler here; the outbox calls it with the payload it was given.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

Handler = Callable[[dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler
    return register


def enqueue(session: Session, kind: str, payload: dict[str, Any],
            available_at: datetime | None = None) -> None:
    """Write the e-mail to the outbox in the caller's transaction."""
    raise NotImplementedError("the outbox is not merged yet")


def deliver(kind: str, payload: dict[str, Any]) -> None:
    HANDLERS[kind](payload)
