"""Wiring: the mail settings of the running app, and the listeners and outbox handlers.

The in-transaction listeners are module-level functions (events keeps each once); they find the
settings of the app they run in through current_app, which the server, the CLI and the worker
all provide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app, has_app_context, has_request_context, request

from commentsvc.notify.mail import Sender
from commentsvc.sites import ServiceConfig


@dataclass(frozen=True)
class MailSettings:
    sender: Sender
    public_url: str  # "" : the address of the request that caused the e-mail
    digest_seconds: int


def init_app(app: Flask) -> None:
    from commentsvc import events
    from commentsvc.notify import moderators, replies

    config = app.config
    app.extensions["commentsvc_mail"] = MailSettings(
        sender=Sender(from_address=config["COMMENTSVC_SMTP_FROM"],
                      host=config["COMMENTSVC_SMTP_HOST"].strip(),
                      port=config["COMMENTSVC_SMTP_PORT"], user=config["COMMENTSVC_SMTP_USER"],
                      password=config["COMMENTSVC_SMTP_PASSWORD"],
                      tls=config["COMMENTSVC_SMTP_TLS"]),
        public_url=config["COMMENTSVC_PUBLIC_URL"],
        digest_seconds=config["COMMENTSVC_MAIL_DIGEST_SECONDS"],
    )
    events.listen_in_transaction(replies.on_comment_changed)
    events.listen_in_transaction(moderators.on_comment_changed)
    replies.register_handlers()
    moderators.register_handlers()


def active() -> bool:
    return has_app_context() and "commentsvc_mail" in current_app.extensions


def settings() -> MailSettings:
    return current_app.extensions["commentsvc_mail"]


def service() -> ServiceConfig:
    return current_app.extensions["commentsvc"]


def now() -> datetime:
    return service().now()


def base_url() -> str:
    """Where links in e-mails point: the configured public address, else this request's."""
    configured = settings().public_url
    if configured:
        return configured
    if has_request_context():
        return request.host_url.rstrip("/")
    return "http://127.0.0.1:8000"
