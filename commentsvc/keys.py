"""Admin API keys: made once, shown once, stored hashed, scoped to a site or to all sites.

Admins list, revoke and rotate them (API and CLI); each of those acts is in the audit log.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, joinedload

from commentsvc import audit
from commentsvc.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from commentsvc.identity import api_key_hash, new_api_key
from commentsvc.models import ROLES, ApiKey, Site
from commentsvc.moderation import Moderator

NAME_MAX = 200
# Enough to tell keys apart in a list ("csk_" and four more), far too little to guess one.
PREFIX_LENGTH = 8
# last_used_at is a hint for admins, not a log: one write a minute per key at most.
LAST_USED_EVERY = timedelta(minutes=1)


def create_key(session: Session, secret: str, site: Site | None, role: str, name: str,
               now: datetime, *, actor: str = audit.CLI_ACTOR) -> tuple[ApiKey, str]:
    """Returns the stored key and the only copy of its secret value."""
    if role not in ROLES:
        raise Invalid("role", f"must be one of {', '.join(ROLES)}")
    key, raw = _new_key(session, secret, site.id if site else None, role, name, now)
    _record(session, key, actor, "key_created", now)
    return key, raw


def _new_key(session: Session, secret: str, site_id: int | None, role: str, name: str,
             now: datetime) -> tuple[ApiKey, str]:
    raw = new_api_key()
    key = ApiKey(site_id=site_id, role=role, name=name.strip()[:NAME_MAX],
                 prefix=raw[:PREFIX_LENGTH], key_hash=api_key_hash(secret, raw), created_at=now)
    session.add(key)
    session.flush()
    return key, raw


def authenticate(session: Session, secret: str, raw: str | None,
                 now: datetime | None = None) -> Moderator:
    """The moderator behind a bearer key; with `now`, its last use is noted (see touch)."""
    if not raw:
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'",
                           code="api_key_missing")
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == api_key_hash(secret, raw),
                                              ApiKey.revoked_at.is_(None)))
    if key is None:
        raise Unauthorized("this API key is not valid", code="invalid_api_key")
    if now is not None:
        touch(session, key, now)
    return Moderator(actor=f"key:{key.id}", role=key.role, site_id=key.site_id)


def touch(session: Session, key: ApiKey, now: datetime) -> bool:
    """Note that a key was used; True when that meant a write (at most once a minute)."""
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_EVERY:
        return False
    # Conditional, so processes racing on the same key write once between them.
    stale = or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= now - LAST_USED_EVERY)
    done = session.execute(update(ApiKey).where(ApiKey.id == key.id, stale)
                           .values(last_used_at=now).execution_options(synchronize_session=False))
    session.commit()
    return bool(done.rowcount)


def listed(session: Session, moderator: Moderator, site: Site | None = None) -> list[ApiKey]:
    """Keys an admin may see, newest first: its own site's, or every key for an all-sites key.

    With a site, only that site's keys. Revoked keys stay listed, with when."""
    query = select(ApiKey).options(joinedload(ApiKey.site)).order_by(ApiKey.id.desc())
    if site is not None:
        moderator.require(site.id, role="admin")
        query = query.where(ApiKey.site_id == site.id)
    elif moderator.site_id is not None:
        query = query.where(ApiKey.site_id == moderator.site_id)
    return list(session.scalars(query))


def get_key(session: Session, moderator: Moderator, key_id: int) -> ApiKey:
    """A key this admin may manage: of its own site, or any key for an all-sites key."""
    key = by_id(session, key_id)
    if moderator.site_id is not None and key.site_id != moderator.site_id:
        raise Forbidden("this key is not for that site", code="wrong_site")
    return key


def revoke(session: Session, moderator: Moderator, key: ApiKey, now: datetime) -> ApiKey:
    """Revoke a key at once; revoking it again changes nothing.

    A key cannot revoke itself through the API: one slip would lock its holder out. Rotate it,
    or revoke it with another admin key or the CLI."""
    if moderator.actor == f"key:{key.id}":
        raise Conflict("a key cannot revoke itself; rotate it, or use another admin key",
                       code="own_key")
    if key.revoked_at is None:
        key.revoked_at = now
        _record(session, key, moderator.actor, "key_revoked", now)
    return key


def rotate(session: Session, secret: str, actor: str, key: ApiKey,
           now: datetime) -> tuple[ApiKey, str]:
    """A new key with the same site, role and name; the old one is revoked in the same write."""
    if key.revoked_at is not None:
        raise Conflict(f"API key {key.id} is revoked; make a new key instead",
                       code="key_revoked")
    key.revoked_at = now
    new, raw = _new_key(session, secret, key.site_id, key.role, key.name, now)
    _record(session, new, actor, "key_rotated", now, replaces=key.id)
    return new, raw


def by_id(session: Session, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"no API key {key_id}", code="key_not_found")
    return key


def _record(session: Session, key: ApiKey, actor: str, action: str, now: datetime,
            **more: int) -> None:
    details = {"key_id": key.id, "name": key.name, "role": key.role, **more}
    audit.record(session, site_id=key.site_id, actor=actor, action=action, now=now,
                 details=details)
