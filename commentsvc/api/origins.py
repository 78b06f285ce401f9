"""Origins enforced by the server: a browser page may only act on a site that allows it.

CORS alone only stops a page from reading answers; its writes would still be stored. So a
public request that carries an `Origin` the target site does not allow is refused with 403
`origin_not_allowed` before the view (and before its rate limits) runs.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request
from sqlalchemy import bindparam, event, select
from werkzeug.exceptions import HTTPException

from commentsvc import threads
from commentsvc.api import counts_cache, reads
from commentsvc.api.counts_cache import CountsCache
from commentsvc.api.requests import service_config
from commentsvc.errors import Forbidden
from commentsvc.extensions import db
from commentsvc.models import Site
from commentsvc.schemas import normalise_key
from commentsvc.sites import origin_allowed, site_lets_in

PUBLIC_BLUEPRINT = "public"
# Ids beyond a 32-bit integer name no comment (PostgreSQL would fail on them): the view answers.
LARGEST_ID = 2**31 - 1


class OriginNotAllowed(Forbidden):
    code = "origin_not_allowed"


class AnySite:
    """The request acts on no one site (e.g. /preview): any site's origins may use it."""


ANY_SITE = AnySite()


def acting_site() -> str | AnySite | None:
    """The site the request really acts on; None when it names none that can be found."""
    if "acting_site" not in g:  # asked before and after the view: look it up once
        g.acting_site = _acting_site()
    return g.acting_site


def _acting_site() -> str | AnySite | None:
    comment_id = (request.view_args or {}).get("comment_id")
    if comment_id is not None:
        if not isinstance(comment_id, int) or not 0 < comment_id <= LARGEST_ID:
            return None
        return threads.site_key_of(db.session, comment_id)
    if request.method == "POST":
        return _body_site() if request.endpoint == "public.post_comment" else ANY_SITE
    site = request.args.get("site")
    return normalise_key(site) if site is not None else ANY_SITE


def _body_site() -> str | None:
    # Never the query: a post acts on the site named in its body.
    try:
        body = request.get_json(silent=True)
    except (HTTPException, RecursionError):  # too large or too deep: the view answers that
        return None
    site = body.get("site") if isinstance(body, dict) else None
    # The same normalisation the view applies: the key checked is the key acted upon.
    return normalise_key(site) if isinstance(site, str) else None


def same_origin(origin: str) -> bool:
    """The service's own pages (demo, moderator) call the API from its own scheme://host."""
    return origin == request.host_url.rstrip("/")


def refuse_disallowed_origin() -> None:
    """before_request: refuse a browser request from an origin the target site does not allow."""
    origin = request.headers.get("Origin")
    if origin is None or request.blueprint != PUBLIC_BLUEPRINT or request.method == "OPTIONS":
        return
    if same_origin(origin):
        return
    site = acting_site()
    if site is None:  # unknown comment: the view answers 404
        return
    site_key = None if isinstance(site, AnySite) else site
    # An unknown site counts as allowed here so that the view can answer 404 as usual.
    if site_allows(site_key, origin, unknown_site=True):
        return
    g.origin_refused = True
    raise OriginNotAllowed(refusal(origin, site_key))


def refusal(origin: str, site_key: str | None) -> str:
    """Names the origin, the site and the fix: the widget shows it to the publisher as is."""
    if site_key is None:
        return (f"origin {origin} is not allowed for any site; add it to a site's "
                f"allowed_origins: commentsvc create-site KEY --origin {origin}, "
                f"or PATCH /api/v1/admin/sites/KEY")
    return (f"origin {origin} is not allowed for site {site_key!r}; add it to the site's "
            f"allowed_origins: PATCH /api/v1/admin/sites/{site_key} "
            f'{{"allowed_origins": [..., "{origin}"]}}')


def allows_reading(origin: str) -> bool:
    """May the page on `origin` read this public answer? Called after the request.

    Successful answers are readable only by the site's origins; a preflight and the refusal
    itself by any origin."""
    if request.method == "OPTIONS":
        # Preflights pass for any origin: the real request is then checked before any work,
        # and a refusal (which holds no data) is readable, so the widget can say what is wrong.
        return True
    if g.get("origin_refused"):
        return True
    try:
        site = acting_site()
    except Exception:  # CORS must never turn an answer into a 500
        return False
    # An unknown comment's 404 stays readable by any site's origins (permalinks), as before.
    site_key = site if isinstance(site, str) else None
    return site_allows(site_key, origin)


# Built once: a browser's request asks this before the view and again after it.
_ORIGINS = select(Site.key, Site.allowed_origins).where(Site.key == bindparam("site_key"))
EXTENSION = "commentsvc_site_origins"
_sites_changed = [0]  # sites created, changed or deleted through this process's sessions


def _site_changed(*_args: Any) -> None:
    _sites_changed[0] += 1


for _change in ("after_insert", "after_update", "after_delete"):
    event.listen(Site, _change, _site_changed)


def site_allows(site_key: str | None, origin: str, *, unknown_site: bool = False) -> bool:
    """sites.origin_allowed for the site this request acts on; one rule for the refusal
    before the view and the CORS answer after it.

    Each process keeps a site's origins for at most COMMENTSVC_COUNTS_CACHE_SECONDS, as it
    keeps answers (kept_answers.py): a site changed through this process is read again at
    once, one changed elsewhere within that time. A post then needs no statement for them."""
    if site_key is None:  # any site's origins (e.g. /preview): rare, not worth keeping
        return origin_allowed(db.session, None, origin, service_config(), unknown_site=unknown_site)
    row = current_app.extensions[EXTENSION].fetch(site_key, lambda: reads.read(
        lambda c: c.execute(_ORIGINS, {"site_key": site_key}).first()))
    if row is None:
        return unknown_site
    return site_lets_in(row.key, row.allowed_origins, origin, service_config())


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = CountsCache(
        counts_cache.lifetime(app.config), clock=counts_cache.seconds_clock(app),
        changes=lambda: _sites_changed[0])
