"""The widget's "E-mail me when someone replies" box."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.notify.models import MailSubscription, ReplyWatch
from tests.browser.support import HOME, compose, form_shown, loaded, wait_like_a_person

pytestmark = pytest.mark.browser


def test_ticking_the_box_asks_for_an_address_and_subscribes_the_comment(page, server):
    page.goto(server.url + HOME)
    root = loaded(page)
    form = compose(root)
    address = form.locator("input[name=author_email]")
    box = form.get_by_label("E-mail me when someone replies")
    expect(address).to_be_hidden()
    box.check()
    expect(address).to_be_visible()

    shown = form_shown(page)
    form.locator("textarea[name=body]").fill("Tell me when someone answers.")
    wait_like_a_person(page, shown)
    form.locator("button[type=submit]").click()
    expect(address).to_have_attribute("aria-invalid", "true")  # no address given yet

    address.fill("ada@example.org")
    with page.expect_request(lambda r: r.url.endswith("/api/v1/comments")
                             and r.method == "POST") as sent:
        form.locator("button[type=submit]").click()
    payload = json.loads(sent.value.post_data)
    assert payload["notify_replies"] is True
    assert payload["author_email"] == "ada@example.org"
    assert payload["lang"] == "en"
    expect(root.locator("article:focus")).to_have_count(1)
    with server.app.app_context():
        [subscription] = db.session.scalars(select(MailSubscription)).all()
        assert subscription.confirmed_at is None and subscription.confirm_sent_at is not None
        assert db.session.scalars(select(ReplyWatch)).all()


def test_without_the_box_no_address_is_sent(page, server):
    page.goto(server.url + HOME)
    root = loaded(page)
    form = compose(root)
    shown = form_shown(page)
    form.locator("textarea[name=body]").fill("Just a comment.")
    wait_like_a_person(page, shown)
    with page.expect_request(lambda r: r.url.endswith("/api/v1/comments")
                             and r.method == "POST") as sent:
        form.locator("button[type=submit]").click()
    payload = json.loads(sent.value.post_data)
    assert "author_email" not in payload and "notify_replies" not in payload
