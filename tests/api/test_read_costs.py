"""The hottest reads cost a fixed, small number of statements, whatever they ask for."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text

from commentsvc.api import origins, reads
from commentsvc.extensions import db
from commentsvc.sites import create_site, origin_allowed
from tests.conftest import THREAD, post

NEWS = "https://news.example"
TWENTY = [("site", "default"), *(("article", f"a-{n}") for n in range(20))]


@contextmanager
def statements(app, isolation: list | None = None):
    seen: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
        if isolation is not None:
            isolation.append(conn.get_execution_options().get("isolation_level"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def test_counts_of_twenty_articles_cost_one_query(app, client):
    post(client, article="a-3")
    with statements(app) as seen:
        response = client.get("/api/v1/counts", query_string=TWENTY)
    assert response.status_code == 200
    assert response.json["counts"]["a-3"] == 1 and response.json["counts"]["a-4"] == 0
    assert len(seen) == 1


def test_counts_of_a_site_without_comments_are_zero_and_of_no_site_404(client):
    assert client.get("/api/v1/counts", query_string=TWENTY).json["counts"]["a-0"] == 0
    missing = client.get("/api/v1/counts", query_string={"site": "nope", "article": "a"})
    assert missing.status_code == 404
    assert missing.json["error"]["code"] == "site_not_found"


@pytest.mark.parametrize("path", ["/api/v1/counts", "/api/v1/comments"])
def test_a_browsers_read_looks_up_the_sites_origins_once(app, client, path):
    post(client)
    query = TWENTY if path.endswith("counts") else THREAD
    if path.endswith("comments"):
        client.get(path, query_string=query)  # the thread page is in the page cache now
    with statements(app) as seen:
        response = client.get(path, query_string=query, headers={"Origin": NEWS})
    assert response.headers["Access-Control-Allow-Origin"] == NEWS
    assert sum("allowed_origins" in statement for statement in seen) == 1
    # The first ask from this origin: the origins, then the counts or the thread's head (the
    # kept-answers layer reads the thread's version straight from the driver: reads.DriverQuery).
    assert len(seen) == 2


@pytest.mark.parametrize("development", [True, False])
@pytest.mark.parametrize("site_key", ["default", "news", "open", "nope", None])
@pytest.mark.parametrize("origin", [NEWS, NEWS + "/", "https://evil.example", "null"])
def test_the_per_request_origin_check_answers_as_sites_origin_allowed(
        make_app, development, site_key, origin):
    app = make_app(COMMENTSVC_ENV="development" if development else "production",
                   SECRET_KEY="prod-secret-" * 4)
    with app.app_context():
        create_site(db.session, "news", origins=[NEWS])
        create_site(db.session, "open", origins=["*"])
        db.session.commit()
        config = app.extensions["commentsvc"]
        for unknown_site in (False, True):
            with app.test_request_context():
                expected = origin_allowed(db.session, site_key, origin, config,
                                          unknown_site=unknown_site)
                assert origins.site_allows(site_key, origin, unknown_site=unknown_site) \
                    == expected


def test_on_postgresql_the_hot_reads_run_outside_a_transaction_and_posts_inside(app, client):
    """Two round trips (BEGIN, ROLLBACK) fewer for a read; a write keeps its transaction."""
    post(client)
    client.get("/api/v1/comments", query_string=THREAD)
    reads: list = []
    with statements(app, reads):
        client.get("/api/v1/counts", query_string=TWENTY, headers={"Origin": NEWS})
        client.get("/api/v1/comments", query_string=THREAD, headers={"Origin": NEWS})
    writes: list = []
    with statements(app, writes):
        assert post(client, headers={"Origin": NEWS}).status_code == 201
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    # counts: the site's origins (kept from then on), counts; the thread: its head, read by
    # the view (the kept-answers layer's version check: test_the_version_check_*)
    assert reads == ["AUTOCOMMIT" if postgresql else None] * 3
    assert "AUTOCOMMIT" not in writes and writes


def test_a_read_after_a_post_sees_it_on_the_kept_connection(client):
    """The thread's kept connection holds no snapshot from one request to the next."""
    query = {"site": "default", "article": THREAD["article"]}
    assert client.get("/api/v1/counts", query_string=query).json["counts"] == {"news-42": 0}
    post(client)
    assert client.get("/api/v1/counts", query_string=query).json["counts"] == {"news-42": 1}
    first = client.get("/api/v1/comments", query_string=THREAD).json
    post(client)
    assert client.get("/api/v1/comments", query_string=THREAD).json != first


