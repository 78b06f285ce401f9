"""Counts and thread pages asked for again are answered from the answer Flask gave before."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select, text

from commentsvc.api import kept_answers
from commentsvc.extensions import db
from commentsvc.models import Site
from commentsvc.sites import create_site, update_site
from tests.api.test_read_costs import TWENTY, statements
from tests.conftest import THREAD, post

NEWS = "https://news.example"
NEWS_THREAD = {"site": "news", "article": "story-1"}


@pytest.fixture
def news(app, client):
    """A site that lets https://news.example in, with one comment on story-1."""
    with app.app_context():
        create_site(db.session, "news", origins=[NEWS])
        db.session.commit()
    assert post(client, **NEWS_THREAD).status_code == 201
    return app


def _same_answer(first, again) -> None:
    assert (again.status_code, again.get_data()) == (first.status_code, first.get_data())
    assert ({k: v for k, v in again.headers if k != "X-Request-ID"}
            == {k: v for k, v in first.headers if k != "X-Request-ID"})


@pytest.mark.parametrize("path, query", [("/api/v1/counts", TWENTY),
                                         ("/api/v1/comments", THREAD)])
def test_an_answer_asked_for_again_is_the_same_with_its_own_request_id(app, client, path,
                                                                       query):
    post(client)
    first = client.get(path, query_string=query)
    again = client.get(path, query_string=query)
    assert first.status_code == 200
    _same_answer(first, again)
    assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    mine = client.get(path, query_string=query, headers={"X-Request-ID": "trace-7"})
    assert mine.headers["X-Request-ID"] == "trace-7"


def test_counts_asked_for_again_by_a_browser_cost_no_query(news, client):
    # Flask's answer would look up the site's origins.
    client.get("/api/v1/counts", query_string=NEWS_THREAD, headers={"Origin": NEWS})
    with statements(news) as seen:
        again = client.get("/api/v1/counts", query_string=NEWS_THREAD, headers={"Origin": NEWS})
    assert again.status_code == 200 and seen == []


def test_a_thread_page_asked_for_again_by_a_browser_costs_only_its_version(news, client,
                                                                          monkeypatch):
    # Flask's answer would look up the site's origins and then the thread's version.
    client.get("/api/v1/comments", query_string=NEWS_THREAD, headers={"Origin": NEWS})
    probes = []
    read_version = kept_answers.THREAD_VERSION.rows
    monkeypatch.setattr(kept_answers.THREAD_VERSION, "rows",
                        lambda *args: probes.append(args) or read_version(*args))
    with statements(news) as seen:
        again = client.get("/api/v1/comments", query_string=NEWS_THREAD,
                           headers={"Origin": NEWS})
    assert again.status_code == 200
    # The version goes straight to the driver (reads.DriverQuery), past SQLAlchemy's events.
    assert len(probes) == 1 and seen == []


def test_a_change_made_by_another_process_shows_on_the_thread_page_at_once(app, client):
    post(client)
    assert client.get("/api/v1/comments", query_string=THREAD).json["article"]["title"] is None
    with app.app_context():  # as another worker would: a write this process hears nothing of
        db.session.execute(text("UPDATE article SET title = 'Changed', version = version + 1"))
        db.session.commit()
    page = client.get("/api/v1/comments", query_string=THREAD)
    assert page.json["article"]["title"] == "Changed"


def test_a_comment_posted_through_this_process_shows_in_counts_at_once(app, client):
    query = {"site": "default", "article": THREAD["article"]}
    post(client)
    assert client.get("/api/v1/counts", query_string=query).json["counts"] == {"news-42": 1}
    post(client)
    assert client.get("/api/v1/counts", query_string=query).json["counts"] == {"news-42": 2}


@pytest.mark.parametrize("path", ["/api/v1/counts", "/api/v1/comments"])
def test_an_origin_the_site_stops_allowing_is_refused_within_the_lifetime(news, client, clock,
                                                                          path):
    headers = {"Origin": NEWS}
    assert client.get(path, query_string=NEWS_THREAD, headers=headers).status_code == 200
    with news.app_context():
        site = db.session.scalar(select(Site).where(Site.key == "news"))
        update_site(db.session, site, origins=["https://other.example"])
        db.session.commit()
    clock.advance(seconds=news.config["COMMENTSVC_COUNTS_CACHE_SECONDS"])
    refused = client.get(path, query_string=NEWS_THREAD, headers=headers)
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "origin_not_allowed"


