"""Thread pages and counts carry headers a CDN can use; one reader's answers stay private."""

import pytest

from tests.conftest import THREAD, post

COUNTS = {"site": "default", "article": ["news-42", "news-43"]}
SHARED = "public, max-age=10, stale-while-revalidate=30"


@pytest.fixture
def thread(client):
    return post(client, "first").json


def test_a_thread_page_may_be_kept_by_a_shared_cache_for_a_few_seconds(client, thread):
    response = client.get("/api/v1/comments", query_string=THREAD)
    assert response.headers["Cache-Control"] == SHARED
    assert response.headers["ETag"]


def test_an_empty_thread_page_carries_the_same_cache_headers(client):
    response = client.get("/api/v1/comments", query_string={**THREAD, "article": "none-yet"})
    assert response.headers["Cache-Control"] == SHARED


def test_a_thread_page_304_keeps_its_cache_headers(client, thread):
    etag = client.get("/api/v1/comments", query_string=THREAD).headers["ETag"]
    again = client.get("/api/v1/comments", query_string=THREAD,
                       headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == SHARED
    assert again.headers["ETag"] == etag
    assert "Origin" in again.headers["Vary"]


def test_the_cache_lifetimes_are_settings(make_app, thread):
    app = make_app(COMMENTSVC_CACHE_MAX_AGE=60, COMMENTSVC_CACHE_STALE_SECONDS=0)
    response = app.test_client().get("/api/v1/comments", query_string=THREAD)
    assert response.headers["Cache-Control"] == "public, max-age=60"


def test_counts_may_be_kept_by_a_shared_cache_and_carry_an_etag(client, thread):
    response = client.get("/api/v1/counts", query_string=COUNTS)
    assert response.json == {"counts": {"news-42": 1, "news-43": 0}}
    assert response.headers["Cache-Control"] == SHARED
    assert response.headers["ETag"]


def test_unchanged_counts_answer_304(client, thread):
    etag = client.get("/api/v1/counts", query_string=COUNTS).headers["ETag"]
    again = client.get("/api/v1/counts", query_string=COUNTS, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == SHARED


def test_a_new_comment_changes_the_counts_etag(client, thread):
    etag = client.get("/api/v1/counts", query_string=COUNTS).headers["ETag"]
    post(client, "second")
    again = client.get("/api/v1/counts", query_string=COUNTS, headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert again.json["counts"]["news-42"] == 2
    assert again.headers["ETag"] != etag


def test_counts_of_other_articles_have_another_etag(client, thread):
    one = client.get("/api/v1/counts", query_string=COUNTS).headers["ETag"]
    other = client.get("/api/v1/counts", query_string={"site": "default", "article": "news-42"})
    assert other.headers["ETag"] != one


def test_a_readers_own_votes_are_never_kept_by_a_cache(client, thread):
    response = client.get("/api/v1/votes", query_string=THREAD,
                          headers={"X-Reader-Token": "reader-reader-token-0"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("path", ["/api/v1/comments", "/api/v1/counts"])
def test_answers_vary_on_origin_even_to_requests_without_one(client, thread, path):
    # A CDN must not hand a copy made without CORS headers to a page on an allowed origin.
    response = client.get(path, query_string=THREAD)
    assert response.headers["Vary"] == "Origin"


@pytest.mark.parametrize("path", ["/api/v1/comments", "/api/v1/counts"])
def test_shared_answers_do_not_vary_on_the_reader(client, thread, path):
    response = client.get(path, query_string=THREAD,
                          headers={"X-Reader-Token": "reader-reader-token-0"})
    assert "X-Reader-Token" not in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers
