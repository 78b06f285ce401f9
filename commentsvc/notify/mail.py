"""E-mail messages: composing them (text and HTML, in the reader's language), the signed links
they carry, sealing stored addresses, and handing them to SMTP (or to the log in development).

Pure apart from `send`: nothing here touches the database or a request.
"""

from __future__ import annotations

import html
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from commentsvc import secretbox
from commentsvc.notify.texts import TEXTS

log = logging.getLogger("commentsvc.mail")

LANGUAGES = tuple(TEXTS)
BODY_CHARS = 2000  # of a comment's text quoted in an e-mail
DIGEST_LIST = 20  # replies listed in one e-mail; the rest are counted


# --- texts (notify/texts.py) -------------------------------------------------------------------

def language(lang: str | None) -> str:
    """One of LANGUAGES: the primary subtag of what the widget or moderator asked for."""
    primary = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else "en"


def _t(lang: str, key: str, **values: Any) -> str:
    return TEXTS[language(lang)][key].format(**values)


# --- addresses: sealed at rest ------------------------------------------------------------------

def seal(secret: str, address: str) -> str:
    """The address encrypted (and authenticated) under a key derived from the service secret."""
    return secretbox.seal(secret, address, secretbox.MAIL_ADDRESS)


def unseal(secret: str, sealed: str) -> str | None:
    """The address, or None when there is none or the secret has changed since."""
    return secretbox.unseal(secret, sealed, secretbox.MAIL_ADDRESS) if sealed else None


# --- signed links ---------------------------------------------------------------------------------

def sign(secret: str, purpose: str, value: Any) -> str:
    """A URL-safe token carrying `value`, signed for one purpose (confirm, unsubscribe, ...)."""
    return URLSafeSerializer(secret, salt=f"commentsvc.mail.{purpose}").dumps(value)


def unsign(secret: str, purpose: str, token: str) -> Any:
    """The value signed into `token` for `purpose`, or None for anything else."""
    try:
        return URLSafeSerializer(secret, salt=f"commentsvc.mail.{purpose}").loads(token)
    except BadSignature:
        return None


# --- messages -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sender:
    """Where messages come from and how they leave (COMMENTSVC_SMTP_*)."""

    from_address: str
    host: str = ""
    port: int = 587
    user: str = ""
    password: str = ""
    tls: str = "starttls"
    timeout: float = 15.0


@dataclass(frozen=True)
class ReplyItem:
    """One published reply, as an e-mail shows it."""

    author: str
    text: str
    html: str
    url: str
    article_title: str