def test_a_kept_connection_that_died_is_replaced_without_an_error(app, client):
    post(client)
    assert client.get("/api/v1/counts", query_string=TWENTY).status_code == 200
    kept = app.extensions[reads.KEPT]
    # What a database restart leaves behind: the driver's connection is gone.
    kept.local.connection.connection.dbapi_connection.close()
    response = client.get("/api/v1/counts", query_string=[*TWENTY, ("article", "news-42")])
    assert response.status_code == 200
    assert response.json["counts"]["news-42"] == 1


def test_a_kept_connection_that_died_under_the_version_check_is_replaced(app, client):
    post(client)
    assert client.get("/api/v1/comments", query_string=THREAD).status_code == 200
    app.extensions[reads.KEPT].local.connection.connection.dbapi_connection.close()
    answers = [client.get("/api/v1/comments", query_string=THREAD) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[1].json["article"]["comment_count"] == 1


def test_no_transaction_stays_open_between_reads(app, client):
    client.get("/api/v1/comments", query_string=THREAD, headers={"Origin": NEWS})
    assert not app.extensions[reads.KEPT].local.connection.in_transaction()


def test_reads_go_on_after_the_engine_was_disposed(app, client):
    assert client.get("/api/v1/counts", query_string=TWENTY).status_code == 200
    with app.app_context():
        db.engine.dispose()  # as `commentsvc serve` does before it forks
    assert client.get("/api/v1/counts", query_string=TWENTY).status_code == 200


def test_counts_asked_again_within_a_second_cost_no_query(app, client):
    client.get("/api/v1/counts", query_string=TWENTY)
    with statements(app) as seen:
        again = client.get("/api/v1/counts", query_string=TWENTY)
    assert again.status_code == 200 and seen == []


def test_another_process_writes_show_in_counts_within_the_cache_lifetime(app, client, clock):
    query = {"site": "default", "article": THREAD["article"]}
    post(client)
    assert client.get("/api/v1/counts", query_string=query).json["counts"] == {"news-42": 1}
    with app.app_context():  # as another worker would: a write this process hears nothing of
        db.session.execute(text("UPDATE article SET comment_count = 7"))
        db.session.commit()
    assert client.get("/api/v1/counts", query_string=query).json["counts"] == {"news-42": 1}
    clock.advance(seconds=app.config["COMMENTSVC_COUNTS_CACHE_SECONDS"])
    assert client.get("/api/v1/counts", query_string=query).json["counts"] == {"news-42": 7}


def test_a_server_with_a_thread_per_client_does_not_run_the_pool_dry(app):
    # werkzeug's threaded server (the browser tests', `flask run`) starts a thread per client
    # connection; each kept a connection checked out until the pool (5 + 10) timed out.
    post(app.test_client())
    answers: list[int] = []

    def one_client() -> None:
        answers.append(app.test_client().get("/api/v1/comments", query_string=THREAD)
                       .status_code)

    for _ in range(40):
        client_thread = threading.Thread(target=one_client)
        client_thread.start()
        client_thread.join(timeout=10)
        assert not client_thread.is_alive(), "waiting for a pooled connection"
    assert answers == [200] * 40
    kept = app.extensions[reads.KEPT]
    assert len(kept.opened) <= 2
