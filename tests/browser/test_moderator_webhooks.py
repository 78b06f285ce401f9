"""The moderator page's webhooks screen: add one, see its deliveries, retry a failed one, turn
one on again after its receiver answered 410 Gone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook as Verifier

from commentsvc import worker
from tests.browser.moderator_support import make_key, post_comment, sign_in, status
from tests.webhook_support import run_receiver

pytestmark = pytest.mark.browser


@pytest.fixture
def receiver(server):
    # The receiver is on 127.0.0.1: allowed here as COMMENTSVC_WEBHOOKS_ALLOW_PRIVATE=1 would.
    server.app.config["COMMENTSVC_WEBHOOKS_ALLOW_PRIVATE"] = True
    try:
        yield from run_receiver()
    finally:
        server.app.config["COMMENTSVC_WEBHOOKS_ALLOW_PRIVATE"] = False


def test_an_admin_adds_a_webhook_and_retries_a_failed_delivery(page, server, receiver):
    sign_in(page, server, make_key(server, "admin"))
    page.get_by_role("navigation", name="Views").get_by_role("button", name="Webhooks").click()
    expect(status(page)).to_have_text("0 webhooks for default.")

    form = page.get_by_role("form", name="Add a webhook")
    form.get_by_label("URL").fill(receiver.url)
    form.get_by_label("comment.flagged").uncheck()
    form.get_by_role("button", name="Add webhook").click()
    secret = page.get_by_label("Signing secret")
    expect(secret).to_be_focused()
    signing_secret = secret.input_value()
    assert signing_secret.startswith("whsec_")
    row = page.locator("#webhooks tr").first
    expect(row).to_contain_text(receiver.url)
    expect(row).not_to_contain_text("comment.flagged")

    receiver.answers = [(500, "down for maintenance", {})] * 2
    post_comment(server, "A comment the newsroom chat should hear about")
    worker.run_once(server.app)
    page.get_by_role("button", name="Deliveries of webhook").click()
    deliveries = page.locator("#deliveries tr")
    expect(deliveries).to_have_count(2)  # comment.created and comment.published
    expect(deliveries.first).to_contain_text("retrying")
    expect(deliveries.first).to_contain_text("500")

    page.get_by_role("button", name="Retry delivery").first.click()
    expect(status(page)).to_contain_text("will be sent again shortly")
    expect(deliveries.first).to_contain_text("pending")
    worker.run_once(server.app)
    page.get_by_role("button", name="Deliveries of webhook").click()
    expect(deliveries.first).to_contain_text("delivered")
    expect(deliveries.first).to_contain_text("200")
    last = receiver.requests[-1]
    assert Verifier(signing_secret).verify(last.body, last.headers)["type"].startswith("comment.")


def test_an_admin_turns_on_a_webhook_whose_receiver_said_gone(page, server, receiver):
    sign_in(page, server, make_key(server, "admin"))
    page.get_by_role("navigation", name="Views").get_by_role("button", name="Webhooks").click()
    form = page.get_by_role("form", name="Add a webhook")
    form.get_by_label("URL").fill(receiver.url)
    form.get_by_role("button", name="Add webhook").click()
    row = page.locator("#webhooks tr").first
    state = row.locator("td").nth(4)
    expect(state).to_have_text("on")

    receiver.answers = [(410, "gone", {})]
    post_comment(server, "A comment for a receiver that is gone")
    worker.run_once(server.app)
    page.get_by_role("button", name="Deliveries of webhook").click()  # reloads the list too
    page.get_by_role("navigation", name="Views").get_by_role("button", name="Webhooks").click()
    expect(state).to_contain_text("off since")
    expect(state).to_contain_text("the receiver answered 410 Gone")
    page.get_by_role("button", name="Turn webhook").click()
    expect(status(page)).to_contain_text("is on again")
    expect(row.get_by_role("button", name="Turn webhook")).to_have_text("Turn off")

    post_comment(server, "A comment heard again")
    worker.run_once(server.app)
    # The 410 (the first comment's second event was not sent), then the new comment's two.
    assert len(receiver.requests) == 3
    row.get_by_role("button", name="Turn webhook").click()
    expect(status(page)).to_contain_text("is off")
    expect(state).to_contain_text("turned off by")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_webhooks_screen_has_no_serious_accessibility_violations(new_page, server, receiver,
                                                                     scheme):
    from tests.browser.test_moderator_settings import AXE, RUN_AXE

    page = sign_in(new_page(color_scheme=scheme, bypass_csp=True), server,
                   make_key(server, "admin"))
    page.add_script_tag(content=AXE)
    page.get_by_role("navigation", name="Views").get_by_role("button", name="Webhooks").click()
    form = page.get_by_role("form", name="Add a webhook")
    form.get_by_label("URL").fill(receiver.url)
    form.get_by_role("button", name="Add webhook").click()
    expect(page.get_by_label("Signing secret")).to_be_visible()
    post_comment(server, "Heard by a webhook")
    worker.run_once(server.app)
    page.get_by_role("button", name="Deliveries of webhook").click()
    expect(page.locator("#deliveries tr")).to_have_count(2)
    assert page.evaluate(RUN_AXE) == []
