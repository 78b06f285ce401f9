"""The Atom documents, built from plain entries and read back by a real feed parser."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import feedparser
import pytest

from commentsvc import feeds

WHEN = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
THREAD_FEED = feeds.Feed(site_key="default", site_name="Daily News",
                         self_url="https://comments.example/api/v1/feed.atom?site=default&article=a1",
                         quiet_since=datetime(2026, 1, 1, tzinfo=UTC), article_key="a1",
                         article_title="Budget day", article_url="https://news.example/a1")
SITE_FEED = replace(THREAD_FEED, article_key=None, article_title="", article_url="",
                    self_url="https://comments.example/api/v1/feed.atom?site=default")
HOSTILE = [
    '<script>alert(1)</script>',
    '"quoted" & \'apostrophe\' <b>bold</b>',
    ']]><evil/><![CDATA[',
    '&amp; &lt; &#x27; &nbsp;',
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>&e;',
]


def entry(comment_id: int, parent_id: int | None = None, **fields) -> feeds.Entry:
    values = {"author_name": "Ada", "html": f"<p>Comment {comment_id}</p>",
              "created_at": WHEN + timedelta(minutes=comment_id), "edited_at": None,
              "article_key": "a1", "article_title": "Budget day",
              "article_url": "https://news.example/a1", **fields}
    return feeds.Entry(comment_id, parent_id, **values)


def parse(document: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(document)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_a_thread_feed_is_valid_atom_with_ids_titles_and_dates():
    parsed = parse(feeds.build(THREAD_FEED, [entry(1), entry(2)]))
    assert parsed.feed.title == "Comments on Budget day"
    assert parsed.feed.id == feeds.feed_id_uri("default", "a1")
    assert parsed.feed.id.startswith("urn:uuid:")
    assert parsed.feed.updated == "2026-11-28T10:02:00Z"
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links == {"self": THREAD_FEED.self_url, "alternate": "https://news.example/a1"}
    newest = parsed.entries[0]
    assert [e.id for e in parsed.entries] == [feeds.comment_id_uri("default", 2),
                                              feeds.comment_id_uri("default", 1)]
    assert newest.title == "Comment by Ada"
    assert newest.author == "Ada"
    assert newest.published == "2026-11-28T10:02:00Z"
    assert newest.link == "https://news.example/a1#comment-2"
    assert newest.content[0].type == "text/html"
    assert newest.content[0].value == "<p>Comment 2</p>"


def test_ids_are_stable_and_differ_by_comment_site_and_article():
    assert feeds.comment_id_uri("default", 7) == feeds.comment_id_uri("default", 7)
    ids = {feeds.comment_id_uri("default", 7), feeds.comment_id_uri("default", 8),
           feeds.comment_id_uri("other", 7), feeds.feed_id_uri("default", "a1"),
           feeds.feed_id_uri("default", "a2"), feeds.feed_id_uri("default", None)}
    assert len(ids) == 6
    assert feeds.comment_id_uri("default", 7) == "urn:uuid:" + feeds.comment_id_uri(
        "default", 7).removeprefix("urn:uuid:")


def test_a_reply_names_its_parent_the_rfc_4685_way():
    document = feeds.build(THREAD_FEED, [entry(1), entry(2, parent_id=1)])
    root = ET.fromstring(document)
    reply = root.findall(f"{{{feeds.ATOM}}}entry")[0]
    in_reply_to = reply.find(f"{{{feeds.THREAD}}}in-reply-to")
    assert in_reply_to.attrib == {"ref": feeds.comment_id_uri("default", 1),
                                  "href": "https://news.example/a1#comment-1",
                                  "type": "text/html"}
    top_level = root.findall(f"{{{feeds.ATOM}}}entry")[1]
    assert top_level.find(f"{{{feeds.THREAD}}}in-reply-to") is None
    parsed = parse(document)
    assert parsed.entries[0].title == "Reply by Ada"


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_names_and_bodies_stay_text(hostile):
    document = feeds.build(THREAD_FEED, [entry(1, author_name=hostile, html=hostile)])
    root = ET.fromstring(document)  # well-formed: nothing hostile became markup
    assert [el.tag for el in root.iter() if "evil" in el.tag] == []
    only = root.find(f"{{{feeds.ATOM}}}entry")
    assert only.find(f"{{{feeds.ATOM}}}author/{{{feeds.ATOM}}}name").text == hostile
    assert only.find(f"{{{feeds.ATOM}}}content").text == hostile
    assert b"<!DOCTYPE" not in document and b"<script" not in document
    parse(document)


def test_characters_xml_cannot_carry_are_replaced_not_written():
    document = feeds.build(THREAD_FEED, [entry(1, author_name="A\x00b\x1b", html="<p>x\x0cy</p>")])
    only = ET.fromstring(document).find(f"{{{feeds.ATOM}}}entry")
    assert only.find(f"{{{feeds.ATOM}}}author/{{{feeds.ATOM}}}name").text == "A\ufffdb\ufffd"
    parse(document)


@pytest.mark.parametrize("url", ["", "javascript:alert(1)", "/relative/path"])
def test_an_article_without_a_web_url_gives_entries_without_links(url):
    about = replace(THREAD_FEED, article_url=url)
    document = feeds.build(about, [entry(1, article_url=url), entry(2, 1, article_url=url)])
    parsed = parse(document)
    assert [link.rel for link in parsed.feed.links] == ["self"]
    for item in parsed.entries:
        assert item.get("links", []) == []
        assert item.content[0].value.startswith("<p>Comment")
    in_reply_to = ET.fromstring(document).find(f".//{{{feeds.THREAD}}}in-reply-to")
    assert in_reply_to.attrib == {"ref": feeds.comment_id_uri("default", 1)}


def test_a_link_keeps_the_article_url_but_not_its_fragment():
    assert feeds.comment_url("https://news.example/a1?page=2#top", 5) == (
        "https://news.example/a1?page=2#comment-5")


def test_an_empty_feed_is_valid_and_dated_by_its_quiet_time():
    parsed = parse(feeds.build(THREAD_FEED, []))
    assert parsed.entries == []
    assert parsed.feed.updated == "2026-01-01T00:00:00Z"


def test_an_edit_moves_the_entry_and_feed_updated_but_not_published():
    edited = entry(1, edited_at=WHEN + timedelta(hours=3))
    parsed = parse(feeds.build(THREAD_FEED, [edited]))
    assert parsed.entries[0].published == "2026-11-28T10:01:00Z"
    assert parsed.entries[0].updated == "2026-11-28T13:00:00Z"
    assert parsed.feed.updated == "2026-11-28T13:00:00Z"


def test_at_most_the_latest_fifty_entries_newest_first():
    parsed = parse(feeds.build(THREAD_FEED, [entry(i) for i in range(1, 80)]))
    assert len(parsed.entries) == feeds.MAX_ENTRIES == 50
    assert parsed.entries[0].link.endswith("#comment-79")
    assert parsed.entries[-1].link.endswith("#comment-30")


def test_a_site_feed_names_each_entrys_article():
    other = entry(2, article_key="a2", article_title="", article_url="https://news.example/a2")
    parsed = parse(feeds.build(SITE_FEED, [entry(1), other]))
    assert parsed.feed.title == "Latest comments on Daily News"
    assert [link.rel for link in parsed.feed.links] == ["self"]
    assert [e.title for e in parsed.entries] == ["Comment by Ada on a2",
                                                 "Comment by Ada on Budget day"]
    assert parsed.entries[0].link == "https://news.example/a2#comment-2"


def test_an_anonymous_comment_is_by_anonymous():
    parsed = parse(feeds.build(THREAD_FEED, [entry(1, author_name="")]))
    assert parsed.entries[0].author == "Anonymous"
