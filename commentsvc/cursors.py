"""Opaque keyset cursors shared by every list: threads, replies, moderation queues, audit log.

Keyset, not OFFSET: page 500 must cost what page 1 costs.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, tuple_
from sqlalchemy.orm import Session

from commentsvc.errors import BadRequest

# The INTEGER columns (ids, scores, counts) are 32-bit on PostgreSQL; SQLite is held to the same
# range, so a cursor can never carry a number the database would refuse.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True)
class Order:
    """A list order: its columns (all ascending or all descending), named so cursors can't mix."""

    name: str
    columns: tuple[Any, ...]
    descending: bool

    def values(self, row: Any) -> list[Any]:
        return [_plain(getattr(row, column.key)) for column in self.columns]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _parse(value: Any, column: Any) -> Any:
    if column.type.python_type is datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive time in cursor")
        # Stored times are UTC: a time that has no UTC form (year 1 at +14:00) is no position.
        return parsed.astimezone(UTC)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("not an integer")
    if not INT_MIN <= value <= INT_MAX:
        raise ValueError("integer out of range")
    return value


def encode(order: Order, values: list[Any]) -> str:
    raw = json.dumps([order.name, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, order: Order) -> tuple[Any, ...]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, *values = json.loads(raw)
        if name != order.name or len(values) != len(order.columns):
            raise ValueError(name)
        return tuple(_parse(v, c) for v, c in zip(values, order.columns, strict=True))
    except (ValueError, TypeError, OverflowError, RecursionError, binascii.Error) as exc:
        raise BadRequest("cursor is not valid for this list and sort",
                         code="invalid_cursor") from exc


def page(session: Session, query: Select, order: Order, limit: int,
         after: tuple[Any, ...] | None) -> tuple[list[Any], str | None]:
    """One page of `query` in `order` after the decoded cursor, and the next page's cursor."""
    if after is not None:
        position, values = tuple_(*order.columns), tuple_(*after)
        query = query.where(position < values if order.descending else position > values)
    ordering = [c.desc() if order.descending else c.asc() for c in order.columns]
    rows = list(session.scalars(query.order_by(*ordering).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode(order, order.values(rows[-1]))
