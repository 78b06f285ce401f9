"""The moderator page at /admin, driven as a moderator would: keys, queues, keyboard, bans."""

from __future__ import annotations

import os
import re
import shutil
from importlib.resources import files

import pytest
from playwright.sync_api import expect

from tests.browser.moderator_support import (
    ARTICLE,
    add_comments,
    add_site,
    comment,
    comments,
    hold_everything,
    make_key,
    open_page,
    post_comment,
    queue,
    report,
    sign_in,
    status,
)
from tests.browser.support import ARTIFACTS, HOME, loaded
from tests.conftest import ROOT

pytestmark = pytest.mark.browser


def test_a_wrong_key_shows_the_apis_message(page, server):
    open_page(page, server)
    page.get_by_label("API key").fill("csk_not-a-real-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("this API key is not valid")
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()


def test_the_key_stays_in_this_tab_only_until_signing_out(page, server):
    key = make_key(server)
    sign_in(page, server, key)
    assert key not in page.url
    assert page.evaluate("Object.values(sessionStorage)").count(key) == 1
    assert page.evaluate("Object.values(localStorage)").count(key) == 0
    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_visible()
    assert page.evaluate("Object.values(sessionStorage)").count(key) == 0
    expect(comments(page)).to_have_count(0)


def test_an_admin_key_picks_among_its_sites_and_an_all_sites_moderator_types_one(new_page,
                                                                                server):
    add_site(server, "other")
    post_comment(server, "On the other site", site="other")
    page = sign_in(new_page(), server, make_key(server, "admin", site=None))
    picker = page.get_by_role("combobox", name="Site")
    expect(picker.locator("option")).to_have_text(["default", "other"])
    expect(picker).to_have_value("default")
    picker.select_option("other")
    queue(page, "Approved")
    expect(comment(page, "On the other site")).to_have_count(1)

    # A moderator key may not list sites: for all sites, it types the one to work on.
    moderator = sign_in(new_page(), server, make_key(server, site=None))
    expect(moderator.get_by_role("textbox", name="Site")).to_have_value("default")


def test_a_held_comment_shows_its_rule_and_the_keyboard_approves_it_into_the_widget(
        new_page, server):
    hold_everything(server)
    held = post_comment(server, "Wait for the moderator, please", name="Grace")
    assert held.status_code == 202
    page = sign_in(new_page(), server, make_key(server))
    row = comment(page, "Wait for the moderator, please")
    expect(row).to_contain_text("Rule: site moderation mode is 'pre'")
    expect(row).to_contain_text("Grace")
    expect(row.get_by_role("button", name=ARTICLE)).to_be_visible()
    page.keyboard.press("j")
    expect(row).to_be_focused()
    page.keyboard.press("a")
    expect(status(page)).to_have_text(f"Comment {held.json['id']} approved.")
    expect(row).to_have_count(0)

    reader = new_page()
    reader.goto(server.url + HOME)
    expect(loaded(reader).locator("article", has_text="Wait for the moderator, please")
           ).to_be_visible()


def test_filters_narrow_the_queue_by_article_author_and_text(page, server):
    add_comments(server, ["About the library", "About the harbour"])
    add_comments(server, ["About the library, elsewhere"], article="other-story")
    sign_in(page, server, make_key(server))
    queue(page, "Approved")
    expect(comments(page)).to_have_count(3)
    filters = page.get_by_role("search", name="Filter comments")
    filters.get_by_label("Text").fill("library")
    filters.get_by_label("Article").fill(ARTICLE)
    filters.get_by_role("button", name="Filter").click()
    expect(comments(page)).to_have_text([re.compile("About the library")])
    filters.get_by_role("button", name="Clear").click()
    expect(comments(page)).to_have_count(3)
    comments(page).filter(has_text="About the harbour").get_by_role(
        "button", name=re.compile("Show comments by reader")).click()
    expect(comments(page)).to_have_count(1)
    expect(comments(page)).to_contain_text("About the harbour")


def test_load_more_pages_through_a_long_queue(page, server):
    add_comments(server, [f"Comment {n} of many" for n in range(52)])
    sign_in(page, server, make_key(server))
    queue(page, "Approved")
    expect(comments(page)).to_have_count(50)
    page.get_by_role("button", name="Load more").click()
    expect(comments(page)).to_have_count(52)
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()


def test_select_all_and_reject_rejects_every_comment_in_the_queue(page, server):
    hold_everything(server)
    for n in range(3):
        post_comment(server, f"Held comment number {n}")
    sign_in(page, server, make_key(server))
    expect(comments(page)).to_have_count(3)
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.get_by_text("1 selected")).to_be_visible()
    page.get_by_label("Select all").check()
    expect(page.get_by_text("3 selected")).to_be_visible()
    page.get_by_label("Reason for the next action").fill("off topic")
    page.get_by_role("button", name="Reject selected").click()
    expect(status(page)).to_have_text("3 comments rejected.")
    expect(comments(page)).to_have_count(0)
    queue(page, "Rejected")
    expect(comments(page)).to_have_count(3)
    expect(comments(page).first).to_contain_text("off topic")


