"""commentsvc: threaded comments for any article on any site."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.engine import make_url
from werkzeug.middleware.proxy_fix import ProxyFix

from commentsvc import webhooks
from commentsvc.api import kept_answers, observability
from commentsvc.api.hooks import add_ratelimit_headers
from commentsvc.api.inputs import register_input_checks
from commentsvc.api.page_cache import PageCache
from commentsvc.config import DEV_SECRET_KEY, check_settings, settings_from_env
from commentsvc.extensions import api as rest_api
from commentsvc.extensions import db, limiter, migrate
from commentsvc.sites import ServiceConfig

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    # /static/ is served by api/static.py: minified, precompressed, with cache headers.
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.config.update(settings_from_env())
    app.config.update(_openapi_settings())
    app.config.update(config or {})
    check_settings(app.config)
    # A server database may restart under us: check each pooled connection before use.
    # extensions.py does it for psycopg (3) without pool_pre_ping's round trip.
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    pre_ping = url.get_backend_name() != "sqlite" and url.get_driver_name() != "psycopg"
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": pre_ping})
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = DEV_SECRET_KEY
    # First: the JSON provider, the id converter, and input checks that run before the limiter.
    register_input_checks(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    kept_answers.init_app(app)
    trust_proxies(app)
    return app


def _openapi_settings() -> dict[str, Any]:
    return {
        "API_TITLE": "commentsvc",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    }


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    observability.init_app(app)
    # Batch mode lets later revisions ALTER tables on SQLite too.
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True,
                     compare_type=True)
    # after_request hooks run in reverse order: this one must see the limiter's headers.
    app.after_request(add_ratelimit_headers)
    limiter.init_app(app)
    rest_api.init_app(app)
    webhooks.init()
    register_live(app)
    app.extensions["commentsvc_pages"] = PageCache(app.config["COMMENTSVC_PAGE_CACHE_ENTRIES"])
    app.extensions["commentsvc"] = ServiceConfig(
        secret_key=app.config["SECRET_KEY"],
        development=app.config["COMMENTSVC_ENV"] == "development",
        edit_window_seconds=app.config["COMMENTSVC_EDIT_WINDOW_SECONDS"],
        display_depth=max(1, app.config["COMMENTSVC_DISPLAY_DEPTH"]),
        clock=app.config.get("COMMENTSVC_CLOCK"),
    )
    from commentsvc.notify import setup as mail_setup

    mail_setup.init_app(app)


def register_live(app: Flask) -> None:
    from commentsvc import events, live

    # The event rows commit with the write; the Redis note goes out only after it did.
    events.listen_in_transaction(live.record)
    url = live.redis_url(app.config)
    if url:
        app.extensions[LIVE_PUBLISHER] = live.publisher_for(url)
    events.listen(publish_live)


LIVE_PUBLISHER = "commentsvc_live_publisher"


def publish_live(event: Any) -> None:
    """After a commit, through the Redis of the app that wrote it: listeners are process-wide,
    and a process that made several apps (tests, tools) must not publish to all their Redis."""
    from flask import current_app, has_app_context

    publish = current_app.extensions.get(LIVE_PUBLISHER) if has_app_context() else None
    if publish is not None:
        publish(event)


def register_blueprints(app: Flask) -> None:
    from commentsvc import web
    from commentsvc.api import (
        admin,
        feeds,
        fragments,  # noqa: F401  (adds /render to the public blueprint)
        health,
        hooks,
        mail_admin,
        portability,
        privacy,
        public,
        static,
    )
    from commentsvc.api import webhooks as webhook_routes  # noqa: F401 (routes on admin.blp)
    from commentsvc.web import mail, moderator, permalinks

    rest_api.register_blueprint(health.blp)
    rest_api.register_blueprint(public.blp)  # with fragments.py's /render on it
    rest_api.register_blueprint(feeds.blp)
    rest_api.register_blueprint(admin.blp)
    rest_api.register_blueprint(privacy.blp)
    rest_api.register_blueprint(portability.blp)
    rest_api.register_blueprint(mail_admin.blp)
    if app.config["COMMENTSVC_DEMO_PAGES"]:
        app.register_blueprint(web.bp)
    app.register_blueprint(moderator.bp)
    app.register_blueprint(mail.bp)
    app.register_blueprint(permalinks.bp)
    static.register(app)
    hooks.register_hooks(app)
    from commentsvc.cli import register_commands

    register_commands(app.cli)


def register_error_handlers(app: Flask) -> None:
    from commentsvc.errors import register_error_handlers as register

    register(app)


def trust_proxies(app: Flask) -> None:
    # X-Forwarded-For is only believed when the operator says how many proxies sit in front.
    hops = app.config["COMMENTSVC_TRUSTED_PROXIES"]
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
