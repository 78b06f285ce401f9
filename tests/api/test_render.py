"""GET /api/v1/render and the permalink pages: the thread as HTML, its structured data, caching."""

from __future__ import annotations

import json
import re
from typing import Any

import extruct
import pytest

from commentsvc.extensions import db
from commentsvc.sites import create_site
from tests.api.admin_support import bearer, keys  # noqa: F401
from tests.conftest import THREAD, post

SHARED = "public, max-age=10, stale-while-revalidate=30"
HOSTILE_NAME = '</script><script>alert(1)</script>"><b>x'


def render(client, **query: Any):
    return client.get("/api/v1/render", query_string={**THREAD, **query})


def shown_ids(html: str) -> list[int]:
    """Top-level and reply ids in document order."""
    return [int(i) for i in re.findall(r'<article id="comment-(\d+)"', html)]


def ld(html: str) -> dict[str, Any]:
    """The JSON-LD as a structured-data parser (extruct) finds it in the page."""
    found = extruct.extract(f"<!doctype html><html><body>{html}</body></html>",
                            syntaxes=["json-ld"])["json-ld"]
    assert len(found) == 1
    return found[0]


def walk(nodes: list[dict[str, Any]], parent: str | None = None):
    for node in nodes:
        yield node, parent
        yield from walk(node.get("comment", []), node["@id"])


@pytest.fixture
def thread(client, keys):  # noqa: F811
    """A, B under A, C under B; D; E (deleted) with F under it; G pinned."""
    ids: dict[str, int] = {}
    tokens: dict[str, str] = {}
    for name, parent in [("A", None), ("B", "A"), ("C", "B"), ("D", None), ("E", None),
                         ("F", "E"), ("G", None)]:
        answer = post(client, f"Comment **{name}**", author_name=f"Reader {name}",
                      parent_id=ids.get(parent)).json
        ids[name], tokens[name] = answer["id"], answer["edit_token"]
    deleted = client.delete(f"/api/v1/comments/{ids['E']}", headers=bearer(tokens["E"]))
    assert deleted.status_code == 204
    pinned = client.post(f"/api/v1/admin/comments/{ids['G']}/moderate",
                         json={"action": "pin"}, headers=bearer(keys.moderator))
    assert pinned.status_code == 200
    return ids


def test_the_fragment_is_the_thread_in_a_declarative_shadow_root(client, thread):
    response = render(client)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert html.startswith('<template shadowrootmode="open"><style>:host{display:block!important}')
    assert "What is your opinion on this topic?" in html
    assert '<span class="count">6 comments</span>' in html
    assert '<time datetime="' in html
    assert "<strong>A</strong>" in html
    # No script of the service's can run from it: only data blocks.
    assert re.findall(r"<script[^>]*>", html) == [
        f'<script type="application/json" class="page" data-key="{_key()}">',
        '<script type="application/ld+json">']


def _key() -> str:
    return "[&#34;default&#34;,&#34;news-42&#34;,&#34;oldest&#34;,20,&#34;&#34;]"


def test_pinned_comments_lead_and_replies_follow_their_parents(client, thread):
    html = render(client).get_data(as_text=True)
    t = thread
    assert shown_ids(html) == [t["G"], t["A"], t["B"], t["C"], t["D"], t["E"], t["F"]]
    assert '<span class="badge pin">Pinned</span>' in html


def test_a_deleted_comment_with_replies_keeps_its_place_as_deleted(client, thread):
    html = render(client).get_data(as_text=True)
    deleted = html[html.index(f'id="comment-{thread["E"]}"'):]
    assert deleted.index('<p class="gone">[deleted]</p>') < deleted.index("Comment <strong>F")
    assert "Reader E" not in html


def test_the_embedded_page_is_the_json_thread_page(client, thread):
    html = render(client).get_data(as_text=True)
    data = re.search(r'class="page"[^>]*>(.*?)</script>', html).group(1)
    assert json.loads(data) == client.get("/api/v1/comments", query_string=THREAD).json


