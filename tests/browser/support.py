"""Helpers for the browser tests: host pages, the widget's parts, posting through the UI."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Locator, Page, expect

from commentsvc.rules import MIN_FORM_SECONDS
from tests.conftest import ROOT

# Another origin than the service's. Chromium lets a page reach a loopback service only from a
# secure context (localhost is one) and with the local-network-access permission.
PUBLISHER = "http://localhost"
ARTIFACTS = ROOT / "tests" / "artifacts"
HOME = "/"
BUSY = "/articles/demo-high-street-pedestrian"


def publisher_page(page: Page, server: Any, body: str, *, path: str = "/article",
                   head: str = "", lang: str = "en") -> Page:
    """Serve a publisher's page on another origin; {API} in it is the comment service."""
    url = PUBLISHER + path
    html = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>A publisher's article</title>{head}</head><body>{body}</body></html>")
    html = html.replace("{API}", server.url)
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(url)
    return page


def embed(article: str, *, site: str = "default", extra: str = "") -> str:
    """The publisher's snippet, as API.md shows it."""
    return (f'<div id="commentsvc" data-site="{site}" data-article="{article}" {extra}></div>'
            '<script src="{API}/static/widget.js" async></script>')


def widget(page: Page) -> Locator:
    """The widget's host; Playwright's CSS locators pierce its open shadow root."""
    return page.locator("#commentsvc")


def loaded(page: Page) -> Locator:
    """The widget once its first page of comments has arrived."""
    root = widget(page)
    expect(root.locator("form[data-kind=new]")).to_be_visible()
    expect(root.locator(".list")).not_to_have_attribute("aria-busy", "true")
    form_shown(page)
    return root


def form_shown(page: Page) -> float:
    """When (time.monotonic) the widget's form on this document was shown, at the latest."""
    document = page.evaluate("performance.timeOrigin")
    return page.__dict__.setdefault("forms_shown", {}).setdefault(document, time.monotonic())


def wait_like_a_person(page: Page, shown: float) -> None:
    """Let a form be on screen for as long as a person needs before it is sent.

    The service stores a comment sent less than 2 s after its form was shown as spam (and answers
    as if it were held): only a bot is that fast. The widget sends the real time it measured, and
    a test types faster than anyone, so it waits out the rest of those 2 s of real time here.
    """
    left = shown + MIN_FORM_SECONDS + 0.2 - time.monotonic()
    if left > 0:
        page.wait_for_timeout(left * 1000)


def compose(root: Locator) -> Locator:
    return root.locator("form[data-kind=new]")


def post(root: Locator, body: str, *, name: str | None = None) -> Locator:
    """Post a top-level comment through the form; return the new comment's article."""
    form = compose(root)
    expect(form).to_be_visible()
    shown = form_shown(root.page)
    form.locator("textarea[name=body]").fill(body)
    if name is not None:
        form.locator("input[name=author_name]").fill(name)
    wait_like_a_person(root.page, shown)
    form.locator("button[type=submit]").click()
    new = root.locator("article:focus")
    expect(new).to_have_count(1)
    return root.locator(f"article[data-comment-id='{new.get_attribute('data-comment-id')}']")


def reply(root: Locator, parent: Locator, body: str) -> Locator:
    parent.locator(":scope > .actions .reply").click()
    shown = time.monotonic()
    form = parent.locator(":scope > .slot form[data-kind=reply]")
    form.locator("textarea[name=body]").fill(body)
    wait_like_a_person(root.page, shown)
    form.locator("button[type=submit]").click()
    new = root.locator("article:focus")
    expect(new).to_have_count(1)
    return root.locator(f"article[data-comment-id='{new.get_attribute('data-comment-id')}']")


def comment_id(locator: Locator) -> int:
    return int(locator.get_attribute("data-comment-id"))
