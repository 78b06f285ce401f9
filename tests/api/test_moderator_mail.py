# ruff: noqa: F811  (pytest fixtures imported from the support modules)
"""Moderator e-mails: opt in per site (confirmed first), one e-mail per held or reported
comment, approve / reject links that work once and expire, through the moderation module."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import AuditEntry
from commentsvc.notify.models import REPLIES, MailSubscription
from tests.api.admin_support import bearer, keys  # noqa: F401
from tests.conftest import post, set_site_settings
from tests.mail_support import html_of, links, outbox, path_of, smtp, text_of  # noqa: F401

MOD = "mod@news.example"


@pytest.fixture
def app(make_app, smtp):
    _inbox, port = smtp
    return make_app(COMMENTSVC_SMTP_HOST="127.0.0.1", COMMENTSVC_SMTP_PORT=port,
                    COMMENTSVC_SMTP_TLS="none", COMMENTSVC_PUBLIC_URL="http://comments.test")


@pytest.fixture
def inbox(smtp):
    return smtp[0]


@pytest.fixture
def moderator(client, app, keys, outbox, inbox):
    response = client.post("/api/v1/admin/sites/default/moderator-mail",
                           json={"email": MOD, "lang": "en"}, headers=bearer(keys.moderator))
    assert response.status_code == 202
    assert response.json == {"status": "confirmation_sent"}
    outbox.run(app)
    [message] = inbox.to(MOD)
    assert "moderator" in message["Subject"]
    [link] = links(message, "confirm")
    assert client.post(path_of(link)).status_code == 200
    inbox.clear()
    return MOD


def held_comment(client, app):
    set_site_settings(app, {"moderation": "pre"})
    response = post(client, author_name="Eve", body="Please look at this one.",
                    article_url="https://news.example/42", article_title="Bridges")
    assert response.status_code == 202
    return response.json


def moderation_mail(app, outbox, inbox):
    outbox.run(app)
    [message] = inbox.to(MOD)
    return message, {url.rsplit("/", 1)[1]: url for url in links(message, "moderate")}


def approve_and_reject(message):
    text = text_of(message)
    approve = next(line.split(": ", 1)[1] for line in text.splitlines()
                   if line.startswith("Approve: "))
    reject = next(line.split(": ", 1)[1] for line in text.splitlines()
                  if line.startswith("Reject: "))
    return path_of(approve), path_of(reject)


def status_of(client, keys, comment_id):
    found = client.get("/api/v1/admin/comments?site=default&status=approved",
                       headers=bearer(keys.moderator)).json["comments"]
    return "approved" if any(c["id"] == comment_id for c in found) else "other"


def test_opting_in_needs_a_key_of_that_site(client, keys):
    response = client.post("/api/v1/admin/sites/default/moderator-mail", json={"email": MOD},
                           headers=bearer(keys.other_site))
    assert response.status_code == 403
    assert client.post("/api/v1/admin/sites/default/moderator-mail",
                       json={"email": MOD}).status_code == 401


def test_nothing_is_sent_to_a_moderator_before_confirming(client, app, keys, outbox, inbox):
    client.post("/api/v1/admin/sites/default/moderator-mail", json={"email": MOD},
                headers=bearer(keys.moderator))
    outbox.run(app)
    inbox.clear()
    held_comment(client, app)
    outbox.run(app)
    assert inbox.messages == []


def test_a_held_comment_is_e_mailed_with_links_that_approve_once(
        client, app, keys, moderator, outbox, inbox):
    comment = held_comment(client, app)
    message, _ = moderation_mail(app, outbox, inbox)
    assert message["Subject"] == "Held for review on \u201cBridges\u201d: a comment by Eve"
    assert "Please look at this one." in text_of(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Approve</a>" in html_of(message)
    approve, reject = approve_and_reject(message)
    page = client.get(approve)
    assert page.status_code == 200 and b"Please look at this one." in page.data
    assert status_of(client, keys, comment["id"]) == "other"  # a GET changes nothing
    assert client.post(approve).status_code == 200
    assert status_of(client, keys, comment["id"]) == "approved"
    assert client.post(approve).status_code == 409  # once
    assert client.post(reject).status_code == 409  # and the other link of that e-mail too
    audit = client.get("/api/v1/admin/audit?site=default",
                       headers=bearer(keys.moderator)).json["entries"]
    assert any(e["action"] == "approve" and e["actor"].startswith("mail:") for e in audit)


def test_reject_links_reject(client, app, keys, moderator, outbox, inbox):
    comment = held_comment(client, app)
    message, _ = moderation_mail(app, outbox, inbox)
    _, reject = approve_and_reject(message)
    assert client.post(reject).status_code == 200
    found = client.get("/api/v1/admin/comments?site=default&status=rejected",
                       headers=bearer(keys.moderator)).json["comments"]
    assert [c["id"] for c in found] == [comment["id"]]


def test_the_links_expire(client, app, keys, moderator, outbox, inbox, clock):
    comment = held_comment(client, app)
    message, _ = moderation_mail(app, outbox, inbox)
    approve, _ = approve_and_reject(message)
    clock.advance(hours=73)
    assert client.post(approve).status_code == 410
    assert status_of(client, keys, comment["id"]) == "other"


def test_a_reported_comment_is_e_mailed_once(client, app, keys, moderator, outbox, inbox):
    comment = post(client, body="Something contentious").json
    outbox.run(app)
    for n in range(2):
        reported = client.post(f"/api/v1/comments/{comment['id']}/flag",
                               json={"reason": "abuse"},
                               headers={"X-Reader-Token": f"reporting-reader-{n:08d}"})
        assert reported.status_code == 201
    message, _ = moderation_mail(app, outbox, inbox)
    assert message["Subject"].startswith("Reported on")


def test_moderator_e_mails_stop_after_unsubscribing(client, app, keys, moderator, outbox, inbox):
    held_comment(client, app)
    message, _ = moderation_mail(app, outbox, inbox)
    approve, _ = approve_and_reject(message)
    url = message["List-Unsubscribe"].strip("<>")
    assert client.post(path_of(url), data="List-Unsubscribe=One-Click").status_code == 200
    assert client.post(approve).status_code in (404, 410)
    inbox.clear()
    post(client)
    outbox.run(app)
    assert inbox.messages == []


ADDRESSES = "/api/v1/admin/sites/default/moderator-mail"


def test_an_admin_lists_the_sites_moderator_addresses(client, app, keys, moderator):
    client.post(ADDRESSES, json={"email": "new@news.example", "lang": "de"},
                headers=bearer(keys.moderator))
    listed = client.get(ADDRESSES, headers=bearer(keys.admin))
    assert listed.status_code == 200
    assert [(a["email"], a["status"], a["lang"]) for a in listed.json["addresses"]] == [
        (MOD, "confirmed", "en"), ("new@news.example", "confirmation_sent", "de")]
    assert listed.json["addresses"][0]["confirmed_at"]
    assert listed.json["addresses"][1]["confirmed_at"] is None


def test_an_admin_takes_an_address_off_the_moderator_e_mails(client, app, keys, moderator,
                                                            outbox, inbox):
    held_comment(client, app)
    message, _ = moderation_mail(app, outbox, inbox)
    approve, _ = approve_and_reject(message)
    [address] = client.get(ADDRESSES, headers=bearer(keys.admin)).json["addresses"]
    removed = client.delete(f"{ADDRESSES}/{address['id']}", headers=bearer(keys.admin))
    assert removed.status_code == 204
    assert client.get(ADDRESSES, headers=bearer(keys.admin)).json["addresses"] == []
    assert client.post(approve).status_code in (404, 410)  # links already sent stop working
    inbox.clear()
    post(client, body="Another comment to hold")
    outbox.run(app)
    assert inbox.messages == []
    with app.app_context():
        stored = db.session.get(MailSubscription, address["id"])
        assert stored.address_sealed == "" and stored.unsubscribed_at is not None
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "moderator_mail_removed")).one()
        assert entry.details == {"subscription_id": address["id"]}
    again = client.delete(f"{ADDRESSES}/{address['id']}", headers=bearer(keys.admin))
    assert (again.status_code, again.json["error"]["code"]) == (404, "moderator_mail_not_found")
    # It may opt in again, and confirms again first.
    back = client.post(ADDRESSES, json={"email": MOD}, headers=bearer(keys.moderator))
    assert back.json == {"status": "confirmation_sent"}


def test_only_moderator_addresses_of_the_site_can_be_taken_off(client, app, keys, moderator):
    reader = post(client, body="Tell me about replies", notify_replies=True,
                  author_email="reader@news.example")
    assert reader.status_code == 201
    with app.app_context():
        reader_id = db.session.scalar(select(MailSubscription.id)
                                      .where(MailSubscription.kind == REPLIES))
    [address] = client.get(ADDRESSES, headers=bearer(keys.admin)).json["addresses"]
    for path, key, status in (
            (f"{ADDRESSES}/{reader_id}", keys.admin, 404),
            (f"{ADDRESSES}/999999", keys.admin, 404),
            (f"{ADDRESSES}/{address['id']}", keys.moderator, 403),
            (f"{ADDRESSES}/{address['id']}", keys.other_admin, 403),
            (f"{ADDRESSES}/{address['id']}", None, 401)):
        answer = client.delete(path, headers=bearer(key) if key else {})
        assert answer.status_code == status, (path, answer.json)
    for key, status in ((keys.moderator, 403), (keys.other_admin, 403), (None, 401)):
        assert client.get(ADDRESSES, headers=bearer(key) if key else {}).status_code == status
    assert len(client.get(ADDRESSES, headers=bearer(keys.admin)).json["addresses"]) == 1
