"""The server-rendered thread on the demo article that includes it (GET /api/v1/render).

Without JavaScript it is read and paged through; with JavaScript the widget adopts it without
asking for the thread again and without moving anything; axe finds nothing serious either way.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from commentsvc import posting
from commentsvc.extensions import db
from commentsvc.identity import Reader, keyed_hash
from commentsvc.web.demo import PRERENDERED_SLUG
from tests.browser.support import post, widget
from tests.browser.test_accessibility import serious_violations

pytestmark = pytest.mark.browser

ARTICLE = f"/articles/{PRERENDERED_SLUG}"
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
SHOWN_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$")
SEEDED_TOP_LEVEL = 3  # seed-demo's small thread on this article: 3 top-level, 1 reply

# Every layout shift on the page (the whole page fits in the viewport, so a thread that changed
# height when the widget took over would move what follows it), and the boxes of the thread's
# parts in the last frame drawn before the widget took over. Chromium counts a shift only for a
# node that was there before and after, and the widget replaces the shadow root's nodes: the
# boxes are what shows that its thread lands exactly where the server's was.
WATCH_LAYOUT = """
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    window.__shifts.push({value: e.value, recent: e.hadRecentInput});
  }
}).observe({type: "layout-shift", buffered: true});
window.__boxes = (root) => {
  const box = (el) => {
    const r = el && el.getBoundingClientRect();
    return r && (r.width || r.height) ? [r.x, r.y, r.width, r.height].map(Math.round) : null;
  };
  const parts = {};
  for (const sel of ["h2", "form[data-kind=new]", ".bar", ".list", ".more"]) {
    parts[sel] = box(root.querySelector(sel));
  }
  for (const el of root.querySelectorAll("article[data-comment-id]")) {
    parts["comment " + el.dataset.commentId] = box(el);
    for (const part of [".head", ".body", ".actions", ".kids"]) {
      parts[el.dataset.commentId + part] = box(el.querySelector(":scope > " + part));
    }
  }
  return parts;
};
window.__serverFrames = 0;
// Until the server's thread has been seen whole (its page data comes last: a frame can fall
// while the parser is still inside the shadow root), and then for as long as it stays.
const frame = () => {
  const host = document.getElementById("commentsvc");
  const server = host && host.shadowRoot && host.shadowRoot.querySelector("script.page");
  if (server) { window.__serverFrames++; window.__serverBoxes = window.__boxes(host.shadowRoot); }
  if (server || !window.__serverFrames) requestAnimationFrame(frame);
};
requestAnimationFrame(frame);
"""


def add_top_level(server: Any, count: int) -> None:
    """More top-level comments than one page holds, oldest first after the seeded ones."""
    app = server.app
    config = app.extensions["commentsvc"]
    with app.app_context():
        for n in range(count):
            reader = Reader(key=keyed_hash(config.secret_key, "reader", f"extra{n}"),
                            ip_hash=keyed_hash(config.secret_key, "ip", f"extra{n}"))
            posting.create(db.session, config, reader, posting.NewComment(
                site="default", article=PRERENDERED_SLUG, body=f"Extra comment number {n}.",
                author_name=f"Reader {n}"))
    server.clock.offset = timedelta()


def as_seen_without_javascript(new_page: Any, url: str) -> Any:
    """axe-core needs scripts, and timers do not fire on a page whose scripts are off. So the
    page is read with scripts off, its document (the shadow root included) is written out,
    and axe runs over that copy in a page with scripts on but none of the page's own: the
    <noscript> stylesheet applied, no <script> left to run."""
    off = new_page(java_script_enabled=False)
    off.goto(url)
    expect(widget(off).locator(".list > article")).to_have_count(SEEDED_TOP_LEVEL)
    html = off.evaluate("""() => document.documentElement.getHTML(
        {shadowRoots: [document.getElementById("commentsvc").shadowRoot]})""")
    html = re.sub(r"</?noscript>", "", html)
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.DOTALL)
    copy = new_page(bypass_csp=True)
    copy.route(url, lambda route: route.fulfill(content_type="text/html",
                                                body=f"<!doctype html><html lang=en>{html}"))
    copy.goto(url)
    root = widget(copy)
    expect(root.locator(".list > article")).to_have_count(SEEDED_TOP_LEVEL)
    expect(root.locator(".nojs")).to_be_visible()
    expect(root.locator("form[data-kind=new]")).to_be_hidden()
    return copy


def shown_ids(page: Any) -> list[int]:
    return [int(i) for i in widget(page).locator(".list > article").evaluate_all(
        "els => els.map(e => e.dataset.commentId)")]


def test_without_javascript_the_thread_is_readable_and_paginable(new_page, seeded):
    add_top_level(seeded, 20)  # 23 top-level: a second page
    page = new_page(java_script_enabled=False)
    page.goto(seeded.url + ARTICLE)
    root = widget(page)
    expect(root.locator("h2 .count")).to_have_text("24 comments")
    expect(root.locator(".list > article")).to_have_count(20)
    expect(root.locator(".list > article").first.locator(":scope > .body")).to_contain_text(
        "paddling pool")
    expect(root.locator(".kids article")).to_have_count(1)
    expect(root.locator("time").first).to_have_attribute("datetime", ISO_TIME)
    expect(root.locator("time").first).to_have_text(SHOWN_TIME)
    # No form that cannot work: it says what posting needs, and where the thread lives.
    expect(root.locator("form[data-kind=new]")).to_be_hidden()
    expect(root.get_by_text("Posting a comment needs JavaScript.")).to_be_visible()
    expect(root.get_by_role("button", name="Reply")).to_have_count(0)
    first_page = shown_ids(page)

    root.get_by_role("link", name="Load more comments").click()
    expect(page).to_have_url(re.compile(r"/t/default/.*\?cursor="))
    root = widget(page)
    expect(root.locator(".list > article")).to_have_count(3)
    second_page = shown_ids(page)
    assert not set(first_page) & set(second_page)
    assert first_page + second_page == sorted(first_page + second_page)
    expect(root.get_by_role("link", name="Load more comments")).to_have_count(0)
    page.get_by_role("link", name="Whole discussion").click()
    expect(widget(page).locator(".list > article")).to_have_count(20)


def test_with_javascript_the_widget_adopts_the_thread_without_fetching_it_or_moving_it(
        new_page, seeded):
    page = new_page(viewport={"width": 1200, "height": 3200})
    page.add_init_script(WATCH_LAYOUT)
    # The script arrives well after the server's thread is on screen, as on a slow network
    # (1.5 s: on a busy machine a 0.6 s wait saw no painted frame at all):
    # anything the widget moved when taking over would be a layout shift.
    page.route("**/static/widget.js", lambda route: (time.sleep(1.5), route.continue_()))
    page.goto(seeded.url + ARTICLE)
    root = widget(page)
    # Taken over: the server's page data is gone, the widget's relative times are in.
    expect(root.locator("script.page")).to_have_count(0)
    expect(root.locator(".list > article")).to_have_count(SEEDED_TOP_LEVEL)
    expect(root.locator("time").first).to_have_text(re.compile(r"^\d hours ago$"))
    page.wait_for_load_state("networkidle")
    thread_requests = [r for r in page.watch.requests if "/api/v1/comments?" in r]
    assert thread_requests == []
    assert page.evaluate("window.__serverFrames") > 1
    assert page.evaluate("document.documentElement.scrollHeight") <= 3200
    server_boxes = page.evaluate("window.__serverBoxes")
    widget_boxes = page.evaluate(
        "window.__boxes(document.getElementById('commentsvc').shadowRoot)")
    assert len(server_boxes) > 20
    assert widget_boxes == server_boxes
    assert page.evaluate("window.__shifts") == []

    # Everything works as in a widget that drew the thread itself.
    first = root.locator(".list > article").first
    first.locator(":scope > .actions").get_by_role("button", name="Upvote").click()
    expect(first.locator(":scope > .actions .vote[aria-pressed=true]")).to_have_count(1)
    first.locator(":scope > .actions .reply").click()
    expect(first.locator("form[data-kind=reply]")).to_be_visible()
    mine = post(root, "Posted from the adopted thread")
    expect(mine.locator(".body")).to_have_text("Posted from the adopted thread")
    expect(root.locator("h2 .count")).to_have_text("5 comments")
    root.locator("select").select_option("newest")
    expect(root.locator(".list > article").first).to_contain_text("Posted from the adopted")


def test_a_widget_with_other_options_fetches_its_own_page(new_page, seeded):
    page = new_page()
    page.route("**/articles/*", lambda route: route.fulfill(
        response=route.fetch(), body=route.fetch().text().replace(
            'id="commentsvc"', 'id="commentsvc" data-sort="newest"')))
    page.goto(seeded.url + ARTICLE)
    root = widget(page)
    expect(root.locator("script.page")).to_have_count(0)
    expect(root.locator(".list > article").first).to_contain_text("41 per cent")
    assert [r for r in page.watch.requests if "/api/v1/comments?" in r and "newest" in r]


def test_the_prerendered_article_has_no_serious_accessibility_violations(new_page, seeded):
    page = new_page(bypass_csp=True)
    page.goto(seeded.url + ARTICLE)
    root = widget(page)
    expect(root.locator("script.page")).to_have_count(0)
    expect(root.locator(".list > article")).to_have_count(SEEDED_TOP_LEVEL)
    assert serious_violations(page) == []


def test_the_prerendered_article_without_javascript_has_no_serious_accessibility_violations(
        new_page, seeded):
    page = as_seen_without_javascript(new_page, seeded.url + ARTICLE)
    assert serious_violations(page) == []


def test_the_dark_theme_shows_before_any_script_as_after(new_page, seeded):
    """No flash from light to dark: the server's thread follows prefers-color-scheme itself."""
    colours = "getComputedStyle(document.getElementById('commentsvc').shadowRoot" \
              ".querySelector('.root')).backgroundColor"
    off = new_page(color_scheme="dark", java_script_enabled=False)
    off.goto(seeded.url + ARTICLE)
    expect(widget(off).locator(".list > article")).to_have_count(SEEDED_TOP_LEVEL)
    on = new_page(color_scheme="dark")
    on.goto(seeded.url + ARTICLE)
    expect(widget(on).locator("script.page")).to_have_count(0)
    expect(widget(on).locator(".root.dark")).to_have_count(1)
    assert off.evaluate(colours) == on.evaluate(colours) == "rgb(22, 24, 28)"
