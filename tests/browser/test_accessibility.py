"""axe-core (vendored by the axe-playwright-python package) on the demo pages, both themes."""

from __future__ import annotations

from importlib.resources import files

import pytest
from playwright.sync_api import expect

from tests.browser.moderator_support import admin_api, make_key
from tests.browser.support import BUSY, HOME, loaded, post

pytestmark = pytest.mark.browser

AXE = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                          nodes: v.nodes.map((n) => n.target)}));
}"""


def serious_violations(page) -> list[dict]:
    page.add_script_tag(content=AXE)
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in {"serious", "critical"}]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_busy_thread_with_open_forms_has_no_serious_accessibility_violations(
        new_page, seeded, scheme):
    # The demo pages forbid inline scripts; axe is injected as one.
    page = new_page(color_scheme=scheme, bypass_csp=True)
    page.goto(seeded.url + BUSY)
    first = loaded(page).locator(".list > article").first
    pinned = admin_api(seeded, make_key(seeded), "post",
                       f"/comments/{first.get_attribute('data-comment-id')}/moderate",
                       json={"action": "pin"})
    assert pinned.status_code == 200, pinned.json
    page.reload()
    root = loaded(page)
    expect(root.locator(".pin")).to_have_count(1)
    root.get_by_role("button", name="Upvote").first.click()
    expect(root.locator(".vote[aria-pressed=true]")).to_have_count(1)
    root.get_by_role("button", name="Report", exact=True).nth(1).click()
    expect(root.locator("form[data-kind=report]")).to_be_visible()
    mine = post(root, "A comment of my own, with **Edit** and **Delete** buttons")
    mine.locator(".reply").click()
    reply_form = mine.locator("form[data-kind=reply]")
    reply_form.locator("button[type=submit]").click()
    expect(reply_form.get_by_text("Write something first.")).to_be_visible()
    root.locator(".list > article .reply").first.click()
    assert serious_violations(page) == []


def test_the_empty_demo_page_has_no_serious_accessibility_violations(new_page, server):
    page = new_page(bypass_csp=True)
    page.goto(server.url + HOME)
    expect(loaded(page).locator("h2 .count")).to_have_text("Leave the first comment")
    expect(page.locator("aside [data-commentsvc-count]").first).not_to_have_text("Comments")
    assert serious_violations(page) == []
