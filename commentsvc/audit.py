"""The audit log: who did what to which comment, when and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from commentsvc import events
from commentsvc.models import AuditEntry, Comment

RULES_ACTOR = "rules"
CLI_ACTOR = "cli"  # commands run on the server: whoever may run them
WEBHOOKS_ACTOR = "webhooks"  # the delivery worker, acting on what a receiver answered


def record(session: Session, *, site_id: int | None, actor: str, action: str, now: datetime,
           comment: Comment | None = None, reason: str = "", before: str | None = None,
           after: str | None = None, details: dict[str, Any] | None = None,
           announce: bool = True) -> AuditEntry:
    """Add an entry; unless `announce` is False it is also logged once committed."""
    entry = AuditEntry(
        site_id=site_id, comment_id=comment.id if comment else None, actor=actor, action=action,
        reason=reason[:500], before_status=before, after_status=after, details=details or {},
        created_at=now,
    )
    session.add(entry)
    if announce:
        events.note(session, events.Audited(site_id, entry.comment_id, action, entry.reason,
                                            actor))
    return entry
