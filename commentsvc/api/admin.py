"""Admin routes: moderation queues and actions, thread settings, bans, audit, sites and keys.

Every route needs `Authorization: Bearer <API key>`: 401 without a valid key, 403 with a key of
another site or, for sites and keys, without the admin role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, g, request
from flask_smorest import Blueprint
from sqlalchemy import select

from commentsvc import keys, moderation, queues
from commentsvc.admin_schemas import (
    ArticleQuery,
    ArticleSettingsOut,
    AuditPageOut,
    AuditQuery,
    BanIn,
    BansOut,
    BulkModerateIn,
    KeyIn,
    KeyInfoOut,
    KeysOut,
    ModerateIn,
    NewKeyOut,
    QueueOut,
    QueueQuery,
    SiteIn,
    SiteOut,
    SitePatchIn,
    SiteQuery,
    SitesOut,
    ThreadSettingsIn,
)
from commentsvc.api.requests import bearer_token, client_ip, service_config
from commentsvc.errors import Forbidden
from commentsvc.extensions import db, limiter
from commentsvc.identity import api_key_hash
from commentsvc.models import ApiKey, Site
from commentsvc.moderation import Moderator
from commentsvc.sites import create_site, get_site, site_by_id, update_site

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin",
                description="Moderation, bans, audit log, sites and keys (API key required)")


def _admin_rate_key() -> str:
    # Per key, in a scope of its own: moderators never share a quota with readers.
    token = bearer_token()
    return f"key:{api_key_hash(service_config().secret_key, token)}" if token else client_ip()


limiter.limit(lambda: current_app.config["COMMENTSVC_RATELIMIT_ADMIN"],
              key_func=_admin_rate_key, scope="admin")(blp)


def admin_only(view: Callable) -> Callable:
    """Mark a route as needing the admin role (checked with the key, before the body)."""
    view.admin_only = True  # type: ignore[attr-defined]
    return view


@blp.before_request
def authenticate() -> None:
    if request.method == "OPTIONS":
        return
    config = service_config()
    g.moderator = keys.authenticate(db.session, config.secret_key, bearer_token(), config.now())
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "admin_only", False) and g.moderator.role != "admin":
        raise Forbidden("this needs an admin key", code="admin_only")


def moderator() -> Moderator:
    return g.moderator


@blp.route("/key", methods=["GET"])
@blp.response(200, KeyInfoOut)
def who_am_i() -> dict:
    """The key making this request: its role and the site it is for (null: every site)."""
    key = moderator()
    site = site_by_id(db.session, key.site_id)
    return {"role": key.role, "site": site.key if site else None, "actor": key.actor}


# --- comments -----------------------------------------------------------------------------------

@blp.route("/comments", methods=["GET"])
@blp.arguments(QueueQuery, location="query", error_status_code=400)
@blp.response(200, QueueOut)
def list_queue(args: dict) -> dict:
    """A moderation queue (pending, flagged, approved, rejected, spam, deleted), with filters."""
    wanted = queues.QueueFilter(status=args["status"], article=args["article"],
                                author=args["author"], text=args["q"])
    items, next_cursor = queues.queue(db.session, moderator(), args["site"], wanted,
                                      limit=args["limit"], cursor=args["cursor"])
    return {"comments": items, "next_cursor": next_cursor}


def _moderated(ids: list[int], action: str, reason: str) -> dict:
    comments = moderation.moderate(db.session, service_config(), moderator(), ids, action,
                                   reason)
    return {"comments": queues.with_context(db.session, comments), "next_cursor": None}


@blp.route("/comments/<id:comment_id>/moderate", methods=["POST"])
@blp.arguments(ModerateIn)
@blp.response(200, QueueOut)
def moderate_one(data: dict, comment_id: int) -> dict:
    """approve, reject, spam, delete, pin or unpin one comment (at most 10 pins a thread)."""
    return _moderated([comment_id], data["action"], data["reason"])


@blp.route("/comments/moderate", methods=["POST"])
@blp.arguments(BulkModerateIn)
@blp.response(200, QueueOut)
def moderate_many(data: dict) -> dict:
    """The same action on up to 500 comments, in one transaction."""
    return _moderated(data["ids"], data["action"], data["reason"])


@blp.route("/articles", methods=["GET"])
@blp.arguments(ArticleQuery, location="query", error_status_code=400)
@blp.response(200, ArticleSettingsOut)
def get_thread_settings(query: dict) -> Any:
    """Whether a thread is closed or premoderated (an article without comments is neither)."""
    return queues.thread_settings(db.session, moderator(), query["site"], query["article"])


@blp.route("/articles", methods=["PATCH"])
@blp.arguments(ArticleQuery, location="query", error_status_code=400)
@blp.arguments(ThreadSettingsIn)
@blp.response(200, ArticleSettingsOut)
def thread_settings(query: dict, data: dict) -> Any:
    """Close a thread (new comments get 409) or premoderate it (new comments are held)."""
    return moderation.set_thread(db.session, service_config(), moderator(), query["site"],
                                 query["article"], **data)


# --- bans ---------------------------------------------------------------------------------------

@blp.route("/bans", methods=["GET"])
@blp.arguments(SiteQuery, location="query", error_status_code=400)
@blp.response(200, BansOut)
def list_bans(args: dict) -> dict:
    """The bans of a site, newest first (expired ones included, with their expiry)."""
    bans, next_cursor = queues.ban_list(db.session, moderator(), args["site"],
                                        limit=args["limit"], cursor=args["cursor"])
    return {"bans": bans, "next_cursor": next_cursor}


@blp.route("/bans", methods=["POST"])
@blp.arguments(BanIn)
@blp.response(201, BansOut)
def create_ban(data: dict) -> dict:
    """Ban the author of a comment (`comment_id` + `by`) or a known reader id, e-mail or IP."""
    options = {"reason": data["reason"], "expires_at": data["expires_at"],
               "reject_comments": data["reject_comments"]}
    config = service_config()
    if data["comment_id"] is not None:
        bans = moderation.ban_author(db.session, config, moderator(), data["site"],
                                     data["comment_id"], data["by"], **options)
    else:
        kind = next(k for k in ("reader", "email", "ip") if data[k] is not None)
        bans = [moderation.ban_value(db.session, config, moderator(), data["site"], kind,
                                     str(data[kind]), **options)]
    return {"bans": bans}


@blp.route("/bans/<id:ban_id>", methods=["DELETE"])
@blp.response(204)
def delete_ban(ban_id: int) -> None:
    """Lift a ban."""
    moderation.lift_ban(db.session, service_config(), moderator(), ban_id)


# --- audit --------------------------------------------------------------------------------------

@blp.route("/audit", methods=["GET"])
@blp.arguments(AuditQuery, location="query", error_status_code=400)
@blp.response(200, AuditPageOut)
def audit_log(args: dict) -> dict:
    """Who did what, when and why: moderators and the automatic rules, newest first.

    Without `site`: what concerns no one site (keys for all sites), for all-sites keys."""
    entries, next_cursor = queues.audit_log(db.session, moderator(), args["site"],
                                            limit=args["limit"], cursor=args["cursor"])
    return {"entries": entries, "next_cursor": next_cursor}


# --- sites and keys (admin role) ----------------------------------------------------------------

@blp.route("/sites", methods=["GET"])
@blp.response(200, SitesOut)
@admin_only
def list_sites() -> dict:
    """The sites this key may administer."""
    query = select(Site).order_by(Site.key)
    if moderator().site_id is not None:
        query = query.where(Site.id == moderator().site_id)
    return {"sites": db.session.scalars(query).all()}


@blp.route("/sites", methods=["POST"])
@blp.arguments(SiteIn)
@blp.response(201, SiteOut)
@admin_only
def add_site(data: dict) -> Site:
    """A new site (tenant); needs an admin key for all sites."""
    if moderator().site_id is not None:
        raise Forbidden("only an admin key for all sites can add sites", code="wrong_site")
    site = create_site(db.session, data["key"], name=data["name"],
                       origins=data["allowed_origins"], settings=data["settings"],
                       actor=moderator().actor, now=service_config().now())
    db.session.commit()
    return site


@blp.route("/sites/<string:site_key>", methods=["PATCH"])
@blp.arguments(SitePatchIn)
@blp.response(200, SiteOut)
@admin_only
def change_site(data: dict, site_key: str) -> Site:
    """Change a site's name, allowed origins or settings (settings merge; null sets one back to
    the service default)."""
    site = _administered_site(site_key)
    update_site(db.session, site, name=data.get("name"), origins=data.get("allowed_origins"),
                settings=data.get("settings"), actor=moderator().actor,
                now=service_config().now())
    db.session.commit()
    return site


@blp.route("/sites/<string:site_key>/keys", methods=["POST"])
@blp.arguments(KeyIn)
@blp.response(201, NewKeyOut)
@admin_only
def add_key(data: dict, site_key: str) -> ApiKey:
    """A new API key for this site; the key is in this answer only."""
    site = _administered_site(site_key)
    config = service_config()
    name = data["name"] if data["name"] is not None else data["label"] or ""
    key, raw = keys.create_key(db.session, config.secret_key, site, data["role"], name,
                               config.now(), actor=moderator().actor)
    db.session.commit()
    key.raw = raw
    return key


@blp.route("/sites/<string:site_key>/keys", methods=["GET"])
@blp.response(200, KeysOut)
@admin_only
def list_site_keys(site_key: str) -> dict:
    """This site's keys, newest first, revoked ones included; never the keys themselves."""
    site = _administered_site(site_key)
    return {"keys": keys.listed(db.session, moderator(), site)}


