"""Every request's raw input is checked here, once, before any view, schema or database sees it.

The rules, the same on every route (public, admin, pages):
- a JSON body nested deeper than MAX_JSON_DEPTH -> 400 `json_too_deep`;
- a lone surrogate (an unpaired \\ud800-\\udfff escape) in any JSON string or key -> 400
  `invalid_unicode`: it is not text, and nothing downstream (nh3, psycopg) can encode it;
- NUL (U+0000) in any JSON string or key -> 422 `invalid_text`; in a query or path parameter
  -> 400 `invalid_text`. PostgreSQL cannot store NUL in text, and no reader types one;
- a body that is not JSON at all (or not UTF-8) -> 400 `bad_request`, before the view;
- a body over MAX_CONTENT_LENGTH -> 413, also when it comes chunked (no Content-Length);
- ids in the path are 1..MAX_ID (the columns are 32-bit INTEGER), others do not match: 404.
Errors name the field: the top-level key of the body, or the parameter's name.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from commentsvc.cursors import INT_MAX as MAX_ID
from commentsvc.errors import BadRequest, DomainError

MAX_JSON_DEPTH = 32
NUL_MESSAGE = "NUL characters are not allowed"
SURROGATE_MESSAGE = "lone surrogates are not text"
_SURROGATE = re.compile("[\ud800-\udfff]")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # a JSON string, escapes and all
_BRACKET = re.compile(r"[\[\]{}]")


class InvalidParameter(DomainError):
    status, code = 400, "invalid_text"


class InvalidBodyText(DomainError):
    status, code = 422, "invalid_text"


class UnreadableJSON(DomainError):
    status, code = 400, "invalid_json"


class InvalidJSON(ValueError):
    """Raised by the JSON provider; a ValueError so that get_json(silent=True) stays silent."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field

    def as_error(self) -> DomainError:
        fields = {self.field: [self.message]} if self.field is not None else None
        sentence = f"{self.field}: {self.message}" if self.field is not None else self.message
        kind = InvalidBodyText if self.code == "invalid_text" else UnreadableJSON
        return kind(sentence, code=self.code, fields=fields)


def at_most_regex(limit: int) -> str:
    """A regex for the decimal numbers 1..limit without leading zeros."""
    digits = str(limit)
    width = len(digits)
    parts = [rf"[1-9]\d{{0,{width - 2}}}"] if width > 1 else []
    for i, digit in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            parts.append(rf"{digits[:i]}[{low}-{int(digit) - 1}]\d{{{width - i - 1}}}")
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


class IdConverter(IntegerConverter):
    """`<id:name>`: a positive id that fits the database's INTEGER columns, else no route (404).

    The range is in the regex, not in to_python: werkzeug answers 405 instead of 404 when a
    converter refuses a path that another method's rule would have matched."""

    regex = at_most_regex(MAX_ID)

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def id_parameter_schema(_converter: IdConverter) -> dict[str, Any]:
    return {"type": "integer", "minimum": 1, "maximum": MAX_ID, "example": 1}


class CheckedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing what would later crash: deep nesting, surrogates, NUL."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return parse_json(s)


def parse_json(text: str | bytes) -> Any:
    """Parse a request body, raising InvalidJSON (a ValueError) for anything we refuse."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")  # UnicodeDecodeError is a ValueError too
    _check_depth(text)
    value = json.loads(text)  # no RecursionError: the depth is bounded by now
    _check_strings(value)
    return value


def _check_depth(text: str) -> None:
    """Count brackets outside strings: never recursive, whatever the input."""
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            raise InvalidJSON("json_too_deep", f"JSON nests more than {MAX_JSON_DEPTH} levels")


def _check_strings(value: Any) -> None:
    """Every string and key, with the top-level key it sits under (iterative: depth is bounded
    but a wide document is not)."""
    top = list(value.items()) if isinstance(value, dict) else [(None, value)]
    for field, item in top:
        if field is not None:
            _check_text(field, field)
        stack = [item]
        while stack:
            current = stack.pop()
            if isinstance(current, str):
                _check_text(current, field)
            elif isinstance(current, dict):
                for key, inner in current.items():
                    _check_text(key, field)
                    stack.append(inner)
            elif isinstance(current, list):
                stack.extend(current)


def _check_text(text: str, field: str | None) -> None:
    if _SURROGATE.search(text):
        raise InvalidJSON("invalid_unicode", SURROGATE_MESSAGE, _printable(field))
    if "\x00" in text:
        raise InvalidJSON("invalid_text", NUL_MESSAGE, _printable(field))


def _printable(field: str | None) -> str | None:
    """A field name safe to echo back (the bad key itself may be the surrogate)."""
    if field is None:
        return None
    return _SURROGATE.sub("\ufffd", field).replace("\x00", "\ufffd")


def check_request() -> None:
    """before_request: parameters first (cheap), then the body."""
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise _bad_parameter(name)
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and "\x00" in value:
            raise _bad_parameter(name)
    if request.method in {"POST", "PUT", "PATCH", "DELETE"} and request.is_json:
        _check_body()


def _bad_parameter(name: str) -> InvalidParameter:
    name = name.replace("\x00", "\ufffd")
    return InvalidParameter(f"{name}: {NUL_MESSAGE}", fields={name: [NUL_MESSAGE]})


def _check_body() -> None:
    # get_data reads through werkzeug's limited stream (413 over MAX_CONTENT_LENGTH when a
    # Content-Length says so up front).
    data = request.get_data(cache=True)
    limit = request.max_content_length
    if request.content_length is None and limit is not None and len(data) >= limit:
        # A chunked body stops silently at the limit; asking for one byte more raises the 413.
        request.stream.read(1)
    if not data:
        return
    try:
        parse_json(data)
    except InvalidJSON as invalid:
        raise invalid.as_error() from None
    except ValueError:  # not JSON, not UTF-8, or a number longer than Python converts
        raise BadRequest("request body is not valid JSON") from None


def register_input_checks(app: Flask) -> None:
    """Called before the blueprints are registered: routes need the `id` converter."""
    app.json = CheckedJSONProvider(app)
    app.json.sort_keys = False
    app.url_map.converters["id"] = IdConverter
    app.before_request(check_request)
