"""What the domain reports as done, announced only once it is committed.

The domain notes an event on its session; listeners (the log and the metrics, wired by the
HTTP layer) hear it after the transaction commits and never if it rolls back, so a log line
or a counter never describes a write that did not happen. The domain imports nothing of them.

Listeners that must write something in the same transaction (an outbox row for an e-mail or a
webhook) listen in the transaction instead: they hear the event when it is noted, with the
session, and what they add commits or rolls back with the write that caused it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class CommentChanged:
    """A comment readers may see differently now.

    change is "created" (status: what the rules decided), "status" (a moderator, its author,
    a report threshold or an erasure moved it from `before` to `status`), "edited", "flagged"
    (a reader reported it) or "pinned" (pinned or unpinned: the thread's order changed).
    """

    article_id: int
    comment_id: int
    change: str
    status: str
    before: str | None = None
    # The article's version once this change is in, when the writer read it back (None: ask).
    version: int | None = None


Event = PostDecided | Audited | CommentChanged
Listener = Callable[[Event], None]
TransactionListener = Callable[[Session, Event], None]
_listeners: list[Listener] = []
_in_transaction: list[TransactionListener] = []


def listen(listener: Listener) -> None:
    """Hear every committed event; listening twice with the same function hears once."""
    if listener not in _listeners:
        _listeners.append(listener)


def listen_in_transaction(listener: TransactionListener) -> None:
    """Hear every event as it is noted, inside its transaction; a failure fails the write."""
    if listener not in _in_transaction:
        _in_transaction.append(listener)


def note(session: Session, event: Event) -> None:
    """Tell the in-transaction listeners now; announce `event` when the transaction commits."""
    for listener in _in_transaction:
        listener(session, event)
    session.info.setdefault(_PENDING, []).append(event)


def comment_changed(session: Session, comment: Any, change: str,
                    before: str | None = None, version: int | None = None) -> None:
    """Note a CommentChanged for `comment` (flushed: it has its id)."""
    note(session, CommentChanged(comment.article_id, comment.id, change, comment.status, before,
                                 version))


# Facts a writer has read in its transaction that an in-transaction listener would otherwise
# ask the database again: posting reads them with everything else it checks (one statement).
SITE_HAS_WEBHOOKS = "site_has_webhooks"  # by article id
REPLIES_WATCHED = "replies_watched"  # by comment id: someone waits for e-mail of its replies
_TOLD = "commentsvc_told"


def tell(session: Session, fact: str, key: int, value: bool) -> None:
    """Note `fact` about `key` for the listeners of this transaction (forgotten when it ends)."""
    session.info.setdefault(_TOLD, {})[fact, key] = value


def told(session: Session, fact: str, key: int) -> bool | None:
    """What the writer told of `fact` about `key` in this transaction; None: ask."""
    return session.info.get(_TOLD, {}).get((fact, key))


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_told(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost: committed, rolled back or closed
        session.info.pop(_TOLD, None)


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
