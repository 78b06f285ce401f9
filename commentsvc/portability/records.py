"""The plain records every reader yields, whatever the source format."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from commentsvc.models import APPROVED, DELETED, PENDING, REJECTED, SPAM, STATUSES

__all__ = ["APPROVED", "DELETED", "PENDING", "REJECTED", "SPAM", "STATUSES", "Malformed",
           "Record", "Skipped", "Thread", "UnreadableFile", "parse_time"]


class UnreadableFile(Exception):
    """The whole file is refused (unsafe XML, not the format named): nothing is written."""


class Malformed(Exception):
    """One record cannot be read; the reader reports it as Skipped and goes on."""


@dataclass(slots=True)
class Thread:
    """A discussion in the source: becomes (or fills) an article."""

    ref: str  # the source's id of the thread, as comments refer to it
    identifier: str = ""  # the publisher's own id of the page, when the source has one
    url: str = ""
    title: str = ""
    # Only commentsvc's own export knows these; None leaves the article as it is.
    key: str | None = None
    closed: bool | None = None
    premoderated: bool | None = None
    created_at: datetime | None = None


@dataclass(slots=True)
class Record:
    """One comment. Exactly one of html and markdown is the body as the source has it."""

    ref: str  # the source's id: replies refer to it, and it is the idempotency key
    thread_ref: str
    parent_ref: str | None
    created_at: datetime
    position: str  # where it is in the file, for messages: "post 12", "line 7"
    author_name: str = ""
    email: str | None = None
    html: str | None = None
    markdown: str | None = None
    status: str = APPROVED
    removed: bool = False  # deleted in the source: a placeholder if it has replies, else skipped
    score: int = 0
    # Only commentsvc's own export has these (hashes stay hashes; see docs/export-format.md).
    source: str | None = None  # overrides the import source name for this comment
    body_html: str | None = None
    extra: dict | None = None


@dataclass(frozen=True, slots=True)
class Skipped:
    position: str
    reason: str  # a short, countable reason: "malformed", "pingback", ...
    detail: str = ""


def parse_time(value: str | float | int | None) -> datetime:
    """ISO 8601 (Z or offset), "YYYY-MM-DD HH:MM:SS" (taken as UTC) or Unix seconds."""
    if value is None or value == "":
        raise Malformed("no date")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Malformed(f"unreadable date {text[:40]!r}") from exc
    if parsed.year < 1971:  # WordPress writes 0000-00-00 00:00:00 for "no date"
        raise Malformed(f"no real date ({text[:40]!r})")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