@blp.route("/keys", methods=["GET"])
@blp.response(200, KeysOut)
@admin_only
def list_keys() -> dict:
    """Every key this admin key manages: its site's, or all of them (all-sites keys too)."""
    return {"keys": keys.listed(db.session, moderator())}


@blp.route("/keys/<id:key_id>", methods=["DELETE"])
@blp.response(204)
@admin_only
def revoke_key(key_id: int) -> None:
    """Revoke a key at once (again: no change). A key cannot revoke itself (409 own_key)."""
    key = keys.get_key(db.session, moderator(), key_id)
    keys.revoke(db.session, moderator(), key, service_config().now())
    db.session.commit()


@blp.route("/keys/<id:key_id>/rotate", methods=["POST"])
@blp.response(201, NewKeyOut)
@admin_only
def rotate_key(key_id: int) -> ApiKey:
    """A new key with the same site, role and name, shown once; the old one stops working."""
    config = service_config()
    key = keys.get_key(db.session, moderator(), key_id)
    new, raw = keys.rotate(db.session, config.secret_key, moderator().actor, key, config.now())
    db.session.commit()
    new.raw, new.replaces = raw, key_id
    return new


def _administered_site(site_key: str) -> Site:
    site = get_site(db.session, site_key)
    moderator().require(site.id, role="admin")
    return site
