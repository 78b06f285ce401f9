"""Comment bodies from other systems: their HTML through our sanitiser, and a text to edit.

The stored HTML is the source's HTML after render.sanitize_html (the allowlist posted comments
pass), so what readers saw keeps its paragraphs, line breaks and links. body_source, which
moderators read and authors' edits start from, is a Markdown rendering of that safe HTML:
paragraphs become blank lines, <br> a newline, links [text](url) (or the bare URL), emphasis
*x* / **x**, code `x`, quotes "> ", list items "- ".
"""

from __future__ import annotations

import html as htmllib
import re

from commentsvc import render

_HAS_BLOCKS = re.compile(r"<\s*(p|br|div|ul|ol|li|blockquote|pre)\b", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_body(source_html: str) -> tuple[str, str]:
    """(body_source, body_html) for a body the source stored as HTML."""
    text = render.clean_text(source_html).strip()
    if not _HAS_BLOCKS.search(text):
        text = _paragraphs(text)
    safe = render.sanitize_html(text)
    return html_to_markdown(safe), safe


def markdown_body(source: str) -> tuple[str, str]:
    """(body_source, body_html) for a body the source stored as Markdown (Isso)."""
    text = render.clean_text(source).strip()
    return text, render.to_html(text)


def _paragraphs(text: str) -> str:
    # Plain text with HTML bits, as WordPress stores it: blank lines part paragraphs and a
    # single newline is a line break (what WordPress's wpautop does when it shows them).
    parts = [part.strip() for part in _BLANK_LINES.split(text) if part.strip()]
    return "".join(f"<p>{part.replace(chr(10), '<br>' + chr(10))}</p>" for part in parts)


_LINK = re.compile(r'<a\b[^>]*?href="([^"]*)"[^>]*>(.*?)</a>', re.IGNORECASE | re.DOTALL)
_INLINE = [
    (re.compile(r"</?strong>", re.IGNORECASE), "**"),
    (re.compile(r"</?em>", re.IGNORECASE), "*"),
    (re.compile(r"</?code>", re.IGNORECASE), "`"),
]
_BR = re.compile(r"<br\s*/?>\n?", re.IGNORECASE)
_BLOCK_END = re.compile(r"</(p|pre|ul|ol)>\s*", re.IGNORECASE)
_LI = re.compile(r"<li>\s*", re.IGNORECASE)
_QUOTE = re.compile(r"<blockquote>(.*?)</blockquote>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def html_to_markdown(safe_html: str) -> str:
    """A readable Markdown text of already-sanitised HTML (only the allowlisted tags remain)."""
    text = _LINK.sub(_link, safe_html)
    for pattern, mark in _INLINE:
        text = pattern.sub(mark, text)
    text = _QUOTE.sub(lambda m: _quoted(m.group(1)), text)
    text = _BR.sub("\n", text)
    text = _LI.sub("- ", text)
    text = re.sub(r"</li>\s*", "\n", text, flags=re.IGNORECASE)
    text = _BLOCK_END.sub("\n\n", text)
    text = htmllib.unescape(_TAG.sub("", text))
    return _BLANK_LINES.sub("\n\n", text).strip()


def _link(match: re.Match) -> str:
    href, label = htmllib.unescape(match.group(1)), _TAG.sub("", match.group(2))
    return href if htmllib.unescape(label).strip() in {href, ""} else f"[{label}]({href})"


def _quoted(inner: str) -> str:
    body = html_to_markdown(inner)
    return "\n".join(f"> {line}" if line else ">" for line in body.splitlines()) + "\n\n"
