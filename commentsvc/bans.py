"""Bans by reader, e-mail or IP: always by keyed hash, optionally expiring."""

from __future__ import annotations

from sqlalchemy import ColumnElement, ScalarSelect, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from commentsvc.errors import Forbidden
from commentsvc.models import BAN_KINDS, Ban


def active_ban_id(site_id: ColumnElement[int]) -> ScalarSelect[int]:
    """The id of an unexpired ban on the poster, as a subquery for posting's one read.

    The poster's keyed hashes are bound as `reader`, `email` and `ip`, and the time as `now`;
    a hash the poster does not have is bound as NULL, which equals nothing."""
    return (
        select(Ban.id)
        .where(Ban.site_id == site_id, Ban.lifted_at.is_(None),
               or_(Ban.expires_at.is_(None), Ban.expires_at > bindparam("now")),
               or_(*[and_(Ban.kind == kind, Ban.value_hash == bindparam(kind))
                     for kind in BAN_KINDS]))
        .limit(1)
        .scalar_subquery()
    )


def refuse(session: Session, ban_id: int) -> None:
    """Refuse a banned poster, saying until when and why."""
    ban = session.get(Ban, ban_id)
    until = f" until {ban.expires_at:%Y-%m-%d %H:%M} UTC" if ban.expires_at else ""
    why = f": {ban.reason}" if ban.reason else ""
    raise Forbidden(f"you are banned from commenting on this site{until}{why}", code="banned")
