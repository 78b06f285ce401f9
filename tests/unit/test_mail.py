"""E-mail pieces that need no server: sealing, signing, composing, sending rules."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller

from commentsvc import secretbox
from commentsvc.notify import mail
from tests.mail_support import Inbox, free_port

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
SENDER = mail.Sender(from_address="Comments <comments@news.example>")


def test_a_sealed_address_opens_only_with_the_same_secret():
    sealed = mail.seal("secret-one", "ada@example.org")
    assert "ada" not in sealed
    assert mail.unseal("secret-one", sealed) == "ada@example.org"
    assert mail.unseal("secret-two", sealed) is None
    assert mail.unseal("secret-one", "") is None
    assert mail.unseal("secret-one", "v1:not base64!") is None


def test_a_sealed_address_cannot_be_opened_as_a_webhook_secret():
    sealed = mail.seal("secret-one", "ada@example.org")
    assert secretbox.unseal("secret-one", sealed) is None
    assert secretbox.unseal("secret-one", sealed, secretbox.MAIL_ADDRESS) == "ada@example.org"


def test_a_signed_value_is_bound_to_its_purpose_and_secret():
    token = mail.sign("s", "confirm", [1, "abc"])
    assert mail.unsign("s", "confirm", token) == [1, "abc"]
    assert mail.unsign("s", "unsubscribe", token) is None
    assert mail.unsign("t", "confirm", token) is None
    assert mail.unsign("s", "confirm", token[:-2] + "xx") is None


@pytest.mark.parametrize(("asked", "got"), [("de", "de"), ("de-AT", "de"), ("DE_ch", "de"),
                                            ("fr", "en"), (None, "en"), ("", "en")])
def test_languages_fall_back_to_english(asked, got):
    assert mail.language(asked) == got


def test_a_reply_e_mail_escapes_what_readers_wrote_in_its_html_subject_and_names():
    item = mail.ReplyItem(author="<b>Bob</b>", text="a <script>", html="<p>a &lt;script&gt;</p>",
                          url="https://news.example/1#comment-2", article_title="T\"<x>")
    message = mail.replies(SENDER, "ada@example.org", lang="en", site="S", items=[item],
                           more=0, unsubscribe_url="https://c.example/mail/unsubscribe/t",
                           now=NOW)
    html = message.get_body(("html",)).get_content()
    assert "<b>Bob</b>" not in html and "&lt;b&gt;Bob&lt;/b&gt;" in html
    assert message["Date"] == "Tue, 01 Dec 2026 09:30:00 +0000"
    assert message["Auto-Submitted"] == "auto-generated"


def test_a_long_digest_lists_twenty_and_counts_the_rest():
    item = mail.ReplyItem("Bob", "hi", "<p>hi</p>", "https://n.example/1#comment-2", "T")
    message = mail.replies(SENDER, "ada@example.org", lang="en", site="S",
                           items=[item] * 20, more=7, unsubscribe_url="https://c/u", now=NOW)
    assert message["Subject"] == "27 new replies to your comments on S"
    assert "\u2026 and 7 more." in message.get_body(("plain",)).get_content()


def test_without_an_smtp_host_the_message_goes_to_the_log(caplog):
    message = mail.confirmation(SENDER, "ada@example.org", lang="en", site="S",
                                confirm_url="https://c.example/mail/confirm/abc", now=NOW)
    with caplog.at_level("INFO", logger="commentsvc.mail"):
        mail.send(SENDER, message)
    assert "https://c.example/mail/confirm/abc" in caplog.text
    assert "Subject: Confirm reply notifications from S" in caplog.text


def test_starttls_is_required_when_asked_for_never_skipped():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        sender = mail.Sender(from_address="c@news.example", host="127.0.0.1",
                             port=controller.port, tls="starttls")
        message = mail.confirmation(sender, "ada@example.org", lang="en", site="S",
                                    confirm_url="https://c/x", now=NOW)
        with pytest.raises(smtplib.SMTPNotSupportedError):
            mail.send(sender, message)
        assert inbox.messages == []
    finally:
        controller.stop()
