"""Posting, replying, previewing, editing and deleting through the widget."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Article, Comment
from commentsvc.sites import create_site
from tests.browser.moderator_support import admin_api, make_key
from tests.browser.support import (
    HOME,
    PUBLISHER,
    compose,
    embed,
    form_shown,
    loaded,
    post,
    publisher_page,
    reply,
    wait_like_a_person,
    widget,
)

pytestmark = pytest.mark.browser


def test_a_comment_and_a_reply_are_still_there_after_a_reload(page, server):
    page.goto(server.url + HOME)
    root = loaded(page)
    expect(root.locator("h2")).to_contain_text("What is your opinion on this topic?")
    expect(root.locator("h2 .count")).to_have_text("Leave the first comment")

    first = post(root, "First! The reading room sounds **lovely**.", name="Ada")
    expect(first.locator(":scope > .body strong")).to_have_text("lovely")
    expect(first.locator(":scope > .head time")).to_have_text("now")
    expect(first.locator(":scope > .head time")).to_have_attribute("title", re.compile(r"\d{4}"))
    expect(root.locator(".sr[aria-live]")).to_have_text("Your comment was posted.")
    answer = reply(root, first, "Agreed, see you there.")
    expect(root.locator("h2 .count")).to_have_text("2 comments")

    page.reload()
    root = loaded(page)
    expect(root.locator("h2 .count")).to_have_text("2 comments")
    again = root.locator(f"article[data-comment-id='{first.get_attribute('data-comment-id')}']")
    expect(again.locator(":scope > .head .name")).to_have_text("Ada")
    expect(again.locator(".kids article > .body")).to_have_text("Agreed, see you there.")
    expect(again.locator(".kids article")).to_have_attribute(
        "data-comment-id", answer.get_attribute("data-comment-id"))
    expect(compose(root).locator("input[name=author_name]")).to_have_value("Ada")


def test_preview_shows_the_rendered_text_without_posting_it(page, server):
    page.goto(server.url + HOME)
    form = compose(loaded(page))
    form.locator("textarea[name=body]").fill("Some *emphasis* and `code`")
    form.get_by_role("button", name="Preview").click()

    expect(form.locator(".preview em")).to_have_text("emphasis")
    expect(form.locator(".preview code")).to_have_text("code")
    expect(form.get_by_role("button", name="Preview")).to_have_attribute("aria-pressed", "true")
    form.get_by_role("button", name="Preview").click()
    expect(form.locator("textarea[name=body]")).to_have_value("Some *emphasis* and `code`")
    expect(form.locator("textarea[name=body]")).to_be_focused()
    expect(widget(page).locator("article")).to_have_count(0)


@pytest.mark.parametrize(("body", "name", "field", "message"), [
    ("Fine words", "N" * 81, "author_name", "Too long: at most 80 characters."),
    ("x" * 10_001, "", "body", "Too long: at most 10,000 characters."),
])
def test_field_errors_are_shown_beside_the_field_and_the_text_is_kept(
        page, server, body, name, field, message):
    page.goto(server.url + HOME)
    form = compose(loaded(page))
    form.locator("textarea[name=body]").fill(body)
    form.locator("input[name=author_name]").fill(name)
    form.locator("button[type=submit]").click()

    invalid = form.locator(f"[name={field}]")
    expect(invalid).to_have_attribute("aria-invalid", "true")
    expect(invalid).to_be_focused()
    expect(form.locator(".field-err:not(:empty)")).to_have_text(message)
    expect(form.locator(".err[role=alert]")).to_have_text("Please correct the marked field.")
    expect(form.locator("textarea[name=body]")).to_have_value(body)
    expect(widget(page).locator("article")).to_have_count(0)


def test_posting_too_fast_says_when_to_try_again_and_keeps_the_text(page, server):
    page.goto(server.url + HOME)
    root = loaded(page)
    for n in range(3):
        post(root, f"Comment number {n}")
    form = compose(root)
    form.locator("textarea[name=body]").fill("One more thought")
    form.locator("button[type=submit]").click()

    expect(form.locator(".err")).to_have_text(
        re.compile(r"^You are posting too fast, try again in \d+ s\.$"))
    expect(form.locator("textarea[name=body]")).to_have_value("One more thought")
    expect(root.locator("article")).to_have_count(3)


def test_a_thread_closed_meanwhile_says_so_and_keeps_the_text(page, server):
    page.goto(server.url + HOME)
    root = loaded(page)
    post(root, "Before the thread was closed")
    with server.app.app_context():
        db.session.query(Article).update({"closed": True})
        db.session.commit()
    form = compose(root)
    form.locator("textarea[name=body]").fill("After it was closed")
    form.locator("button[type=submit]").click()

    expect(form.locator(".err")).to_have_text("This thread is closed for new comments.")
    expect(form.locator("textarea[name=body]")).to_have_value("After it was closed")
    page.reload()
    expect(widget(page).get_by_text("Comments are closed for this article.")).to_be_visible()
    expect(compose(widget(page))).to_be_hidden()
    expect(widget(page).locator(".reply")).to_have_count(0)


def test_a_network_failure_keeps_the_text(page, server):
    page.goto(server.url + HOME)
    form = compose(loaded(page))
    page.route("**/api/v1/comments", lambda route: route.abort()
               if route.request.method == "POST" else route.continue_())
    form.locator("textarea[name=body]").fill("Typed on a train")
    form.locator("button[type=submit]").click()

    expect(form.locator(".err")).to_contain_text("Could not reach the comment service.")
    expect(form.locator("textarea[name=body]")).to_have_value("Typed on a train")
    expect(form.locator("button[type=submit]")).to_be_enabled()


def test_own_comment_can_be_edited_and_deleted(page, server):
    page.goto(server.url + HOME)
    root = loaded(page)
    mine = post(root, "Teh library is great")
    mine.get_by_role("button", name="Edit").click()
    edit = mine.locator("form[data-kind=edit]")
    expect(edit.locator("textarea[name=body]")).to_have_value("Teh library is great")
    edit.locator("textarea[name=body]").fill("The library is great")
    edit.get_by_role("button", name="Save").click()
    expect(mine.locator(":scope > .body")).to_have_text("The library is great")
    expect(mine.locator(".head")).to_contain_text("edited")
    expect(mine).to_be_focused()

    page.reload()
    root = loaded(page)
    mine = root.locator("article").first
    expect(mine.locator(":scope > .body")).to_have_text("The library is great")
    mine.get_by_role("button", name="Delete").click()
    mine.get_by_role("button", name="Yes, delete").click()
    expect(root.locator("article")).to_have_count(0)
    expect(root.locator("h2 .count")).to_have_text("Leave the first comment")
    page.reload()
    expect(loaded(page).locator("article")).to_have_count(0)


def test_someone_elses_comment_has_no_edit_or_delete(new_page, server):
    author, reader = new_page(), new_page()
    author.goto(server.url + HOME)
    post(loaded(author), "Mine alone")
    reader.goto(server.url + HOME)
    theirs = loaded(reader).locator("article").first
    expect(theirs.get_by_role("button", name="Reply")).to_be_visible()
    expect(theirs.get_by_role("button", name="Edit")).to_have_count(0)
    expect(theirs.get_by_role("button", name="Delete")).to_have_count(0)


def test_editing_after_the_window_has_closed_explains_why_and_keeps_the_text(page, server):
    page.goto(server.url + HOME)
    mine = post(loaded(page), "Quick thought")
    server.clock.offset = timedelta(minutes=16)
    mine.get_by_role("button", name="Edit").click()
    edit = mine.locator("form[data-kind=edit]")
    edit.locator("textarea[name=body]").fill("Second thoughts")
    edit.get_by_role("button", name="Save").click()

    expect(edit.locator(".err")).to_have_text(
        "The time for editing or deleting this comment has passed.")
    expect(edit.locator("textarea[name=body]")).to_have_value("Second thoughts")
    expect(mine.locator(":scope > .actions .edit")).to_have_count(0)


def test_a_reply_can_be_written_with_the_keyboard_alone(page, server):
    page.goto(server.url + HOME)
    root = loaded(page)
    parent = post(root, "Anyone been yet?")
    parent.locator(".reply").focus()
    page.keyboard.press("Enter")
    shown = time.monotonic()
    textarea = parent.locator("form[data-kind=reply] textarea[name=body]")
    expect(textarea).to_be_focused()
    page.keyboard.type("Yes, on Saturday.")
    wait_like_a_person(page, shown)
    page.keyboard.press("Control+Enter")

    answer = parent.locator(".kids article")
    expect(answer.locator(":scope > .body")).to_have_text("Yes, on Saturday.")
    expect(answer).to_be_focused()
    expect(parent.locator("form[data-kind=reply]")).to_have_count(0)
    expect(root.locator(".sr[aria-live]")).to_have_text("Your comment was posted.")


def test_a_held_comment_shows_awaiting_moderation_to_its_author_only(new_page, server):
    with server.app.app_context():
        create_site(db.session, "strict", origins=[PUBLISHER], settings={"moderation": "pre"})
        db.session.commit()
    author = publisher_page(new_page(), server, embed("held-1", site="strict"))
    mine = post(loaded(author), "Please approve me")
    expect(mine.locator(".badge")).to_contain_text("awaiting moderation")
    expect(widget(author).locator(".sr[aria-live]")).to_have_text(
        "Your comment was received and is awaiting moderation.")
    expect(widget(author).locator("h2 .count")).to_have_text("Leave the first comment")
    author.reload()
    expect(loaded(author).locator("article .badge")).to_contain_text("awaiting moderation")

    other = publisher_page(new_page(), server, embed("held-1", site="strict"))
    expect(loaded(other).locator("h2 .count")).to_have_text("Leave the first comment")
    expect(widget(other).locator("article")).to_have_count(0)


def sent_comments(page) -> list[dict]:
    return [json.loads(r.post_data) for r in page.sent if r.method == "POST"
            and r.url.endswith("/api/v1/comments")]


def statuses(server) -> list[str]:
    with server.app.app_context():
        return list(db.session.scalars(select(Comment.status).order_by(Comment.id)))


def test_the_forms_send_the_time_they_were_shown_and_an_empty_hidden_field(page, server):
    page.sent = []
    page.on("request", lambda request: page.sent.append(request))
    page.goto(server.url + HOME)
    root = loaded(page)
    hidden = compose(root).locator("input[name=website]")
    expect(hidden).to_have_attribute("tabindex", "-1")
    expect(hidden).to_have_attribute("aria-hidden", "true")
    expect(hidden).not_to_be_in_viewport()
    parent = post(root, "Posted after a human pause")
    parent.locator(".reply").click()
    opened = time.monotonic()
    form = parent.locator("form[data-kind=reply]")
    form.locator("textarea").fill("A reply, also unhurried")
    wait_like_a_person(page, opened)
    form.locator("button[type=submit]").click()
    expect(parent.locator(".kids article")).to_have_count(1)

    sent = sent_comments(page)
    assert [s["honeypot"] for s in sent] == ["", ""]
    assert all(2 <= s["form_seconds"] < 60 for s in sent), sent
    assert statuses(server) == ["approved", "approved"]


def test_a_form_sent_at_once_or_with_the_hidden_field_filled_is_kept_as_spam(page, server):
    page.sent = []
    page.on("request", lambda request: page.sent.append(request))
    page.goto(server.url + HOME)
    root = loaded(page)
    form = compose(root)
    form.locator("textarea[name=body]").fill("Too quick to be a person")
    form.locator("button[type=submit]").click()  # no pause: as fast as a bot
    expect(root.locator("article .badge")).to_contain_text("awaiting moderation")

    wait_like_a_person(page, form_shown(page))
    form.locator("input[name=website]").fill("http://spam.example", force=True)
    form.locator("textarea[name=body]").fill("Slow, but filled the hidden field")
    form.locator("button[type=submit]").click()
    expect(root.locator("article .badge")).to_have_count(2)

    first, second = sent_comments(page)
    assert first["form_seconds"] < 2
    assert second["honeypot"] == "http://spam.example"
    assert statuses(server) == ["spam", "spam"]


def change_site(server, **settings) -> None:
    answer = admin_api(server, make_key(server, "admin"), "patch", "/sites/default",
                       json={"settings": settings})
    assert answer.status_code == 200, answer.json


def test_edit_and_delete_disappear_when_the_edit_window_closes(page, server):
    change_site(server, edit_window_seconds=4)
    page.goto(server.url + HOME)
    mine = post(loaded(page), "Quick, while I still can")
    actions = mine.locator(":scope > .actions")
    expect(actions.get_by_role("button", name="Edit")).to_be_visible()
    expect(actions.get_by_role("button", name="Delete")).to_be_visible()

    expect(actions.get_by_role("button", name="Edit")).to_have_count(0, timeout=8000)
    expect(actions.get_by_role("button", name="Delete")).to_have_count(0)
    expect(actions.get_by_role("button", name="Reply")).to_be_visible()
    page.reload()
    mine = widget(page).locator("article").first
    expect(mine.locator(":scope > .body")).to_have_text("Quick, while I still can")
    expect(mine.get_by_role("button", name="Edit")).to_have_count(0)


def test_a_held_comment_can_be_edited_and_stays_held(page, server):
    change_site(server, moderation="pre")
    page.goto(server.url + HOME)
    mine = post(loaded(page), "Held at first")
    expect(mine.locator(".badge")).to_contain_text("awaiting moderation")
    mine.get_by_role("button", name="Edit").click()
    mine.locator("form[data-kind=edit] textarea").fill("Held, and corrected")
    mine.get_by_role("button", name="Save").click()
    expect(mine.locator(":scope > .body")).to_have_text("Held, and corrected")
    expect(mine.locator(".badge")).to_contain_text("awaiting moderation")
    expect(widget(page).locator(".sr[aria-live]")).to_have_text("Your comment was updated.")

    page.reload()
    mine = loaded(page).locator("article").first
    expect(mine.locator(":scope > .body")).to_have_text("Held, and corrected")
    expect(mine.locator(".badge")).to_contain_text("awaiting moderation")


def test_an_edit_that_a_rule_holds_shows_the_comment_as_awaiting_moderation(page, server):
    change_site(server, suspect_words=["casino"])
    page.goto(server.url + HOME)
    root = loaded(page)
    mine = post(root, "Nice evening out")
    expect(root.locator("h2 .count")).to_have_text("1 comment")
    mine.get_by_role("button", name="Edit").click()
    mine.locator("form[data-kind=edit] textarea").fill("Nice evening out at the casino")
    mine.get_by_role("button", name="Save").click()

    expect(mine.locator(".badge")).to_contain_text("awaiting moderation")
    expect(root.locator(".sr[aria-live]")).to_have_text(
        "Your comment was received and is awaiting moderation.")
    expect(root.locator("h2 .count")).to_have_text("Leave the first comment")
    expect(mine.get_by_role("button", name="Reply")).to_have_count(0)
    page.reload()
    mine = loaded(page).locator("article").first
    expect(mine.locator(":scope > .body")).to_have_text("Nice evening out at the casino")
    expect(mine.locator(".badge")).to_contain_text("awaiting moderation")
