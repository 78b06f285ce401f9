"""Retention: identifying hashes are kept only as long as they are needed.

IP hashes serve the anti-abuse rules (recent posts) and bans: after the retention period they
are cleared, unless an active ban on that site names them. Edit-token hashes serve only the
edit window. Reader and e-mail hashes stay: bans and readers' own data requests need them.
Run by `commentsvc purge` (and by a worker, once there is one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from commentsvc import audit
from commentsvc.errors import Invalid
from commentsvc.models import Article, Ban, Comment, Site
from commentsvc.sites import ServiceConfig, SiteSettings

_RAW = {"synchronize_session": False}


@dataclass(frozen=True)
class Purge:
    ip_hashes: int
    edit_tokens: int


def purge_expired(session: Session, config: ServiceConfig, retention_days: int,
                  actor: str = "retention") -> Purge:
    """Clear IP hashes older than the retention period (unless an active ban names them) and
    edit-token hashes whose edit window has passed. Reader and e-mail hashes stay: bans and
    the readers' own data requests need them."""
    if retention_days < 1:
        raise Invalid("retention_days", "must be at least 1")
    now = config.now()
    totals = Purge(0, 0)
    for site in session.scalars(select(Site).order_by(Site.id)):
        window = timedelta(seconds=SiteSettings.of(site, config).edit_window_seconds)
        done = Purge(_clear_ip_hashes(session, site, now - timedelta(days=retention_days), now),
                     _clear_edit_tokens(session, site, now - window))
        if done.ip_hashes or done.edit_tokens:
            audit.record(session, site_id=site.id, actor=actor, action="retention_purge",
                         reason=f"identifying hashes older than {retention_days} days cleared",
                         details={"ip_hashes": done.ip_hashes, "edit_tokens": done.edit_tokens},
                         now=now)
        totals = Purge(totals.ip_hashes + done.ip_hashes, totals.edit_tokens + done.edit_tokens)
    session.commit()
    return totals


def _in_site(site: Site) -> Any:
    return Comment.article_id.in_(select(Article.id).where(Article.site_id == site.id))


def _clear_ip_hashes(session: Session, site: Site, before: datetime, now: datetime) -> int:
    banned = select(Ban.value_hash).where(
        Ban.site_id == site.id, Ban.kind == "ip", Ban.lifted_at.is_(None),
        or_(Ban.expires_at.is_(None), Ban.expires_at > now))
    result = session.execute(
        update(Comment).where(_in_site(site), Comment.created_at < before,
                              Comment.ip_hash.is_not(None), Comment.ip_hash.not_in(banned))
        .values(ip_hash=None), execution_options=_RAW)
    return result.rowcount


def _clear_edit_tokens(session: Session, site: Site, before: datetime) -> int:
    result = session.execute(
        update(Comment).where(_in_site(site), Comment.created_at < before,
                              Comment.edit_token_hash.is_not(None))
        .values(edit_token_hash=None), execution_options=_RAW)
    return result.rowcount