def test_the_structured_data_holds_every_comment_with_its_parent(client, thread):
    data = ld(render(client).get_data(as_text=True))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Article"
    assert data["commentCount"] == 6
    page = client.get("/api/v1/comments", query_string=THREAD).json
    expected = {c["id"]: c for c in _flat(page["comments"])}
    seen = {}
    for node, holder in walk(data["comment"]):
        assert node["@type"] == "Comment"
        cid = int(node["@id"].rsplit("-", 1)[1])
        comment = expected[cid]
        parent = comment["parent_id"]
        if parent is None:
            assert "parentItem" not in node and holder is None
        else:
            assert node["parentItem"]["@id"].endswith(f"#comment-{parent}")
            assert holder == node["parentItem"]["@id"]
        assert node["datePublished"] == comment["created_at"]
        if comment["status"] == "deleted":
            assert node["text"] == "[deleted]" and "author" not in node
        else:
            assert node["author"] == {"@type": "Person", "name": comment["author"]["name"]}
            assert node["text"] == f"Comment {comment['author']['name'][-1]}"
            assert node["upvoteCount"] == 0
        seen[cid] = node
    assert sorted(seen) == sorted(expected) == sorted(thread.values())


def _flat(comments):
    for c in comments:
        yield c
        yield from _flat(c["replies"])


def test_hostile_names_and_bodies_stay_inert(client):
    post(client, 'Hi <img src=x onerror=alert(1)> [x](javascript:alert(1)) </script>',
         author_name=HOSTILE_NAME)
    html = render(client).get_data(as_text=True)
    # As text, escaped: no tag carries them.
    assert re.search(r"<[^>]*(onerror|javascript:)", html) is None
    assert "<script>alert" not in html
    # Two data blocks, each closed once: the name cannot end either of them early.
    assert html.count("</script>") == 2
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;b&gt;x" in html
    data = ld(html)
    assert data["comment"][0]["author"]["name"] == HOSTILE_NAME


