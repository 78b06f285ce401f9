"""The live-stream server: open streams hear changes written by any process, resume without loss.

The server runs in a thread with its own event loop, on the test database; comments are posted
through the Flask app, which shares nothing with it but the database (and Redis when given), as
another worker process would.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from aiohttp import web

from commentsvc import live_server
from commentsvc.extensions import db
from tests.conftest import TEST_REDIS_URL, THREAD, post


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def stream_server(app, redis_url: str = "", poll: float = 0.1,
                  port: int | None = None) -> Iterator[int]:
    with app.app_context():
        engine = db.engine
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(live_server.make_app(engine, redis_url, poll), shutdown_timeout=0.5)
    port, started = port or free_port(), threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        yield port
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


class Stream:
    """An open stream, read event by event."""

    def __init__(self, port: int, headers: dict | None = None, **query) -> None:
        from urllib.parse import urlencode

        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        self.conn.request("GET", "/api/v1/stream?" + urlencode({**THREAD, **query}),
                          headers=headers or {})
        self.response = self.conn.getresponse()

    def next(self, timeout: float = 5) -> tuple[str, dict]:
        self.conn.sock.settimeout(timeout)
        fields: dict[str, str] = {}
        while True:
            line = self.response.fp.readline().decode().rstrip("\n")
            if not line:
                if "event" in fields:
                    return fields["event"], json.loads(fields["data"])
                fields = {}
                continue
            if not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def streams():
    opened: list[Stream] = []

    def open_stream(port: int, **kwargs) -> Stream:
        opened.append(Stream(port, **kwargs))
        return opened[-1]

    yield open_stream
    for s in opened:
        s.close()


def test_an_open_stream_hears_a_post_made_through_another_process(app, client, streams):
    with stream_server(app) as port:
        s = streams(port)
        assert s.response.status == 200
        assert s.response.headers["Content-Type"] == "text/event-stream"
        assert s.next() == ("ready", {"version": 0})
        comment = post(client).json
        kind, data = s.next()
        assert (kind, data["id"], data["parent_id"]) == ("comment", comment["id"], None)


def test_every_stream_on_the_article_hears_it_and_others_do_not(app, client, streams):
    with stream_server(app) as port:
        here = [streams(port) for _ in range(5)]
        elsewhere = streams(port, article="another-article")
        for s in [*here, elsewhere]:
            s.next()
        comment = post(client).json
        assert {s.next()[1]["id"] for s in here} == {comment["id"]}
        with pytest.raises(TimeoutError):
            elsewhere.next(timeout=0.5)


def test_a_stream_resumes_from_its_last_event_id_without_loss(app, client, streams):
    with stream_server(app) as port:
        first = streams(port)
        first.next()
        post(client)
        seen = first.next()[1]
        first.close()
        missed = [post(client).json["id"] for _ in range(3)]
        again = streams(port, headers={"Last-Event-ID": str(seen["version"])})
        assert again.next()[0] == "ready"
        assert [again.next()[1]["id"] for _ in missed] == missed


def test_an_edit_and_a_removal_reach_the_stream(app, client, streams):
    comment = post(client).json
    token = {"Authorization": f"Bearer {comment['edit_token']}"}
    with stream_server(app) as port:
        s = streams(port)
        s.next()
        client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "Changed"},
                     headers=token)
        assert s.next()[0] == "edited"
        client.delete(f"/api/v1/comments/{comment['id']}", headers=token)
        assert s.next()[0] == "removed"


def test_bad_parameters_and_unknown_sites_get_the_error_envelope(app):
    with stream_server(app) as port:
        for query, status in [("site=default&article=a&since=-4", 400),
                              ("site=nope&article=a", 404), ("article=a", 400)]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/stream?" + query)
            response = conn.getresponse()
            assert response.status == status
            assert "error" in json.loads(response.read())
            conn.close()


@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs COMMENTSVC_TEST_REDIS_URL")
def test_with_redis_a_post_arrives_long_before_the_next_poll(make_app, streams):
    app = make_app(COMMENTSVC_LIVE_REDIS_URL=TEST_REDIS_URL)
    client = app.test_client()
    with stream_server(app, redis_url=TEST_REDIS_URL, poll=30) as port:
        s = streams(port)
        s.next()
        time.sleep(0.3)  # the subscription is made once the server's loop runs
        started = time.monotonic()
        post(client)
        assert s.next(timeout=3)[0] == "comment"
        assert time.monotonic() - started < 2


def test_serve_runs_a_stream_process_redirects_to_it_and_stops_it(tmp_path):
    from tests.integration.test_serve import request, server

    live_port = free_port()
    with server(tmp_path, COMMENTSVC_LIVE_PORT=str(live_port)) as (port, _log):
        status, _ = request(port, "GET", "/api/v1/stream?site=default&article=a")
        assert status == 307
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/v1/stream?site=default&article=a")
        location = conn.getresponse().headers["Location"]
        conn.close()
        assert location == f"http://127.0.0.1:{live_port}/api/v1/stream?site=default&article=a"
        s = Stream(live_port, article="a")
        assert s.next() == ("ready", {"version": 0})
        status, body = request(port, "POST", "/api/v1/comments",
                               {**THREAD, "article": "a", "body": "Through serve"})
        assert status == 201
        kind, data = s.next()
        assert (kind, data["id"]) == ("comment", json.loads(body)["id"])
        s.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", live_port), timeout=0.5).close()
        except OSError:
            return
        time.sleep(0.2)
    raise AssertionError("the stream process outlived commentsvc serve")


def test_a_post_is_published_only_through_the_redis_of_the_app_that_wrote_it(make_app, caplog):
    make_app(COMMENTSVC_LIVE_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens
    client = make_app().test_client()
    assert post(client).status_code == 201
    assert "could not publish" not in caplog.text
