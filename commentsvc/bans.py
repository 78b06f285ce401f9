"""Bans by reader, e-mail or IP: always by keyed hash, optionally expiring."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from commentsvc.errors import Forbidden
from commentsvc.models import BAN_KINDS, Ban

# Built once: every post runs it. An identity the poster does not have is bound as NULL,
# which equals nothing, so one statement serves every combination.
_ACTIVE_BAN = (
    select(Ban)
    .where(Ban.site_id == bindparam("site_id"), Ban.lifted_at.is_(None),
           or_(Ban.expires_at.is_(None), Ban.expires_at > bindparam("now")),
           or_(*[and_(Ban.kind == kind, Ban.value_hash == bindparam(kind)) for kind in BAN_KINDS]))
    .limit(1)
)


def active_ban(session: Session, site_id: int, now: datetime, *, reader: str | None = None,
               email: str | None = None, ip: str | None = None) -> Ban | None:
    """The first unexpired ban on any of the poster's keyed hashes."""
    if not (reader or email or ip):
        return None
    return session.scalar(_ACTIVE_BAN, {"site_id": site_id, "now": now, "reader": reader,
                                        "email": email, "ip": ip})


def refuse_banned(session: Session, site_id: int, now: datetime, *, reader: str | None = None,
                  email: str | None = None, ip: str | None = None) -> None:
    ban = active_ban(session, site_id, now, reader=reader, email=email, ip=ip)
    if ban is None:
        return
    until = f" until {ban.expires_at:%Y-%m-%d %H:%M} UTC" if ban.expires_at else ""
    why = f": {ban.reason}" if ban.reason else ""
    raise Forbidden(f"you are banned from commenting on this site{until}{why}", code="banned")