def _base_message(sender: Sender, to: str, subject: str, lang: str, now: datetime,
                  unsubscribe_url: str | None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender.from_address
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    domain = parseaddr(sender.from_address)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    # RFC 3834: no vacation replies to us. RFC 8058: one-click unsubscribe by POST.
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def _html_page(lang: str, body: str) -> str:
    return (f'<!doctype html><html lang="{language(lang)}"><head><meta charset="utf-8"></head>'
            f'<body style="font-family:system-ui,sans-serif;line-height:1.5;max-width:40em">'
            f"{body}</body></html>")


def _quote_text(text: str) -> str:
    text = text if len(text) <= BODY_CHARS else text[:BODY_CHARS] + "\u2026"
    return "\n".join(f"> {line}" for line in text.splitlines() or [""])


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def confirmation(sender: Sender, to: str, *, lang: str, site: str, confirm_url: str,
                 now: datetime, moderator: bool = False) -> EmailMessage:
    """The one e-mail sent before an address is confirmed (double opt-in)."""
    prefix = "modconfirm" if moderator else "confirm"
    subject = _t(lang, f"{prefix}_subject", site=site)
    intro = _t(lang, f"{prefix}_body", site=site)
    button = _t(lang, f"{prefix}_button")
    message = _base_message(sender, to, subject, lang, now, None)
    message.set_content("\n\n".join([intro, _t(lang, "confirm_action", link=confirm_url),
                                     _t(lang, "confirm_ignore")]) + "\n")
    message.add_alternative(_html_page(lang, (
        f"<p>{_e(intro)}</p>"
        f'<p><a href="{_e(confirm_url)}">{_e(button)}</a></p>'
        f"<p>{_e(_t(lang, 'confirm_ignore'))}</p>")), subtype="html")
    message["Content-Language"] = language(lang)  # after the parts: set_content drops Content-*
    return message


def replies(sender: Sender, to: str, *, lang: str, site: str, items: Sequence[ReplyItem],
            more: int, unsubscribe_url: str, now: datetime) -> EmailMessage:
    """One reply, or a digest of several, with the one-click unsubscribe."""
    anonymous = _t(lang, "anonymous")
    if len(items) == 1 and not more:
        item = items[0]
        subject = _t(lang, "reply_subject", name=item.author or anonymous,
                     title=item.article_title or site)
    else:
        subject = _t(lang, "digest_subject", n=len(items) + more, site=site)
    message = _base_message(sender, to, subject, lang, now, unsubscribe_url)
    text_parts, html_parts = [], []
    for item in items:
        intro = _t(lang, "reply_intro", name=item.author or anonymous,
                   title=item.article_title or site)
        text_parts.append(f"{intro}\n\n{_quote_text(item.text)}\n\n"
                          f"{_t(lang, 'read_reply')}: {item.url}")
        html_parts.append(
            f"<p>{_e(intro)}</p><blockquote>{item.html}</blockquote>"
            f'<p><a href="{_e(item.url)}">{_e(_t(lang, "read_reply"))}</a></p>')
    if more:
        text_parts.append(_t(lang, "more_replies", n=more))
        html_parts.append(f"<p>{_e(_t(lang, 'more_replies', n=more))}</p>")
    footer = _t(lang, "footer", site=site)
    unsubscribe = _t(lang, "unsubscribe")
    text_parts.append(f"-- \n{footer}\n{unsubscribe}: {unsubscribe_url}")
    html_parts.append(f'<hr><p><small>{_e(footer)} <a href="{_e(unsubscribe_url)}">'
                      f"{_e(unsubscribe)}</a></small></p>")
    message.set_content("\n\n".join(text_parts) + "\n")
    message.add_alternative(_html_page(lang, "".join(html_parts)), subtype="html")
    message["Content-Language"] = language(lang)
    return message


def moderation(sender: Sender, to: str, *, lang: str, site: str, why: str, reason: str,
               item: ReplyItem, approve_url: str, reject_url: str, expires_at: datetime,
               unsubscribe_url: str, now: datetime) -> EmailMessage:
    """A held or reported comment, with single-use approve and reject links."""
    name = item.author or _t(lang, "anonymous")
    title = item.article_title or site
    subject = _t(lang, f"{why}_subject", name=name, title=title)
    intro = _t(lang, f"{why}_intro", reason=reason or "-")
    expiry = _t(lang, "links_expire", when=expires_at.strftime("%Y-%m-%d %H:%M"))
    approve, reject = _t(lang, "approve"), _t(lang, "reject")
    footer, unsubscribe = _t(lang, "mod_footer", site=site), _t(lang, "unsubscribe")
    message = _base_message(sender, to, subject, lang, now, unsubscribe_url)
    message.set_content(
        f"{intro}\n\n{_quote_text(item.text)}\n\n{item.url}\n\n"
        f"{approve}: {approve_url}\n{reject}: {reject_url}\n{expiry}\n\n"
        f"-- \n{footer}\n{unsubscribe}: {unsubscribe_url}\n")
    message.add_alternative(_html_page(lang, (
        f"<p>{_e(intro)}</p><blockquote>{item.html}</blockquote>"
        f'<p><a href="{_e(item.url)}">{_e(item.url)}</a></p>'
        f'<p><a href="{_e(approve_url)}">{_e(approve)}</a> \u00b7 '
        f'<a href="{_e(reject_url)}">{_e(reject)}</a></p><p>{_e(expiry)}</p>'
        f'<hr><p><small>{_e(footer)} <a href="{_e(unsubscribe_url)}">{_e(unsubscribe)}</a>'
        f"</small></p>")), subtype="html")
    message["Content-Language"] = language(lang)
    return message


# --- sending --------------------------------------------------------------------------------------

def send(sender: Sender, message: EmailMessage) -> None:
    """Hand the message to the SMTP server; without one (development), write it to the log.

    Raises on any SMTP failure, so the outbox retries later. STARTTLS is required when asked
    for: a server that does not offer it gets nothing, not a plain-text fallback."""
    if not sender.host:
        log.info("e-mail not sent (no COMMENTSVC_SMTP_HOST), as it would have been:\n%s",
                 _printable(message), extra={"fields": {"event": "mail_logged"}})
        return
    if sender.tls == "ssl":
        context = ssl.create_default_context()
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(sender.host, sender.port,
                                              timeout=sender.timeout, context=context)
    else:
        smtp = smtplib.SMTP(sender.host, sender.port, timeout=sender.timeout)
    with smtp:
        if sender.tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if sender.user:
            smtp.login(sender.user, sender.password)
        smtp.send_message(message)


def _printable(message: EmailMessage) -> str:
    """Headers and the text part: what a developer needs to follow the links."""
    headers = "\n".join(f"{name}: {value}" for name, value in message.items())
    text = message.get_body(("plain",))
    return f"{headers}\n\n{text.get_content() if text else ''}"
