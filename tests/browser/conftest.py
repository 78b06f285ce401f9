"""A live server on a random local port and Debian's Chromium driven by Playwright.

The app is served by werkzeug in a thread for the whole browser session; every test starts
from a clean database and fresh rate-limit counters, and each gets its own browser context
(so its own localStorage: a new reader). Host pages of "other publishers" are answered by
Playwright itself on http://localhost, so the widget is embedded cross-origin there.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import sync_playwright
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from commentsvc import create_app
from commentsvc.api.page_cache import PageCache
from commentsvc.extensions import db, limiter
from commentsvc.web.demo import seed_demo
from tests.browser.support import PUBLISHER
from tests.conftest import app_config, reset_database

CHROMIUM = os.environ.get("COMMENTSVC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# Each context is a new reader; a few posts per test are allowed, the fourth in a minute is not.
POSTS_PER_READER = 3


@dataclass
class OffsetClock:
    """Real time, shifted on demand: edit windows can close without waiting."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


class QuietHandler(WSGIRequestHandler):
    """No access log: a test run makes thousands of requests; failures show what matters."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class LiveServer:
    url: str
    app: Flask
    clock: OffsetClock


# Per module: the limiter is one object that every new app re-configures, so the live app is
# built again after any other tests that ran in between.
@pytest.fixture(scope="module")
def live_server(database_url: str, migrated: dict) -> Iterator[LiveServer]:
    clock = OffsetClock()
    app = create_app(app_config(
        database_url,
        COMMENTSVC_CLOCK=clock,
        RATELIMIT_ENABLED=True,
        COMMENTSVC_RATELIMIT_POST_READER=f"{POSTS_PER_READER}/minute",
        COMMENTSVC_RATELIMIT_POST_IP="10000/minute",
        COMMENTSVC_RATELIMIT_READ_IP="100000/minute",
    ))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, clock)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def server(live_server: LiveServer, migrated: dict) -> LiveServer:
    """The live server with an empty database, fresh limits and the real time."""
    with live_server.app.app_context():
        reset_database(migrated)
        limiter.reset()
    fresh_page_cache(live_server.app)
    live_server.clock.offset = timedelta()
    return live_server


@pytest.fixture(scope="module")
def demo_rows(live_server: LiveServer, migrated: dict) -> dict[str, list[dict[str, Any]]]:
    """Every row after `seed-demo`, taken once: putting rows back is quicker than posting."""
    with live_server.app.app_context():
        reset_database(migrated)
        seed_demo(db.session, live_server.app.extensions["commentsvc"])
        return {table.name: [dict(row._mapping) for row in db.session.execute(select(table))]
                for table in db.metadata.sorted_tables}


@pytest.fixture
def seeded(server: LiveServer, demo_rows: dict) -> LiveServer:
    """The live server with the demo's busy thread."""
    with server.app.app_context():
        reset_database(demo_rows)
    fresh_page_cache(server.app)
    return server


def fresh_page_cache(app: Flask) -> None:
    """Cached pages (and parsed site settings) are keyed by ids and versions, which start
    again in a new database."""
    app.extensions["commentsvc_pages"] = PageCache(app.config["COMMENTSVC_PAGE_CACHE_ENTRIES"])
    app.extensions["commentsvc"].settings_cache.clear()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (CI installs Debian's chromium package)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Watch:
    """What a page did that it must not: dialogs, script errors, requests to other hosts."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def new_page(browser: Any, server: LiveServer) -> Iterator[Callable[..., Any]]:
    """Open pages in fresh browser contexts (each one a new reader) and check them afterwards."""
    contexts: list[Any] = []
    watch = Watch()
    allowed = {urlsplit(server.url).netloc, urlsplit(PUBLISHER).netloc}

    def on_request(request: Any) -> None:
        watch.requests.append(f"{request.method} {request.url}")
        parts = urlsplit(request.url)
        if parts.scheme in {"http", "https"} and parts.netloc not in allowed:
            watch.foreign.append(request.url)

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    def open_page(**options: Any) -> Any:
        options.setdefault("viewport", {"width": 1200, "height": 900})
        options.setdefault("locale", "en-GB")
        context = browser.new_context(**options)
        context.grant_permissions(["local-network-access"])
        context.set_default_timeout(5000)
        contexts.append(context)
        page = context.new_page()
        page.watch = watch
        page.on("request", on_request)
        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: watch.errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert watch.dialogs == [], "a page opened a dialog"
    assert watch.errors == [], "a page threw a script error"
    assert watch.foreign == [], "a page made a request to another host"


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()
