"""Sites (tenants): lookup, creation, per-site settings and allowed origins."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from commentsvc import audit
from commentsvc.errors import Conflict, Invalid, NotFound
from commentsvc.models import Site

DEFAULT_SITE = "default"
MODERATION_MODES = ("post", "pre", "first")
SITE_KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
ORIGIN_PATTERN = re.compile(r"^https?://[^/\s?#]+$")


@dataclass(frozen=True)
class ServiceConfig:
    """What the domain needs from the service's configuration; built once per app."""

    secret_key: str
    development: bool
    edit_window_seconds: int = 900
    display_depth: int = 3
    clock: Any = None
    # Parsed site settings by (site id, settings version): word lists are folded once.
    settings_cache: dict = field(default_factory=dict, compare=False, repr=False)

    def now(self) -> datetime:
        return self.clock() if self.clock else datetime.now(UTC)


@dataclass(frozen=True)
class SiteSettings:
    """A site's settings with their defaults; stored as JSON on the site."""

    moderation: str = "post"  # post: publish then moderate; pre: hold all; first: hold newcomers
    edit_window_seconds: int = 900
    display_depth: int = 3
    jwt_secret: str | None = None
    banned_words: tuple[str, ...] = ()
    suspect_words: tuple[str, ...] = ()
    link_limit: int = 3
    flag_threshold: int = 3  # open reports that hide a comment until a moderator looks

    @classmethod
    def of(cls, site: Site, config: ServiceConfig) -> SiteSettings:
        """Parsed once per version of a site's settings, per process."""
        return cls._cached(config, site.id, site.settings_version, lambda: site.settings)

    @classmethod
    def of_site(cls, session: Session, config: ServiceConfig, site_id: int,
                version: int) -> SiteSettings:
        """The same by id and version: the settings themselves are read only when this process
        has not parsed that version yet."""
        return cls._cached(config, site_id, version, lambda: session.connection()
                           .execute(_SITE_SETTINGS, {"site_id": site_id}).scalar())

    @classmethod
    def _cached(cls, config: ServiceConfig, site_id: int, version: int,
                load: Callable[[], dict[str, Any] | None]) -> SiteSettings:
        cache = config.settings_cache
        key = (site_id, version)
        cached = cache.get(key)
        if cached is None:
            cached = cache[key] = cls._parse(load() or {}, config)
            while len(cache) > 256:
                cache.pop(next(iter(cache)))
        return cached

    @classmethod
    def _parse(cls, raw: dict[str, Any], config: ServiceConfig) -> SiteSettings:
        return cls(
            moderation=raw.get("moderation", "post"),
            edit_window_seconds=int(raw.get("edit_window_seconds", config.edit_window_seconds)),
            display_depth=max(1, int(raw.get("display_depth", config.display_depth))),
            jwt_secret=raw.get("jwt_secret") or None,
            banned_words=tuple(raw.get("banned_words", ())),
            suspect_words=tuple(raw.get("suspect_words", ())),
            link_limit=int(raw.get("link_limit", cls.link_limit)),
            flag_threshold=int(raw.get("flag_threshold", cls.flag_threshold)),
        )


def get_site(session: Session, key: str) -> Site:
    site = session.scalar(select(Site).where(Site.key == key))
    if site is None:
        raise NotFound(f"no site called {key!r}", code="site_not_found")
    return site


_SITE_SETTINGS = select(Site.settings).where(Site.id == bindparam("site_id"))


def validate_origin(origin: str) -> str:
    origin = origin.strip().rstrip("/")
    if origin != "*" and not ORIGIN_PATTERN.match(origin):
        raise Invalid("origin", f"{origin!r} is not an origin like https://news.example")
    return origin


def create_site(session: Session, key: str, *, name: str = "", origins: list[str] | None = None,
                settings: dict[str, Any] | None = None, actor: str = audit.CLI_ACTOR,
                now: datetime | None = None) -> Site:
    """A new site; `null` settings are left out (they mean the service default)."""
    if not SITE_KEY_PATTERN.match(key):
        raise Invalid("key", "use 1-64 lowercase letters, digits, '-' or '_'")
    if session.scalar(select(Site.id).where(Site.key == key)) is not None:
        raise Conflict(f"site {key!r} exists already", code="site_exists")
    site = Site(key=key, name=name or key,
                allowed_origins=[validate_origin(o) for o in origins or []],
                settings={k: v for k, v in (settings or {}).items() if v is not None})
    session.add(site)
    session.flush()
    audit.record(session, site_id=site.id, actor=actor, action="site_created",
                 now=now or datetime.now(UTC),
                 details={"name": site.name, "allowed_origins": site.allowed_origins,
                          "settings": sorted(site.settings)})
    return site


def origin_allowed(session: Session, site_key: str | None, origin: str,
                   config: ServiceConfig, *, unknown_site: bool = False) -> bool:
    """May a browser page on `origin` use this site? Without a site: any site's origins may.

    `unknown_site` is the answer when `site_key` names no site. `Origin: null` (sandboxed
    frames, file: pages, some redirects) names no publisher: only "*" lets it in."""
    query = select(Site.key, Site.allowed_origins)
    if site_key is not None:
        query = query.where(Site.key == site_key)
    rows = session.execute(query).all()
    if site_key is not None and not rows:
        return unknown_site
    return any(site_lets_in(key, origins, origin, config) for key, origins in rows)


def site_lets_in(site_key: str, allowed_origins: list[str] | None, origin: str,
                 config: ServiceConfig) -> bool:
    """The rule itself, for one site's row: its origins, "*", or development's default site."""
    if config.development and site_key == DEFAULT_SITE:
        return True
    origins = allowed_origins or []
    return "*" in origins or origin.rstrip("/") in origins


def update_site(session: Session, site: Site, *, name: str | None = None,
                origins: list[str] | None = None,
                settings: dict[str, Any] | None = None, actor: str = audit.CLI_ACTOR,
                now: datetime | None = None) -> Site:
    """Change a site; settings merge into the stored ones, and a None value removes one (back
    to the service default). What changed goes to the audit log: setting names, not values,
    since a JWT secret is among them and word lists can be long."""
    changes: dict[str, Any] = {}
    if name is not None and name != site.name:
        site.name = changes["name"] = name
    if origins is not None:
        wanted = [validate_origin(o) for o in origins]
        if wanted != site.allowed_origins:
            site.allowed_origins = changes["allowed_origins"] = wanted
    if settings is not None:
        before = dict(site.settings or {})
        merged = {**before, **settings}
        after = {k: v for k, v in merged.items() if v is not None}
        changed = sorted(k for k in settings if k in after and before.get(k) != after[k])
        reset = sorted(k for k in settings if k in before and k not in after)
        if changed or reset:
            site.settings = after
            changes.update({"settings": changed, "reset": reset})
    if changes:
        audit.record(session, site_id=site.id, actor=actor, action="site_changed",
                     now=now or datetime.now(UTC), details=changes)
    return site


def site_by_id(session: Session, site_id: int | None) -> Site | None:
    return session.get(Site, site_id) if site_id is not None else None
