"""The app's log lines: plain text for people, one JSON object a line for log collectors.

Everything under the `commentsvc` logger goes to stderr in the format COMMENTSVC_LOG_FORMAT
names. Callers pass structured values as `extra={"fields": {...}}`. No line may carry a raw IP
address, e-mail address or token: callers log hashes and key ids, and as a second line of
defence every line is scrubbed of anything shaped like an e-mail or IP address (a moderator's
free-text reason or an exception's message could hold one).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from flask import g, has_request_context

from commentsvc import events
from commentsvc.audit import RULES_ACTOR

ROOT = "commentsvc"
EMAIL = re.compile(r"[^\s@\"'<>()\[\],;:]+@[^\s@\"'<>()\[\],;:]+\.[A-Za-z]{2,}")
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
IPV6_LIKE = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
# This machine and "any address": where the server listens, nobody's identity.
NOBODY = frozenset({"127.0.0.1", "0.0.0.0", "::1", "::"})
events_log = logging.getLogger(f"{ROOT}.events")


def scrub(text: str) -> str:
    """Text with anything shaped like an e-mail or IP address replaced by a placeholder."""
    # Each pattern needs its separators: most text has too few, and is passed over for the
    # cost of a count (every request writes a line).
    if "@" in text:
        text = EMAIL.sub("[email]", text)
    if text.count(".") >= 3:
        text = IPV4.sub(_ipv4, text)
    if text.count(":") >= 2:
        text = IPV6_LIKE.sub(_ipv6, text)
    return text


def _ipv4(match: re.Match[str]) -> str:
    return match[0] if match[0] in NOBODY else "[ip]"


def _ipv6(match: re.Match[str]) -> str:
    # Three colons or a "::" tell an IPv6 address from a time of day such as 21:42:07.
    found = match[0]
    if found in NOBODY or not ("::" in found or found.count(":") >= 3):
        return found
    return "[ip]"


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = dict(getattr(record, "fields", None) or {})
    request_id = getattr(record, "request_id", None)
    if request_id and "request_id" not in fields:
        fields["request_id"] = request_id
    return {name: _scrubbed(value) for name, value in fields.items()}


def _scrubbed(value: Any) -> Any:
    return scrub(value) if isinstance(value, str) else value


def _request_id_field(record: logging.LogRecord) -> dict[str, Any]:
    """The one field of _fields that a line whose message says the others still shows."""
    fields = getattr(record, "fields", None) or {}
    if "request_id" in fields:
        return {"request_id": _scrubbed(fields["request_id"])}
    request_id = getattr(record, "request_id", None)
    return {"request_id": _scrubbed(request_id)} if request_id else {}


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


# json.dumps(line, default=str, ensure_ascii=False), its encoder made once rather than per line.
_JSON = json.JSONEncoder(default=str, ensure_ascii=False)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {"time": _timestamp(record), "level": record.levelname.lower(),
                                "logger": record.name, "message": scrub(record.getMessage())}
        line.update(_fields(record))
        if record.exc_info:
            line["error"] = scrub(self.formatException(record.exc_info))
        return _JSON.encode(line)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message key=value ...` for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "fields_in_message", False):  # say them once
            fields = _request_id_field(record)
        else:
            fields = _fields(record)
        pairs = " ".join(f"{name}={value}" for name, value in fields.items())
        line = f"{_timestamp(record)} {record.levelname} {record.name}: " \
               f"{scrub(record.getMessage())}"
        line = f"{line} {pairs}" if pairs else line
        if record.exc_info:
            line = f"{line}\n{scrub(self.formatException(record.exc_info))}"
        return line


FORMATTERS: dict[str, type[logging.Formatter]] = {"text": TextFormatter, "json": JsonFormatter}


class RequestIdFilter(logging.Filter):
    """Every line written while a request is served names that request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id")
        return True


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (so pytest's capture sees it too)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure(log_format: str) -> None:
    """Send the `commentsvc` loggers to stderr in this format; safe to call again."""
    from flask.logging import default_handler

    logger = logging.getLogger(ROOT)
    handler = next((h for h in logger.handlers if isinstance(h, StderrHandler)), None)
    if handler is None:
        handler = StderrHandler()
        handler.addFilter(RequestIdFilter())
        logger.addHandler(handler)
    handler.setFormatter(FORMATTERS[log_format]())
    # Flask's own handler would print the same lines again, unformatted.
    logger.removeHandler(default_handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    events.listen(log_event)


def log_event(event: events.Event) -> None:
    """One line per rule decision and per moderation action, once committed."""
    if isinstance(event, events.CommentChanged):  # said already by its decision or action
        return
    if isinstance(event, events.PostDecided):
        kind, action, actor = "rule_decision", event.decision, RULES_ACTOR
    else:
        kind = "rule_decision" if event.actor == RULES_ACTOR else "moderation"
        action, actor = event.action, event.actor
    events_log.info("%s %s comment %s", kind.replace("_", " "), action, event.comment_id,
                    extra={"fields": {"event": kind, "site_id": event.site_id,
                                      "comment_id": event.comment_id, "action": action,
                                      "reason": event.reason, "actor": actor}})
