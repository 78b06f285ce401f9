"""Isso: its SQLite database file, opened read-only.

threads (id, uri, title); comments (tid, id, parent, created (Unix float), modified, mode
(1 published, 2 pending, 4 deleted), remote_addr, text (Markdown), author, email, website,
likes, dislikes, voters).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from commentsvc.portability.records import (
    APPROVED,
    PENDING,
    Malformed,
    Record,
    Skipped,
    Thread,
    UnreadableFile,
    parse_time,
)

SOURCE = "isso"
MODES = {1: APPROVED, 2: PENDING}
DELETED_MODE = 4


def read(path: Path) -> Iterator[Thread | Record | Skipped]:
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise UnreadableFile(f"not an SQLite database: {exc}") from exc
    if not {"threads", "comments"} <= tables:
        connection.close()
        raise UnreadableFile("not an Isso database: it has no threads and comments tables")
    try:
        for ref, uri, title in connection.execute("SELECT id, uri, title FROM threads"):
            uri = uri or ""
            yield Thread(ref=str(ref), identifier=uri,
                         url=uri if uri.startswith(("http://", "https://")) else "",
                         title=title or "", key=None)
        rows = connection.execute(
            "SELECT tid, id, parent, created, mode, text, author, email, likes, dislikes"
            " FROM comments ORDER BY id")
        for row in rows:
            position = f"comment id {row[1]}"
            try:
                yield _comment(row, position)
            except Malformed as exc:
                yield Skipped(position, "malformed", str(exc))
    except sqlite3.DatabaseError as exc:
        raise UnreadableFile(f"cannot read the Isso database: {exc}") from exc
    finally:
        connection.close()


def _comment(row: tuple, position: str) -> Record:
    tid, ref, parent, created, mode, body, author, email, likes, dislikes = row
    if tid is None:
        raise Malformed("comment without a thread (tid)")
    if mode not in MODES and mode != DELETED_MODE:
        raise Malformed(f"unknown mode {mode!r}")
    if not isinstance(created, int | float):
        raise Malformed(f"unreadable created {str(created)[:30]!r}")
    return Record(
        ref=str(ref), thread_ref=str(tid), parent_ref=None if parent is None else str(parent),
        created_at=parse_time(created), position=position, author_name=author or "",
        email=email or None, markdown=body or "", status=MODES.get(mode, APPROVED),
        removed=mode == DELETED_MODE, score=(likes or 0) - (dislikes or 0),
    )
