"""A real SMTP server on localhost (aiosmtpd) that keeps what arrives, parsed; and an app that
sends to it."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd handler: every message received, parsed with the stdlib's modern policy."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m, rcpt in zip(self.messages, self.recipients, strict=True)
                if address in rcpt]

    def clear(self) -> None:
        self.messages.clear()
        self.recipients.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def links(message: EmailMessage, kind: str) -> list[str]:
    """The service's links of one kind (confirm, unsubscribe, moderate) in the text part."""
    return re.findall(rf"https?://[^\s>]+/mail/{kind}/[A-Za-z0-9._-]+", text_of(message))


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


# --- the outbox, run the way the worker runs it --------------------------------------------
class Outbox:
    def run(self, app: Any) -> Any:
        """Deliver every message due now (by the app's clock), as `commentsvc worker --once`."""
        from commentsvc import worker

        return worker.run_once(app)


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()