def test_banning_the_author_lists_the_ban_and_refuses_their_next_post(page, server):
    troll = post_comment(server, "Trolling the thread", reader="troll-reader-token").json["id"]
    post_comment(server, "A fair point")
    sign_in(page, server, make_key(server))
    queue(page, "Approved")
    comment(page, "Trolling the thread").get_by_role("button", name="Ban author…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Ban the author of comment {troll}")
    dialog.get_by_label("Reason").fill("trolling")
    dialog.get_by_label("For").select_option(label="1 week")
    dialog.get_by_label("Also reject their earlier comments").check()
    dialog.get_by_role("button", name="Ban", exact=True).click()
    expect(status(page)).to_have_text(
        f"The author of comment {troll} is banned by reader; their comments were rejected.")
    expect(comment(page, "Trolling the thread")).to_have_count(0)
    expect(comment(page, "A fair point")).to_have_count(1)

    refused = post_comment(server, "Back again", reader="troll-reader-token")
    assert refused.status_code == 403
    assert "trolling" in refused.json["error"]["message"]

    page.get_by_role("button", name="Bans").click()
    bans = page.locator("#bans tr")
    expect(bans).to_have_count(1)
    expect(bans).to_contain_text("trolling")
    bans.get_by_role("button", name="Lift").click()
    expect(bans).to_have_count(0)
    assert post_comment(server, "Back again, nicer", reader="troll-reader-token").status_code == 201


def test_closing_a_thread_refuses_new_comments_and_the_audit_log_lists_every_action(
        page, server):
    post_comment(server, "Before the thread closed")
    sign_in(page, server, make_key(server))
    queue(page, "Approved")
    row = comment(page, "Before the thread closed")
    page.get_by_label("Reason for the next action").fill("rude")
    row.get_by_role("button", name="Reject").click()
    expect(status(page)).to_contain_text("rejected.")
    queue(page, "Rejected")
    row.get_by_role("button", name=ARTICLE).click()
    expect(page.get_by_label("Article id")).to_have_value(ARTICLE)
    page.get_by_role("button", name="Close thread").click()
    expect(page.locator("#thread-result")).to_have_text(
        f"{ARTICLE}: closed, not premoderated, 0 published comments.")
    assert post_comment(server, "After the thread closed").status_code == 409

    page.get_by_role("button", name="Audit log").click()
    entries = page.locator("#audit tr")
    # The third: making the moderator's key (by the CLI's hand here) is audited too.
    expect(entries).to_have_count(3)
    expect(entries.nth(2)).to_contain_text("key_created")
    expect(entries.nth(0)).to_contain_text("thread_settings")
    expect(entries.nth(0)).to_contain_text("closed: true")
    expect(entries.nth(1)).to_contain_text("reject")
    expect(entries.nth(1)).to_contain_text("approved → rejected")
    expect(entries.nth(1)).to_contain_text("rude")


def test_the_question_mark_shows_the_shortcuts(page, server):
    sign_in(page, server, make_key(server))
    page.keyboard.press("?")
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(shortcuts).to_be_visible()
    expect(shortcuts).to_contain_text("approve the selected comment")
    page.keyboard.press("?")
    expect(shortcuts).to_be_hidden()


AXE = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.filter((v) => ['serious', 'critical'].includes(v.impact))
        .map((v) => ({id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target)}));
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_queue_and_the_ban_dialog_have_no_serious_accessibility_violations(
        new_page, server, scheme):
    hold_everything(server)
    post_comment(server, "Hold me", name="Grace")
    # The page forbids inline scripts; axe is injected as one.
    page = sign_in(new_page(color_scheme=scheme, bypass_csp=True), server, make_key(server))
    page.add_script_tag(content=AXE)
    expect(comments(page)).to_have_count(1)
    page.keyboard.press("j")
    assert page.evaluate(RUN_AXE) == []
    comment(page, "Hold me").get_by_role("button", name="Ban author…").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert page.evaluate(RUN_AXE) == []


def test_a_screenshot_of_a_busy_queue(new_page, server):
    """tests/artifacts/moderator.png after every run; COMMENTSVC_UPDATE_DOCS=1 refreshes
    docs/moderator.png, the one in the README."""
    flagged = post_comment(server, "The librarians are all lazy and should be sacked",
                           name="Grumpy").json["id"]
    report(server, flagged, "abuse", "insulting the staff")
    report(server, flagged, "off_topic")
    report(server, flagged, "other", "not what the article is about")
    post_comment(server, "Cheap watches at http://a.example http://b.example "
                 "http://c.example http://d.example", name="Deals")
    hold_everything(server)
    post_comment(server, "Is the reading room open **on Sundays**? I would love to visit "
                 "with my grandchildren.", name="Ingrid")
    page = sign_in(new_page(viewport={"width": 1280, "height": 900}), server, make_key(server))
    expect(comments(page)).to_have_count(3)
    page.keyboard.press("j")
    page.keyboard.press("x")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "moderator.png", full_page=True)
    assert (ARTIFACTS / "moderator.png").stat().st_size > 10_000
    if os.environ.get("COMMENTSVC_UPDATE_DOCS") == "1":
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(ARTIFACTS / "moderator.png", ROOT / "docs" / "moderator.png")