def test_the_fragment_is_cached_with_an_etag_and_answers_304(client, thread):
    first = render(client)
    assert first.headers["Cache-Control"] == SHARED
    assert "Origin" in first.headers["Vary"]
    again = client.get("/api/v1/render", query_string=THREAD,
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["ETag"] == first.headers["ETag"]
    assert first.headers["ETag"] != client.get("/api/v1/comments",
                                               query_string=THREAD).headers["ETag"]
    post(client, "news")
    after = render(client)
    assert after.headers["ETag"] != first.headers["ETag"]
    assert "7 comments" in after.get_data(as_text=True)


def test_opened_on_its_own_the_fragment_may_run_no_script(client, thread):
    response = render(client)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_empty_thread_invites_the_first_comment(client):
    html = render(client, article="nobody-yet").get_data(as_text=True)
    assert '<span class="count">Leave the first comment</span>' in html
    assert '<div class="bar js" hidden>' in html


@pytest.mark.parametrize(("lang", "heading", "count"), [
    ("de", "Was ist Ihre Meinung zu diesem Thema?", "22 Kommentare"),
    ("ru-RU", "Каково ваше мнение по этой теме?", "22 комментария"),
    ("xx", "What is your opinion on this topic?", "22 comments"),
])
def test_the_fragment_speaks_the_widgets_language(client, lang, heading, count):
    for _ in range(22):
        post(client)
    html = render(client, lang=lang).get_data(as_text=True)
    assert heading in html
    assert count in html


def test_next_pages_are_links_that_work_without_javascript(client):
    ids = [post(client).json["id"] for _ in range(23)]
    html = render(client).get_data(as_text=True)
    assert shown_ids(html) == ids[:20]
    link = re.search(r'<a class="btn more" href="([^"]+)">Load more comments</a>', html).group(1)
    assert link.startswith("http://localhost/t/default/news-42?cursor=")
    second = client.get(link.replace("&amp;", "&"))
    assert second.status_code == 200
    assert second.headers["Content-Security-Policy"].startswith("default-src 'self'")
    page = second.get_data(as_text=True)
    assert shown_ids(page) == ids[20:]
    assert "Load more comments" not in page
    # The same page from the API, by the same cursor.
    cursor = link.split("cursor=")[1].replace("&amp;", "&")
    assert shown_ids(render(client, cursor=cursor).get_data(as_text=True)) == ids[20:]


def test_more_replies_lead_to_a_page_of_that_comments_replies(client):
    top = post(client).json["id"]
    replies = [post(client, parent_id=top).json["id"] for _ in range(8)]
    html = render(client).get_data(as_text=True)
    assert shown_ids(html) == [top, *replies[:5]]
    link = re.search(r'<a class="link" href="([^"]+)">Show 3 more replies</a>', html).group(1)
    page = client.get(link).get_data(as_text=True)
    assert shown_ids(page) == [top, *replies]
    assert "Replies to Anonymous" in page
    assert "widget.js" not in page  # not a first page: nothing for the widget to adopt


def test_the_permalink_page_is_a_whole_document_the_widget_can_adopt(client, thread):
    page = client.get("/t/default/news-42")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.startswith("<!doctype html>")
    assert '<link rel="canonical" href="http://localhost/t/default/news-42">' in html
    assert '<div id="commentsvc" data-site="default" data-article="news-42"' in html
    assert '<template shadowrootmode="open">' in html
    assert '<script src="/static/widget.js" async></script>' in html
    assert shown_ids(html) == shown_ids(render(client).get_data(as_text=True))


def test_article_keys_with_slashes_inside_keep_them_in_the_permalink(client):
    post(client, "nested", article="news/2026/budget")
    html = render(client, article="news/2026/budget").get_data(as_text=True)
    assert "http://localhost/t/default/news/2026/budget#comment-" in html
    assert "nested" in client.get("/t/default/news/2026/budget").get_data(as_text=True)


def test_article_keys_that_are_paths_have_permalinks_too(client):
    post(client, "on a path", article="/news/2026/budget")
    html = render(client, article="/news/2026/budget").get_data(as_text=True)
    assert "http://localhost/t/default?article=%2Fnews%2F2026%2Fbudget" in html
    page = client.get("/t/default?article=%2Fnews%2F2026%2Fbudget")
    assert page.status_code == 200
    assert "on a path" in page.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    {"site": None}, {"article": None}, {"sort": "random"}, {"limit": 0}, {"theme": "pink"},
    {"cursor": "not-a-cursor"},
])
def test_bad_queries_get_the_json_error_envelope(client, query):
    response = client.get("/api/v1/render", query_string={
        k: v for k, v in {**THREAD, **query}.items() if v is not None})
    assert response.status_code == 400
    assert response.json["error"]["code"]


def test_an_unknown_site_is_404(client):
    response = render(client, site="nowhere")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "site_not_found"


@pytest.mark.parametrize("path", ["/t/nowhere/news-42", "/t/default/news-42?replies=999999",
                                  "/t/default/other-article?replies={id}"])
def test_permalinks_to_nothing_are_404(client, thread, path):
    assert client.get(path.format(id=thread["A"])).status_code == 404


def test_a_bad_permalink_query_is_400(client):
    assert client.get("/t/default/news-42?limit=1000").status_code == 400


def test_a_closed_thread_shows_that_it_is_closed_and_no_form(client, thread, keys):  # noqa: F811
    closed = client.patch("/api/v1/admin/articles", query_string=THREAD,
                          json={"closed": True}, headers=bearer(keys.moderator))
    assert closed.status_code == 200
    html = render(client).get_data(as_text=True)
    assert '<p class="notice">Comments are closed for this article.</p>' in html
    assert "<form" not in html
    assert 'class="link reply' not in html


def test_a_page_of_an_origin_the_site_does_not_allow_is_refused(app, client):
    with app.app_context():
        create_site(db.session, "news", origins=["https://news.example"])
        db.session.commit()
    allowed = client.get("/api/v1/render", query_string={**THREAD, "site": "news"},
                         headers={"Origin": "https://news.example"})
    assert allowed.status_code == 200
    response = client.get("/api/v1/render", query_string={**THREAD, "site": "news"},
                          headers={"Origin": "https://elsewhere.example"})
    assert response.status_code == 403
    assert response.json["error"]["code"] == "origin_not_allowed"
