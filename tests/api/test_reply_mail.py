# ruff: noqa: F811  (pytest fixtures imported from the support modules)
"""Reply notifications by e-mail, through a real SMTP server: double opt-in, what is sent and
when, the one-click unsubscribe, the language."""

from __future__ import annotations

import pytest

from tests.api.admin_support import keys  # noqa: F401
from tests.conftest import post
from tests.mail_support import html_of, links, outbox, path_of, smtp, text_of  # noqa: F401

ADA = "ada@example.org"
BOB = "bob@example.org"
ARTICLE_URL = "https://news.example/42"


@pytest.fixture
def app(make_app, smtp):
    _inbox, port = smtp
    return make_app(COMMENTSVC_SMTP_HOST="127.0.0.1", COMMENTSVC_SMTP_PORT=port,
                    COMMENTSVC_SMTP_TLS="none", COMMENTSVC_PUBLIC_URL="http://comments.test",
                    COMMENTSVC_SMTP_FROM="Courier comments <comments@news.example>",
                    COMMENTSVC_MAIL_DIGEST_SECONDS=600)


@pytest.fixture
def inbox(smtp):
    return smtp[0]


def subscribe(client, address=ADA, lang=None, **fields):
    extra = {"lang": lang} if lang else {}
    response = post(client, author_name="Ada", author_email=address, notify_replies=True,
                    article_url=ARTICLE_URL, article_title="Bridges", **extra, **fields)
    assert response.status_code in (201, 202), response.json
    return response.json


def confirm(client, app, outbox, inbox, address=ADA):
    outbox.run(app)
    [message] = inbox.to(address)
    [link] = links(message, "confirm")
    assert client.get(path_of(link)).status_code == 200
    assert client.post(path_of(link)).status_code == 200
    inbox.clear()
    return message


def reply(client, parent_id, address=BOB, name="Bob", **fields):
    response = post(client, parent_id=parent_id, author_name=name, author_email=address,
                    **fields)
    assert response.status_code in (201, 202), response.json
    return response.json


def test_the_first_e_mail_is_only_a_confirmation_and_nothing_comes_before_it_is_used(
        client, app, outbox, inbox):
    comment = subscribe(client)
    reply(client, comment["id"])
    outbox.run(app)
    [message] = inbox.to(ADA)
    assert "Confirm" in message["Subject"]
    assert links(message, "confirm")
    assert "List-Unsubscribe" not in message


def test_one_confirmation_per_address_and_site(client, app, outbox, inbox):
    subscribe(client)
    subscribe(client, address="Ada+news@Example.org")
    outbox.run(app)
    assert len(inbox.messages) == 1


def test_a_confirmed_reader_hears_of_a_published_reply_with_a_link_to_it(
        client, app, outbox, inbox):
    comment = subscribe(client)
    confirm(client, app, outbox, inbox)
    answer = reply(client, comment["id"], body="I think the bridge will *hold*.")
    outbox.run(app)
    [message] = inbox.to(ADA)
    assert message["Subject"] == "Bob replied to your comment on \u201cBridges\u201d"
    assert message["From"] == "Courier comments <comments@news.example>"
    assert message["To"] == ADA
    assert message["Content-Language"] == "en"
    assert f"{ARTICLE_URL}#comment-{answer['id']}" in text_of(message)
    assert "the bridge will *hold*" in text_of(message)
    assert "<em>hold</em>" in html_of(message)
    assert f'href="{ARTICLE_URL}#comment-{answer["id"]}"' in html_of(message)


def test_every_notification_has_a_one_click_unsubscribe_that_works(
        client, app, outbox, inbox):
    comment = subscribe(client)
    confirm(client, app, outbox, inbox)
    reply(client, comment["id"])
    outbox.run(app)
    [message] = inbox.to(ADA)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://comments.test/mail/unsubscribe/")
    assert links(message, "unsubscribe") == [url]
    page = client.get(path_of(url))
    assert page.status_code == 200 and b"<form method=\"post\"" in page.data
    # What a mail client sends for RFC 8058.
    done = client.post(path_of(url), data="List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded")
    assert done.status_code == 200
    inbox.clear()
    reply(client, comment["id"])
    outbox.run(app)
    assert inbox.to(ADA) == []


def test_a_forged_link_is_refused(client):
    for kind in ("confirm", "unsubscribe", "moderate"):
        assert client.get(f"/mail/{kind}/WzEsImFiYyJd.forged").status_code == 404
        assert client.post(f"/mail/{kind}/WzEsImFiYyJd.forged").status_code == 404


@pytest.mark.parametrize("settings", [{"moderation": "pre"}, {"banned_words": ["dammit"]}])
def test_no_e_mail_for_a_held_or_rejected_reply(client, app, outbox, inbox, settings):
    from tests.conftest import set_site_settings

    comment = subscribe(client)
    confirm(client, app, outbox, inbox)
    set_site_settings(app, settings)
    response = post(client, parent_id=comment["id"], author_email=BOB, body="dammit, no")
    assert response.status_code in (202, 422)
    outbox.run(app)
    assert inbox.messages == []


def test_a_held_reply_is_told_when_a_moderator_approves_it(client, app, outbox, inbox, keys):
    from tests.api.admin_support import bearer
    from tests.conftest import set_site_settings

    comment = subscribe(client)
    confirm(client, app, outbox, inbox)
    set_site_settings(app, {"moderation": "pre"})
    held = reply(client, comment["id"])
    outbox.run(app)
    assert inbox.messages == []
    moderated = client.post(f"/api/v1/admin/comments/{held['id']}/moderate",
                            json={"action": "approve"}, headers=bearer(keys.moderator))
    assert moderated.status_code == 200
    outbox.run(app)
    [message] = inbox.to(ADA)
    assert f"#comment-{held['id']}" in text_of(message)


