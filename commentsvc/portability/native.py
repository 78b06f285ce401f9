"""Reading commentsvc's own export (export.py; docs/export-format.md) back in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from commentsvc.portability.export import COMMENT_FIELDS, FORMAT, VERSION
from commentsvc.portability.jsonlines import lines
from commentsvc.portability.records import (
    STATUSES,
    Malformed,
    Record,
    Skipped,
    Thread,
    UnreadableFile,
    parse_time,
)

SOURCE = "commentsvc"


def read(path: Path) -> Iterator[Thread | Record | Skipped]:
    first = True
    for number, value in lines(path):
        position = f"line {number}"
        if first:
            first = False
            _check_meta(value)
            continue
        try:
            if isinstance(value, Malformed):
                raise value
            kind = value.get("type")
            if kind == "article":
                yield _article(value)
            elif kind == "comment":
                yield _comment(value, position)
            elif kind not in {"site", "meta"}:
                raise Malformed(f"unknown type {str(kind)[:20]!r}")
        except Malformed as exc:
            yield Skipped(position, "malformed", str(exc))


def _check_meta(value: Any) -> None:
    if isinstance(value, Malformed) or value.get("format") != FORMAT:
        raise UnreadableFile(f"not a commentsvc export: the first line is not its {FORMAT!r}"
                             " meta line")
    if value.get("version") != VERSION:
        raise UnreadableFile(f"export format version {value.get('version')!r} is not known"
                             f" here (this version reads {VERSION})")


def _article(value: dict[str, Any]) -> Thread:
    key = value.get("key")
    if not isinstance(key, str) or not key:
        raise Malformed("article without a key")
    return Thread(ref=key, identifier=key, key=key, url=str(value.get("url") or ""),
                  title=str(value.get("title") or ""), closed=bool(value.get("closed")),
                  premoderated=bool(value.get("premoderated")),
                  created_at=parse_time(value["created_at"]) if value.get("created_at") else None)


def _comment(value: dict[str, Any], position: str) -> Record:
    comment_id, article = value.get("id"), value.get("article")
    source = value.get("source") if isinstance(value.get("source"), dict) else {}
    if comment_id is None or not isinstance(article, str):
        raise Malformed("comment without id or article")
    if value.get("status") not in STATUSES:
        raise Malformed(f"unknown status {str(value.get('status'))[:20]!r}")
    if not isinstance(value.get("body_html"), str) or not isinstance(value.get("body_source"), str):
        raise Malformed("comment without body_source and body_html")
    extra = {name: value.get(name) for name in COMMENT_FIELDS if name in value}
    extra.update(pinned=bool(value.get("pinned")), import_id=str(source.get("id") or comment_id),
                 edited_at=parse_time(value["edited_at"]) if value.get("edited_at") else None)
    parent = value.get("parent")
    return Record(
        ref=str(comment_id), thread_ref=article,
        parent_ref=None if parent is None else str(parent),
        created_at=parse_time(value.get("created_at")), position=position,
        author_name=str(value.get("author_name") or ""), markdown=value["body_source"],
        body_html=value["body_html"], status=value["status"],
        score=value.get("score") if isinstance(value.get("score"), int) else 0,
        source=str(source.get("name") or SOURCE)[:32], extra=extra,
    )
