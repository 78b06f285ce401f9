"""Remark42 backup: JSON Lines (often gzipped). The first line is the meta object
({"version": ..., "users": [...], "posts": [...]}); then one comment per line with id, pid
(parent id, "" for none), text (HTML), orig (the Markdown typed), user {name, id, ...},
locator {site, url}, title, time (RFC 3339), score, delete.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from commentsvc.portability.jsonlines import lines
from commentsvc.portability.records import (
    APPROVED,
    Malformed,
    Record,
    Skipped,
    Thread,
    UnreadableFile,
    parse_time,
)

SOURCE = "remark42"


def read(path: Path) -> Iterator[Thread | Record | Skipped]:
    seen_threads: set[str] = set()
    first = True
    for number, value in lines(path):
        position = f"line {number}"
        if first:
            first = False
            if isinstance(value, Malformed) or "version" not in value:
                raise UnreadableFile("not a Remark42 backup: the first line is not its"
                                     " {\"version\": ...} header")
            continue
        try:
            if isinstance(value, Malformed):
                raise value
            thread, record = _comment(value, position)
        except Malformed as exc:
            yield Skipped(position, "malformed", str(exc))
            continue
        if thread.ref not in seen_threads:
            seen_threads.add(thread.ref)
            yield thread
        yield record


def _comment(value: dict[str, Any], position: str) -> tuple[Thread, Record]:
    locator = value.get("locator") if isinstance(value.get("locator"), dict) else {}
    url, ref = str(locator.get("url") or ""), str(value.get("id") or "")
    if not ref:
        raise Malformed("comment without id")
    if not url:
        raise Malformed("comment without locator.url")
    user = value.get("user") if isinstance(value.get("user"), dict) else {}
    orig = value.get("orig")
    record = Record(
        ref=ref, thread_ref=url, parent_ref=str(value.get("pid") or "") or None,
        created_at=parse_time(value.get("time")), position=position,
        author_name=str(user.get("name") or ""), html=str(value.get("text") or ""),
        markdown=orig if isinstance(orig, str) and orig.strip() else None,
        status=APPROVED, removed=bool(value.get("delete")), score=_int(value.get("score")),
    )
    return Thread(ref=url, identifier=url, url=url, title=str(value.get("title") or "")), record


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
