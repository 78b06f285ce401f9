"""Admin API keys: made once, shown once, stored hashed, scoped to a site or to all sites."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from commentsvc.errors import Invalid, Unauthorized
from commentsvc.identity import api_key_hash, new_api_key
from commentsvc.models import ROLES, ApiKey, Site
from commentsvc.moderation import Moderator


def create_key(session: Session, secret: str, site: Site | None, role: str, label: str,
               now: datetime) -> tuple[ApiKey, str]:
    """Returns the stored key and the only copy of its secret value."""
    if role not in ROLES:
        raise Invalid("role", f"must be one of {', '.join(ROLES)}")
    raw = new_api_key()
    key = ApiKey(site_id=site.id if site else None, role=role, label=label[:200],
                 key_hash=api_key_hash(secret, raw), created_at=now)
    session.add(key)
    session.flush()
    return key, raw


def authenticate(session: Session, secret: str, raw: str | None) -> Moderator:
    if not raw:
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'",
                           code="api_key_missing")
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == api_key_hash(secret, raw),
                                              ApiKey.revoked_at.is_(None)))
    if key is None:
        raise Unauthorized("this API key is not valid", code="invalid_api_key")
    return Moderator(actor=f"key:{key.id}", role=key.role, site_id=key.site_id)
