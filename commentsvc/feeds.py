"""Atom 1.0 documents of published comments, with RFC 4685 threading (pure: entries in, XML out).

Everything a reader wrote goes through ElementTree, which escapes text and attribute values;
no user data is ever pasted into markup by hand. Comment bodies are the HTML stored at write
time, already cleaned by nh3 (render.py), carried as escaped `type="html"` content.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
THREAD = "http://purl.org/syndication/thread/1.0"
MEDIA_TYPE = "application/atom+xml"
MAX_ENTRIES = 50

ET.register_namespace("", ATOM)
ET.register_namespace("thr", THREAD)

# Ids are name-based UUIDs (RFC 9562 v5): the same comment always has the same id, whatever
# host name or port the feed is fetched through, and nothing about the service leaks from them.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://commentsvc.invalid/feeds")
# Characters XML 1.0 cannot carry at all (ElementTree would write them and break the document).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Entry:
    """One published comment as a feed shows it."""

    comment_id: int
    parent_id: int | None
    author_name: str
    html: str
    created_at: datetime
    edited_at: datetime | None
    article_key: str
    article_title: str
    article_url: str


@dataclass(frozen=True)
class Feed:
    """What the feed is about: one thread (article_key set) or a whole site."""

    site_key: str
    site_name: str
    self_url: str
    # Used as the feed's <updated> when it has no entries (Atom requires one).
    quiet_since: datetime
    article_key: str | None = None
    article_title: str = ""
    article_url: str = ""


def comment_id_uri(site_key: str, comment_id: int) -> str:
    return _urn(f"{site_key}/comment/{comment_id}")


def feed_id_uri(site_key: str, article_key: str | None) -> str:
    return _urn(f"{site_key}/article/{article_key}" if article_key is not None
                else f"{site_key}/site")


def comment_url(article_url: str, comment_id: int) -> str | None:
    """The comment on the article page (the widget scrolls to #comment-ID); None without a URL."""
    if not web_url(article_url):
        return None
    return f"{article_url.split('#', 1)[0]}#comment-{comment_id}"


def web_url(url: str) -> bool:
    """Only http(s) addresses become links: a feed reader must never get a javascript: URL."""
    return url.lower().startswith(("http://", "https://"))


def build(feed: Feed, entries: Sequence[Entry]) -> bytes:
    """The Atom document, newest entry first, at most MAX_ENTRIES of them."""
    entries = sorted(entries, key=lambda e: (e.created_at, e.comment_id), reverse=True)
    entries = entries[:MAX_ENTRIES]
    root = ET.Element(_atom("feed"))
    _text(root, "id", feed_id_uri(feed.site_key, feed.article_key))
    _text(root, "title", _feed_title(feed))
    updated = max((_updated(e) for e in entries), default=feed.quiet_since)
    _text(root, "updated", _date(updated))
    _link(root, "self", feed.self_url, MEDIA_TYPE)
    if web_url(feed.article_url):
        _link(root, "alternate", feed.article_url, "text/html")
    # Atom needs an author for every entry; each entry has its own, this one is the fallback.
    _text(ET.SubElement(root, _atom("author")), "name", feed.site_name or feed.site_key)
    ET.SubElement(root, _atom("generator")).text = "commentsvc"
    for entry in entries:
        _entry(root, feed, entry)
    ET.indent(root, space="")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _entry(root: ET.Element, feed: Feed, entry: Entry) -> None:
    element = ET.SubElement(root, _atom("entry"))
    _text(element, "id", comment_id_uri(feed.site_key, entry.comment_id))
    _text(element, "title", _entry_title(feed, entry))
    _text(element, "published", _date(entry.created_at))
    _text(element, "updated", _date(_updated(entry)))
    _text(ET.SubElement(element, _atom("author")), "name", entry.author_name or "Anonymous")
    link = comment_url(entry.article_url, entry.comment_id)
    if link:
        _link(element, "alternate", link, "text/html")
    content = _text(element, "content", entry.html)
    content.set("type", "html")
    if entry.parent_id is not None:
        reply_to = ET.SubElement(element, f"{{{THREAD}}}in-reply-to")
        reply_to.set("ref", comment_id_uri(feed.site_key, entry.parent_id))
        parent_link = comment_url(entry.article_url, entry.parent_id)
        if parent_link:
            reply_to.set("href", parent_link)
            reply_to.set("type", "text/html")


def _feed_title(feed: Feed) -> str:
    if feed.article_key is None:
        return f"Latest comments on {feed.site_name or feed.site_key}"
    return f"Comments on {feed.article_title or feed.article_key}"


def _entry_title(feed: Feed, entry: Entry) -> str:
    name = entry.author_name or "Anonymous"
    kind = "Reply" if entry.parent_id is not None else "Comment"
    if feed.article_key is not None:
        return f"{kind} by {name}"
    return f"{kind} by {name} on {entry.article_title or entry.article_key}"


def _updated(entry: Entry) -> datetime:
    return max(entry.created_at, entry.edited_at or entry.created_at)


def _date(value: datetime) -> str:
    """RFC 3339 in UTC, as Atom requires."""
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _urn(name: str) -> str:
    return uuid.uuid5(_NAMESPACE, name).urn


def _atom(tag: str) -> str:
    return f"{{{ATOM}}}{tag}"


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, _atom(tag))
    element.text = _NOT_XML.sub("\ufffd", value)
    return element


def _link(parent: ET.Element, rel: str, href: str, media_type: str) -> None:
    ET.SubElement(parent, _atom("link"),
                  {"rel": rel, "href": _NOT_XML.sub("", href), "type": media_type})
