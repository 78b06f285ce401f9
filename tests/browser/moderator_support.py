"""Helpers for the moderator page tests: keys, comments posted through the API, signing in.

Comments are posted with the live app's test client (same database, same limits as the browser
sees), each as a reader of its own so per-reader limits never get in the way.
"""

from __future__ import annotations

import itertools
from typing import Any

from playwright.sync_api import Locator, Page, expect

from commentsvc import posting
from commentsvc.extensions import db
from commentsvc.identity import Reader
from commentsvc.keys import create_key
from commentsvc.sites import create_site, get_site
from commentsvc.web.demo import HOME_SLUG

ADMIN_PAGE = "/admin"
ARTICLE = HOME_SLUG  # the article under the demo page at "/"

_readers = itertools.count(1)


def make_key(server: Any, role: str = "moderator", site: str | None = "default") -> str:
    """A new API key for a site (None: every site); returns its secret value."""
    with server.app.app_context():
        config = server.app.extensions["commentsvc"]
        target = get_site(db.session, site) if site else None
        raw = create_key(db.session, config.secret_key, target, role, "", config.now())[1]
        db.session.commit()
    return raw


def add_site(server: Any, key: str) -> None:
    with server.app.app_context():
        create_site(db.session, key)
        db.session.commit()


def post_comment(server: Any, body: str, *, reader: str | None = None, name: str = "Ada",
                 article: str = ARTICLE, site: str = "default") -> Any:
    """Post as a reader through the public API; answers the test client's response."""
    token = reader or f"moderator-test-reader-{next(_readers)}"
    return server.app.test_client().post(
        "/api/v1/comments", headers={"X-Reader-Token": token},
        json={"site": site, "article": article, "body": body, "author_name": name})


def add_comments(server: Any, bodies: list[str], *, article: str = ARTICLE) -> None:
    """Many comments straight through the domain: quicker than posting them over HTTP."""
    config = server.app.extensions["commentsvc"]
    with server.app.app_context():
        for n, body in enumerate(bodies):
            posting.create(db.session, config, Reader(key=f"bulk-reader-{n}"),
                           posting.NewComment(site="default", article=article, body=body,
                                              author_name=f"Reader {n}"))


def report(server: Any, comment_id: int, reason: str, note: str = "") -> None:
    n = next(_readers)
    response = server.app.test_client().post(
        f"/api/v1/comments/{comment_id}/flag", json={"reason": reason, "note": note},
        headers={"X-Reader-Token": f"moderator-test-flagger-{n}"},
        # Reports hide a comment only from distinct addresses: each reporter gets its own.
        environ_base={"REMOTE_ADDR": f"192.0.2.{n % 250 + 1}"})
    assert response.status_code < 300, response.json


def admin_api(server: Any, key: str, method: str, path: str, **request: Any) -> Any:
    return getattr(server.app.test_client(), method)(
        f"/api/v1/admin{path}", headers={"Authorization": f"Bearer {key}"}, **request)


def hold_everything(server: Any) -> None:
    """Put the default site in 'pre' mode through the admin API, as an admin would."""
    answer = admin_api(server, make_key(server, "admin"), "patch", "/sites/default",
                       json={"settings": {"moderation": "pre"}})
    assert answer.status_code == 200, answer.json


def open_page(page: Page, server: Any) -> Page:
    page.goto(server.url + ADMIN_PAGE)
    return page


def sign_in(page: Page, server: Any, key: str) -> Page:
    """Open the moderator page and sign in; returns once the first queue has loaded."""
    open_page(page, server)
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(status(page)).to_contain_text("Pending:")
    return page


def status(page: Page) -> Locator:
    """The aria-live region that announces what happened."""
    return page.get_by_role("status")


def comments(page: Page) -> Locator:
    return page.locator("#comments > li")


def comment(page: Page, text: str) -> Locator:
    return comments(page).filter(has_text=text)


def queue(page: Page, name: str) -> None:
    page.get_by_role("group", name="Queue").get_by_role("button", name=name, exact=True).click()
    expect(status(page)).to_contain_text(f"{name}:")
