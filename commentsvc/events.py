"""What the domain reports as done, announced only once it is committed.

The domain notes an event on its session; listeners (the log and the metrics, wired by the
HTTP layer) hear it after the transaction commits and never if it rolls back, so a log line
or a counter never describes a write that did not happen. The domain imports nothing of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_PENDING = "commentsvc_events"


@dataclass(frozen=True)
class PostDecided:
    """The rules' verdict on a new comment: allow, hold, reject or spam, and why."""

    site_id: int
    comment_id: int | None
    decision: str
    reason: str


@dataclass(frozen=True)
class Audited:
    """An entry in the audit log: a moderator's action, or a rule acting after posting."""

    site_id: int
    comment_id: int | None
    action: str
    reason: str
    actor: str  # "key:3", "rules", ...: never a person's name, address or token


Event = PostDecided | Audited
Listener = Callable[[Event], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    """Hear every committed event; listening twice with the same function hears once."""
    if listener not in _listeners:
        _listeners.append(listener)


def note(session: Session, event: Event) -> None:
    """Announce `event` when the session's transaction commits."""
    session.info.setdefault(_PENDING, []).append(event)


@sa_event.listens_for(Session, "after_commit")
def _announce(session: Session) -> None:
    for event in session.info.pop(_PENDING, []):
        for listener in _listeners:
            try:
                listener(event)
            except Exception:  # a log or metric must never fail a committed write
                log.exception("event listener %r failed", listener)


@sa_event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