def test_no_e_mail_to_the_replier_themself(client, app, outbox, inbox):
    token = {"X-Reader-Token": "reader-token-of-ada-1234"}
    comment = subscribe(client, headers=token)
    confirm(client, app, outbox, inbox)
    reply(client, comment["id"], address=None, headers=token)  # same reader
    reply(client, comment["id"], address="ADA@example.org")  # same address
    outbox.run(app)
    assert inbox.messages == []


def test_many_replies_in_the_window_come_as_one_digest(client, app, outbox, inbox, clock):
    comment = subscribe(client)
    confirm(client, app, outbox, inbox)
    first = reply(client, comment["id"])
    outbox.run(app)
    assert len(inbox.to(ADA)) == 1
    inbox.clear()
    later = [reply(client, comment["id"], address=f"r{i}@example.org", name=f"R{i}")
             for i in range(3)]
    outbox.run(app)
    assert inbox.messages == []  # the window since the last e-mail is still open
    clock.advance(seconds=601)
    outbox.run(app)
    [digest] = inbox.to(ADA)
    assert digest["Subject"] == "3 new replies to your comments on Default site"
    for answer in later:
        assert f"#comment-{answer['id']}" in text_of(digest)
    assert f"#comment-{first['id']}" not in text_of(digest)


def test_the_e_mails_speak_the_readers_language(client, app, outbox, inbox):
    comment = subscribe(client, lang="de-AT")
    message = confirm(client, app, outbox, inbox)
    assert message["Subject"] == "Benachrichtigungen von Default site bestätigen"
    assert message["Content-Language"] == "de"
    assert 'lang="de"' in html_of(message)
    reply(client, comment["id"])
    outbox.run(app)
    [message] = inbox.to(ADA)
    assert message["Subject"] == "Bob hat auf Ihren Kommentar zu \u201eBridges\u201c geantwortet"
    assert "Abbestellen" in text_of(message)


def test_a_confirmation_link_expires_after_a_week(client, app, outbox, inbox, clock):
    subscribe(client)
    outbox.run(app)
    [link] = links(inbox.messages[0], "confirm")
    clock.advance(days=8)
    assert client.post(path_of(link)).status_code == 410


def test_asking_for_replies_needs_an_e_mail_address(client):
    response = post(client, notify_replies=True)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "email_required"
    assert "author_email" in response.json["error"]["fields"]


def test_a_spam_comment_sends_no_confirmation(client, app, outbox, inbox):
    response = post(client, author_email=ADA, notify_replies=True, honeypot="http://spam")
    assert response.status_code == 202
    outbox.run(app)
    assert inbox.messages == []


def test_addresses_are_stored_sealed_and_forgotten_on_unsubscribe(client, app, outbox, inbox):
    from sqlalchemy import select

    from commentsvc.extensions import db
    from commentsvc.notify.models import MailSubscription

    comment = subscribe(client)
    confirm(client, app, outbox, inbox)
    with app.app_context():
        [row] = db.session.scalars(select(MailSubscription)).all()
        assert ADA not in row.address_sealed and row.address_sealed
    reply(client, comment["id"])
    outbox.run(app)
    url = inbox.to(ADA)[0]["List-Unsubscribe"].strip("<>")
    client.post(path_of(url))
    with app.app_context():
        [row] = db.session.scalars(select(MailSubscription)).all()
        assert row.address_sealed == "" and row.unsubscribed_at is not None


def test_erasing_a_reader_stops_their_reply_e_mails(client, app, outbox, inbox, keys):
    from sqlalchemy import select

    from commentsvc.extensions import db
    from commentsvc.notify.models import MailSubscription
    from tests.api.admin_support import bearer

    subscribe(client)
    confirm(client, app, outbox, inbox)
    erased = client.post("/api/v1/admin/readers/erase",
                         json={"site": "default", "email": ADA}, headers=bearer(keys.admin))
    assert erased.status_code == 200, erased.json
    with app.app_context():
        assert db.session.scalars(select(MailSubscription)).all() == []


def test_a_failed_delivery_is_retried_later_and_sent_once(
        client, app, outbox, inbox, clock, monkeypatch):
    import smtplib

    from commentsvc.notify import mail

    comment = subscribe(client)
    confirm(client, app, outbox, inbox)
    reply(client, comment["id"])
    real_send = mail.send

    def refuse(sender, message):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr(mail, "send", refuse)
    report = outbox.run(app)
    assert report.retrying == 1 and inbox.messages == []
    monkeypatch.setattr(mail, "send", real_send)
    clock.advance(seconds=31)  # the outbox's first backoff is 30 s
    outbox.run(app)
    clock.advance(hours=2)
    outbox.run(app)
    assert len(inbox.to(ADA)) == 1


def test_without_smtp_the_e_mails_are_written_to_the_log(make_app, outbox, capsys):
    dev = make_app()  # no COMMENTSVC_SMTP_HOST, as in `make run`
    client = dev.test_client()
    subscribe(client)
    capsys.readouterr()
    report = outbox.run(dev)
    assert report.sent == 1
    logged = capsys.readouterr().err
    assert "Subject: Confirm reply notifications from Default site" in logged
    assert "http://localhost/mail/confirm/" in logged
    assert ADA not in logged  # the log never shows an address
