"""Live updates: which changes reach open threads, kept so streams can resume, and the broker.

The database is the source of truth. Every change a reader could see is written as a LiveEvent
row in the change's own transaction, numbered by the article's version (bumped in that same
transaction, under the article row's lock, so versions commit in order per article). A stream
that knows the last version it saw asks for the rows after it: nothing is lost across
reconnects, and nothing depends on which process served the write.

Pub/sub is only the fast path: after commit, the writing process publishes the article's id on
Redis (when configured) so stream servers look at once instead of at their next poll of the
articles' versions (every POLL_SECONDS, one query for all the articles watched).

Held comments never become events: a reader's own held comment is already on their screen (the
widget drew it from the answer to its post), and no one else may learn of it. When a moderator
publishes it, it becomes a `comment` event like any other.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from commentsvc import events
from commentsvc.models import APPROVED, Article, Comment, LiveEvent, Site, utcnow

log = logging.getLogger(__name__)
CHANNEL = "commentsvc:live"
KINDS = ("comment", "edited", "removed")
POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 15
# How soon a browser reconnects after the app answered a stream at once (no stream server).
RETRY_MS = 3000
KEEP = timedelta(days=1)
MAX_REPLAY = 500


@dataclass(frozen=True)
class Change:
    """One event of a stream: `kind` of comment `comment_id`, as of thread `version`."""

    version: int
    kind: str
    comment_id: int
    parent_id: int | None

    def sse(self) -> str:
        data = {"id": self.comment_id, "parent_id": self.parent_id, "version": self.version}
        return f"id: {self.version}\nevent: {self.kind}\ndata: {json.dumps(data)}\n\n"


def ready(version: int, retry_ms: int) -> str:
    """The first lines of every stream: how soon to reconnect, and where the stream starts."""
    data = json.dumps({"version": version})
    return f"retry: {retry_ms}\nid: {version}\nevent: ready\ndata: {data}\n\n"


def kind_of(event: events.CommentChanged) -> str | None:
    """The live event a change makes, or None when readers of the thread see nothing new."""
    now_public, was_public = event.status == APPROVED, event.before == APPROVED
    if event.change == "created":
        return "comment" if now_public else None
    if event.change == "status" and now_public != was_public:
        return "comment" if now_public else "removed"
    if event.change == "edited" and now_public:
        return "edited"
    return None


_ADD_EVENT = insert(LiveEvent.__table__)  # built once, run as Core: every post adds one


def record(session: Session, event: events.Event) -> None:
    """In the write's transaction: keep the event, numbered by the version it bumped."""
    if not isinstance(event, events.CommentChanged):
        return
    kind = kind_of(event)
    if kind is None:
        return
    comment = session.get(Comment, event.comment_id)  # usually in the session already
    if comment is None:  # nothing a reader could fetch
        return
    version = event.version
    if version is None:
        version = session.scalar(select(Article.version)
                                 .where(Article.id == comment.article_id))
    session.connection().execute(_ADD_EVENT, {
        "article_id": event.article_id, "version": version, "kind": kind,
        "comment_id": event.comment_id, "parent_id": comment.parent_id})


def changes_since(connection: Connection | Session, article_id: int, since: int) -> list[Change]:
    rows = connection.execute(
        select(LiveEvent.version, LiveEvent.kind, LiveEvent.comment_id, LiveEvent.parent_id)
        .where(LiveEvent.article_id == article_id, LiveEvent.version > since)
        .order_by(LiveEvent.version, LiveEvent.id).limit(MAX_REPLAY)).all()
    return [Change(*row) for row in rows]


def article_of(connection: Connection | Session, site_key: str,
               article_key: str) -> tuple[bool, int | None, int]:
    """(site exists, article id or None before its first comment, its version)."""
    row = connection.execute(
        select(Site.id, Article.id, Article.version).select_from(Site)
        .outerjoin(Article, (Article.site_id == Site.id) & (Article.key == article_key))
        .where(Site.key == site_key)).first()
    if row is None:
        return False, None, 0
    return True, row[1], row[2] or 0


def versions(connection: Connection, article_ids: Iterable[int]) -> dict[int, int]:
    ids = list(article_ids)
    if not ids:
        return {}
    return dict(connection.execute(
        select(Article.id, Article.version).where(Article.id.in_(ids))).all())


def forget_old(session: Session, now: datetime | None = None) -> int:
    """Drop events older than KEEP: streams resume within minutes, not days."""
    before = (now or utcnow()) - KEEP
    return session.execute(delete(LiveEvent).where(LiveEvent.created_at < before)).rowcount


# --- the fast path: tell stream servers which article changed ---------------------------------

class Publisher:
    """After commit: publish the article's id on Redis, or nothing when there is no Redis (the
    stream servers then see the change at their next poll, within POLL_SECONDS)."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url
        self._client = None

    def __call__(self, event: events.Event) -> None:
        if not self.redis_url or not isinstance(event, events.CommentChanged):
            return
        if kind_of(event) is None:
            return
        if self._client is None:
            import redis

            self._client = redis.Redis.from_url(self.redis_url, socket_timeout=0.5,
                                                socket_connect_timeout=0.5)
        try:
            self._client.publish(CHANNEL, str(event.article_id))
        except Exception as exc:  # the poll still finds it: a slow path, not a lost event
            log.warning("live: could not publish to Redis: %s", exc)


def redis_url(config: dict) -> str:
    """COMMENTSVC_LIVE_REDIS_URL, else the rate limits' Redis when they have one, else ''."""
    explicit = config.get("COMMENTSVC_LIVE_REDIS_URL", "")
    if explicit == "off":
        return ""
    if explicit:
        return explicit
    shared = config.get("RATELIMIT_STORAGE_URI", "")
    return shared if shared.startswith(("redis://", "rediss://")) else ""


_publishers: dict[str, Publisher] = {}


def publisher_for(url: str) -> Callable[[events.Event], None]:
    """One publisher (and one connection pool) per Redis URL, however many apps are made."""
    if url not in _publishers:
        _publishers[url] = Publisher(url)
    return _publishers[url]
