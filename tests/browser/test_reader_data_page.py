"""The moderator page's readers' data view and hard delete, driven as an admin would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.moderator_support import (
    ARTICLE,
    comment,
    make_key,
    post_comment,
    queue,
    sign_in,
    status,
)
from tests.browser.test_moderator_page import AXE, RUN_AXE

pytestmark = pytest.mark.browser


def readers_data(page):
    page.get_by_role("button", name="Readers' data").click()
    expect(status(page)).to_contain_text("Readers' data and the export of default.")
    return page.get_by_role("form", name="Find a reader")


def thread_text(server):
    answer = server.app.test_client().get(
        "/api/v1/comments", query_string={"site": "default", "article": ARTICLE})
    return answer.get_data(as_text=True)


def reply(server, parent_id, body, reader):
    answer = server.app.test_client().post(
        "/api/v1/comments", headers={"X-Reader-Token": reader},
        json={"site": "default", "article": ARTICLE, "body": body, "parent_id": parent_id})
    assert answer.status_code == 201, answer.json


def test_an_admin_erases_a_readers_comments_after_confirming(page, server):
    first = post_comment(server, "Ada's private thoughts", reader="ada-reader-token").json["id"]
    post_comment(server, "Bob answers Ada", reader="bob-reader-token", name="Bob")
    post_comment(server, "Ada once more", reader="ada-reader-token")
    reply(server, first, "Cy replies to Ada", reader="cy-reader-token-")
    sign_in(page, server, make_key(server, "admin"))
    form = readers_data(page)
    form.get_by_label("Find by").select_option(label="Comment id")
    form.get_by_label("Value").fill(str(first))

    form.get_by_role("button", name="Erase…").click()
    dialog = page.get_by_role("dialog", name="Erase this reader's data?")
    expect(dialog).to_contain_text("This removes 2 comments, 0 votes and 0 reports on default")
    dialog.get_by_role("button", name="Cancel").click()
    expect(status(page)).to_have_text("Nothing was erased.")
    assert "Ada's private thoughts" in thread_text(server)

    form.get_by_role("button", name="Erase…").click()
    dialog.get_by_role("button", name="Erase", exact=True).click()
    expect(status(page)).to_have_text(
        'Erased 2 comments (1 kept as "[deleted]" above replies), 0 votes and 0 reports.')
    text = thread_text(server)
    assert "Ada's private thoughts" not in text and "Ada once more" not in text
    assert "Cy replies to Ada" in text and "Bob answers Ada" in text


def test_an_admin_downloads_a_readers_data_as_json(page, server):
    mine = post_comment(server, "Export me", reader="ada-reader-token").json["id"]
    sign_in(page, server, make_key(server, "admin"))
    form = readers_data(page)
    form.get_by_label("Value").fill(str(mine))
    with page.expect_download() as info:
        form.get_by_role("button", name="Export").click()
    document = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert [c["body"] for c in document["comments"]] == ["Export me"]
    expect(status(page)).to_have_text(
        "Exported 1 comment, 0 votes and 0 reports of this reader on default.")


def test_the_site_export_button_downloads_the_export_route_with_the_key(page, server):
    key = make_key(server, "admin")
    seen = []

    def answer(route):
        seen.append(route.request.headers.get("authorization"))
        route.fulfill(status=200, content_type="application/x-ndjson",
                      body='{"type": "site", "key": "default"}\n')

    page.route("**/api/v1/admin/sites/default/export", answer)
    sign_in(page, server, key)
    readers_data(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the site's export").click()
    assert info.value.suggested_filename == "default.jsonl"
    assert seen == [f"Bearer {key}"]
    expect(status(page)).to_have_text("Downloaded the export of default.")


def test_a_moderator_key_sees_no_readers_data_view(page, server):
    sign_in(page, server, make_key(server))
    expect(page.get_by_role("button", name="Audit log")).to_be_visible()
    expect(page.get_by_role("button", name="Readers' data")).to_be_hidden()


def test_a_moderator_erases_one_comment_for_good_after_confirming(page, server):
    gone = post_comment(server, "Please take this down", reader="ada-reader-token").json["id"]
    sign_in(page, server, make_key(server))
    queue(page, "Approved")
    comment(page, "Please take this down").get_by_role("button", name="Erase for good…").click()
    dialog = page.get_by_role("dialog", name=f"Erase comment {gone} for good?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Erase", exact=True).click()
    expect(status(page)).to_have_text(f"Comment {gone} erased for good.")
    expect(comment(page, "Please take this down")).to_have_count(0)
    assert "Please take this down" not in thread_text(server)


def test_the_readers_data_view_and_its_dialog_have_no_serious_accessibility_violations(
        new_page, server):
    mine = post_comment(server, "Check me", reader="ada-reader-token").json["id"]
    page = sign_in(new_page(bypass_csp=True), server, make_key(server, "admin"))
    page.add_script_tag(content=AXE)
    form = readers_data(page)
    assert page.evaluate(RUN_AXE) == []
    form.get_by_label("Value").fill(str(mine))
    form.get_by_role("button", name="Erase…").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert page.evaluate(RUN_AXE) == []
