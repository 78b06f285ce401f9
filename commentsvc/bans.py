"""Bans by reader, e-mail or IP: always by keyed hash, optionally expiring."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from commentsvc.errors import Forbidden
from commentsvc.models import Ban


def active_ban(session: Session, site_id: int, identities: Iterable[tuple[str, str | None]],
               now: datetime) -> Ban | None:
    """The first unexpired ban matching any of (kind, value_hash)."""
    pairs = [(kind, value) for kind, value in identities if value]
    if not pairs:
        return None
    matches = or_(*[(Ban.kind == kind) & (Ban.value_hash == value) for kind, value in pairs])
    return session.scalar(
        select(Ban)
        .where(Ban.site_id == site_id, matches, Ban.lifted_at.is_(None))
        .where(or_(Ban.expires_at.is_(None), Ban.expires_at > now))
        .limit(1)
    )


def refuse_banned(session: Session, site_id: int, identities: Iterable[tuple[str, str | None]],
                  now: datetime) -> None:
    ban = active_ban(session, site_id, identities, now)
    if ban is None:
        return
    until = f" until {ban.expires_at:%Y-%m-%d %H:%M} UTC" if ban.expires_at else ""
    why = f": {ban.reason}" if ban.reason else ""
    raise Forbidden(f"you are banned from commenting on this site{until}{why}", code="banned")
