"""Reading JSON Lines files (gzipped or not), one object per line, with line numbers."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from commentsvc.portability.records import Malformed, UnreadableFile


def lines(path: Path) -> Iterator[tuple[int, dict[str, Any] | Malformed]]:
    """(line number, object) for each non-blank line; a Malformed in place of a bad line."""
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    opened = gzip.open(path, "rb") if gzipped else path.open("rb")  # noqa: SIM115 (closed below)
    with opened as binary, io.TextIOWrapper(binary, encoding="utf-8", errors="strict") as text:
        number = 0
        try:
            for number, line in enumerate(text, start=1):
                if line.strip():
                    yield number, _object(line)
        except (UnicodeDecodeError, OSError, EOFError) as exc:
            raise UnreadableFile(f"line {number + 1}: cannot read the file: {exc}") from exc


def _object(line: str) -> dict[str, Any] | Malformed:
    try:
        value = json.loads(line)
    except ValueError as exc:
        return Malformed(f"not JSON ({exc.msg})")
    return value if isinstance(value, dict) else Malformed("not a JSON object")