@pytest.mark.parametrize("path", ["/api/v1/counts", "/api/v1/comments"])
def test_each_origin_gets_its_own_answer(news, client, path):
    allowed = client.get(path, query_string=NEWS_THREAD, headers={"Origin": NEWS})
    assert allowed.headers["Access-Control-Allow-Origin"] == NEWS
    for _ in range(2):
        other = client.get(path, query_string=NEWS_THREAD,
                           headers={"Origin": "https://evil.example"})
        assert other.status_code == 403
        assert other.headers.get("Access-Control-Allow-Origin") != NEWS
    plain = client.get(path, query_string=NEWS_THREAD)
    assert plain.status_code == 200 and "Access-Control-Allow-Origin" not in plain.headers


@pytest.mark.parametrize("path", ["/api/v1/counts", "/api/v1/comments"])
def test_failures_are_never_kept(app, client, path):
    query = {"site": "nope", "article": "a"}
    for _ in range(2):
        with statements(app) as seen:
            missing = client.get(path, query_string=query)
        assert missing.status_code == 404 and seen
    for _ in range(2):
        assert client.get(path, query_string={"site": "default"}).status_code == 400


@pytest.mark.parametrize("path, query", [("/api/v1/counts", TWENTY),
                                         ("/api/v1/comments", THREAD)])
def test_a_conditional_request_is_answered_304(app, client, path, query):
    post(client)
    etag = client.get(path, query_string=query).headers["ETag"]
    client.get(path, query_string=query)
    unchanged = client.get(path, query_string=query, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.headers["ETag"] == etag


def test_with_rate_limits_on_every_read_counts_against_them(make_app):
    app = make_app(RATELIMIT_ENABLED=True, COMMENTSVC_RATELIMIT_READ_IP="2/minute")
    client = app.test_client()
    answers = [client.get("/api/v1/counts", query_string=TWENTY).status_code for _ in range(3)]
    assert answers == [200, 200, 429]


def test_a_kept_answer_writes_its_own_log_line(make_app, capsys):
    app = make_app(COMMENTSVC_LOG_FORMAT="json")
    client = app.test_client()
    capsys.readouterr()
    ids = [client.get("/api/v1/counts", query_string=TWENTY).headers["X-Request-ID"]
           for _ in range(2)]
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    logged = [line for line in lines if line["logger"] == "commentsvc.request"]
    assert [(line["route"], line["status"], line["request_id"]) for line in logged] == [
        ("/api/v1/counts", 200, ids[0]), ("/api/v1/counts", 200, ids[1])]


def test_a_kept_answer_is_timed_from_its_arrival(make_app, capsys, monkeypatch):
    app = make_app(COMMENTSVC_LOG_FORMAT="json")
    client = app.test_client()
    client.get("/api/v1/counts", query_string=TWENTY)
    capsys.readouterr()
    ticks = iter(range(1, 1000))  # a clock that moves one second each time it is read
    monkeypatch.setattr(time, "perf_counter", lambda: float(next(ticks)))
    client.get("/api/v1/counts", query_string=TWENTY)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    [logged] = [line for line in lines if line["logger"] == "commentsvc.request"]
    assert logged["duration_ms"] >= 1000


@pytest.mark.parametrize("status, vary, kept", [
    ("200 OK", "Origin", True), ("200 OK", None, True),
    ("200 OK", "Origin, Accept-Encoding", False), ("304 NOT MODIFIED", "Origin", False),
    ("404 NOT FOUND", "Origin", False)])
def test_only_a_200_that_varies_on_origin_alone_is_kept(status, vary, kept):
    headers = [("Content-Type", "application/json")] + ([("Vary", vary)] if vary else [])
    assert kept_answers._keepable(status, headers) is kept



def test_without_a_page_cache_every_thread_page_is_read_again(make_app):
    app = make_app(COMMENTSVC_PAGE_CACHE_ENTRIES=0)
    client = app.test_client()
    post(client)
    client.get("/api/v1/comments", query_string=THREAD)
    with statements(app) as seen:
        assert client.get("/api/v1/comments", query_string=THREAD).status_code == 200
    assert len(seen) >= 3  # the thread's head, its comments, their replies


def test_without_a_counts_cache_every_count_is_read_again(make_app):
    app = make_app(COMMENTSVC_COUNTS_CACHE_SECONDS=0)
    client = app.test_client()
    client.get("/api/v1/counts", query_string=TWENTY)
    with statements(app) as seen:
        assert client.get("/api/v1/counts", query_string=TWENTY).status_code == 200
    assert len(seen) == 1
