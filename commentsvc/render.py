"""Readers' text: Unicode clean-up, and the Markdown subset rendered once to safe HTML.

Markdown is rendered by markdown-it-py (CommonMark, raw HTML off, images off, bare URLs
linkified); the result then passes nh3's allowlist, which is the real security boundary.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

# C0/C1 controls except tab and newline; bidi embeddings, overrides and isolates; invisible
# characters used to split words past filters (zero-width space, word joiner, BOM).
_STRIPPED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b\u2060-\u2064\ufeff]"
)

# Lone surrogates are not Unicode scalar values: nh3 (Rust) cannot take them, nor can
# markdown-it percent-encode them in a link's URL.
_SURROGATES = re.compile("[\ud800-\udfff]")

# The HTML parser drops a byte order mark at the very start of its input: strip it (and the
# whitespace around it) here, so that sanitising the output again changes nothing.
_EDGES = re.compile(r"^[\s\ufeff]+|\s+$")

_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    .enable("linkify")
    .disable(["image", "heading", "lheading", "hr", "html_block", "html_inline"])
)


def clean_text(text: str) -> str:
    """NFC-normalise and remove control and bidi-override characters; CRLF becomes LF."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _STRIPPED.sub("", text)


def _safe_href(value: str) -> str | None:
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return None
    if parts.scheme.lower() in {"http", "https"} and not parts.netloc:
        return None
    return value


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return _safe_href(value)
    if tag == "ol" and attribute == "start":
        # isdigit alone accepts "²" and "١٢".
        return value if value.isascii() and value.isdigit() and len(value) < 7 else None
    return value


# Built once: nh3.clean would rebuild the whole configuration on every call.
_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    # The "*" entry replaces nh3's default generic attributes (title, lang on every tag).
    attributes={"*": set(), **ALLOWED_ATTRIBUTES},
    url_schemes=ALLOWED_SCHEMES,
    link_rel=LINK_REL,
    attribute_filter=_attribute_filter,
    strip_comments=True,
)


def sanitize_html(html: str) -> str:
    """Keep only the allowlisted tags, attributes and URL schemes.

    Cleaned until nothing changes: the HTML parser can build trees its own serialisation does
    not round-trip (an <a> left open inside <select> becomes nested anchors, which a second parse
    un-nests), and the stored HTML must read the same to every later parser."""
    previous = _SURROGATES.sub("\ufffd", html)
    cleaned = _clean_once(previous)
    # Input that comes out unchanged is already a fixpoint: no second pass to prove it.
    for _ in range(3):
        if cleaned == previous:
            break
        previous, cleaned = cleaned, _clean_once(cleaned)
    return cleaned


def _clean_once(html: str) -> str:
    return _EDGES.sub("", _cleaner.clean(html))


def to_html(markdown_source: str) -> str:
    """Render a comment body (already cleaned) to the HTML that is stored and served."""
    return sanitize_html(_markdown.render(_SURROGATES.sub("\ufffd", markdown_source)))
