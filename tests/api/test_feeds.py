"""Atom feeds over HTTP, read back with a real feed parser: what is listed, threading, links,
caching by ETag, and the errors of bad requests."""

from __future__ import annotations

from html.parser import HTMLParser

import feedparser
import pytest

from commentsvc import feeds
from tests.api.admin_support import bearer, keys  # noqa: F401
from tests.conftest import THREAD, post, set_site_settings

URL = "/api/v1/feed.atom"
ARTICLE_URL = "https://news.example/42"
SITE = {"site": "default"}


def fetch(client, query=THREAD, **kwargs):
    response = client.get(URL, query_string=query, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def ids(parsed) -> list[str]:
    return [entry.id for entry in parsed.entries]


def uri(comment_id: int) -> str:
    return feeds.comment_id_uri("default", comment_id)


@pytest.fixture
def mod(client, keys):  # noqa: F811
    def act(comment_id, action):
        response = client.post(f"/api/v1/admin/comments/{comment_id}/moderate",
                               json={"action": action}, headers=bearer(keys.moderator))
        assert response.status_code == 200, response.json
    return act


def test_a_thread_feed_lists_its_comments_newest_first_with_links_and_threading(client, clock):
    first = post(client, "First!", author_name="Ada", article_url=ARTICLE_URL,
                 article_title="Budget day").json["id"]
    clock.advance(minutes=1)
    reply = post(client, "An answer", author_name="Bo", parent_id=first).json["id"]
    parsed = fetch(client)
    assert parsed.feed.title == "Comments on Budget day"
    assert parsed.feed.updated == "2026-11-28T10:01:00Z"
    assert ids(parsed) == [uri(reply), uri(first)]
    newest, oldest = parsed.entries
    assert newest.link == f"{ARTICLE_URL}#comment-{reply}"
    assert newest["thr_in-reply-to"] == {"ref": uri(first), "type": "text/html",
                                         "href": f"{ARTICLE_URL}#comment-{first}"}
    assert "thr_in-reply-to" not in oldest
    assert oldest.author == "Ada"
    assert oldest.content[0].value == "<p>First!</p>"
    self_link = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_link == ["http://localhost/api/v1/feed.atom?site=default&article=news-42"]


def test_entry_ids_stay_the_same_across_fetches_and_hosts(client):
    comment = post(client).json["id"]
    assert ids(fetch(client)) == ids(fetch(client, base_url="https://other.example")) == [
        uri(comment)]
    assert uri(comment).startswith("urn:uuid:")


def test_only_published_comments_are_listed(app, client, mod):
    shown = post(client, "stays").json["id"]
    rejected, spam = post(client).json["id"], post(client).json["id"]
    mod(rejected, "reject")
    mod(spam, "spam")
    mine = post(client).json
    client.delete(f"/api/v1/comments/{mine['id']}",
                  headers={"Authorization": f"Bearer {mine['edit_token']}"})
    set_site_settings(app, {"moderation": "pre"})
    held = post(client)
    assert held.status_code == 202
    assert ids(fetch(client)) == [uri(shown)]
    assert ids(fetch(client, SITE)) == [uri(shown)]


def test_a_deleted_parent_is_left_out_but_its_reply_still_points_at_it(client):
    parent = post(client).json
    reply = post(client, parent_id=parent["id"]).json["id"]
    client.delete(f"/api/v1/comments/{parent['id']}",
                  headers={"Authorization": f"Bearer {parent['edit_token']}"})
    [entry] = fetch(client).entries
    assert entry.id == uri(reply)
    assert entry["thr_in-reply-to"]["ref"] == uri(parent["id"])


HOSTILE_NAME = '<img src=x onerror=alert(1)> "Eve" & </name><name>'
HOSTILE_BODY = ('<script>alert(1)</script> <a href="javascript:alert(1)">x</a> ]]> &amp; '
                '[click](javascript:alert(1)) <img src=x onerror=alert(1)>')


class Tags(HTMLParser):
    """The elements and attributes a feed reader would build from the entry's HTML."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def test_hostile_names_and_bodies_arrive_as_inert_text(client):
    post(client, HOSTILE_BODY, author_name=HOSTILE_NAME)
    response = client.get(URL, query_string=THREAD)
    assert b"<script" not in response.get_data() and b"<img" not in response.get_data()
    [entry] = fetch(client).entries
    assert entry.author == HOSTILE_NAME
    tags = Tags(entry.content[0].value).found
    assert {tag for tag, _ in tags} <= {"p", "a"}
    for _, attrs in tags:
        assert not any(name.startswith("on") for name in attrs)
        assert "javascript" not in attrs.get("href", "")


def test_an_article_without_a_url_has_entries_without_links(client):
    first = post(client).json["id"]
    post(client, parent_id=first)
    parsed = fetch(client)
    assert [link.rel for link in parsed.feed.links] == ["self"]
    assert [entry.get("links", []) for entry in parsed.entries] == [[], []]
    assert parsed.entries[0]["thr_in-reply-to"] == {"ref": uri(first)}


@pytest.mark.parametrize("article", ["news-42", "never-commented"])
def test_an_empty_thread_is_a_valid_empty_feed(client, article):
    parsed = fetch(client, {"site": "default", "article": article})
    assert parsed.entries == []
    assert parsed.feed.updated  # Atom requires one even with no entries
    assert parsed.feed.id == feeds.feed_id_uri("default", article)


def test_the_latest_fifty_only(client, clock):
    posted = []
    for _ in range(55):
        clock.advance(seconds=1)
        posted.append(post(client).json["id"])
    parsed = fetch(client)
    assert ids(parsed) == [uri(i) for i in reversed(posted[-50:])]
    assert len(fetch(client, SITE).entries) == 50


def test_a_thread_feed_answers_304_until_the_thread_changes(client, clock):
    post(client)
    first = client.get(URL, query_string=THREAD)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public")
    again = client.get(URL, query_string=THREAD, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    clock.advance(seconds=5)
    post(client)
    changed = client.get(URL, query_string=THREAD, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert len(feedparser.parse(changed.get_data()).entries) == 2


def test_an_edit_changes_the_thread_feed(client, clock):
    mine = post(client, "before").json
    etag = client.get(URL, query_string=THREAD).headers["ETag"]
    clock.advance(minutes=2)
    client.patch(f"/api/v1/comments/{mine['id']}", json={"body": "after"},
                 headers={"Authorization": f"Bearer {mine['edit_token']}"})
    changed = client.get(URL, query_string=THREAD, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    [entry] = feedparser.parse(changed.get_data()).entries
    assert entry.content[0].value == "<p>after</p>"
    assert entry.updated == "2026-11-28T10:02:00Z"


def test_a_site_feed_answers_304_until_a_comment_is_published_anywhere(client, mod):
    post(client)
    etag = client.get(URL, query_string=SITE).headers["ETag"]
    assert client.get(URL, query_string=SITE, headers={"If-None-Match": etag}).status_code == 304
    elsewhere = post(client, article="news-43").json["id"]
    changed = client.get(URL, query_string=SITE, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    mod(elsewhere, "reject")
    assert client.get(URL, query_string=SITE, headers={"If-None-Match": etag}).status_code == 304


def test_a_site_feed_spans_articles_and_sites_stay_apart(client, clock, keys):  # noqa: F811
    one = post(client, article_url=ARTICLE_URL, article_title="Budget day").json["id"]
    clock.advance(seconds=1)
    two = post(client, article="news-43").json["id"]
    client.post("/api/v1/admin/sites", json={"key": "other"}, headers=bearer(keys.global_admin))
    post(client, site="other")
    parsed = fetch(client, SITE)
    assert ids(parsed) == [uri(two), uri(one)]
    assert parsed.entries[1].title.endswith("on Budget day")
    assert parsed.entries[1].link == f"{ARTICLE_URL}#comment-{one}"
    assert parsed.entries[0].title.endswith("on news-43")


@pytest.mark.parametrize("query", [{"site": "nowhere"}, {"site": "nowhere", "article": "a"}])
def test_an_unknown_site_is_404_in_the_envelope(client, query):
    response = client.get(URL, query_string=query)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "site_not_found"


@pytest.mark.parametrize("query", [{}, {"article": "news-42"}, {"site": ""},
                                   {"site": "default", "article": " "},
                                   {"site": "default", "article": "a" * 513}])
def test_bad_feed_queries_are_400_naming_the_field(client, query):
    response = client.get(URL, query_string=query)
    assert response.status_code == 400
    assert response.json["error"]["fields"]


def test_the_openapi_document_describes_the_feed(client):
    operation = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/feed.atom"]["get"]
    assert "application/atom+xml" in operation["responses"]["200"]["content"]
    assert {"304", "400", "404", "429"} <= set(operation["responses"])
    assert {p["name"] for p in operation["parameters"]} == {"site", "article"}
