"""The body size limit holds for chunked bodies behind a real gunicorn, not only in the test
client: no Content-Length, yet over COMMENTSVC_MAX_REQUEST_BYTES is a 413."""

import http.client
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import THREAD
from tests.integration.test_shared_limits import free_port, wait_until_healthy


@pytest.fixture
def server(app, database_url):  # `app` migrates and resets the database the server uses
    port = free_port()
    env = {**os.environ, "COMMENTSVC_DATABASE_URL": database_url,
           "COMMENTSVC_MAX_REQUEST_BYTES": "2000", "COMMENTSVC_SECRET_KEY": "chunked-secret"}
    command = [sys.executable, "-m", "commentsvc.cli", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1", "--threads", "2"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()


def post_chunked(port: int, payload: bytes) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        chunks = (payload[i:i + 500] for i in range(0, len(payload), 500))
        connection.request("POST", "/api/v1/comments", body=chunks, encode_chunked=True,
                           headers={"Content-Type": "application/json",
                                    "X-Reader-Token": "chunked-test-reader"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_chunked_body_over_the_limit_is_413_through_gunicorn(server):
    status, body = post_chunked(server, json.dumps({**THREAD, "body": "x" * 5000}).encode())
    assert status == 413
    assert body["error"]["code"] == "payload_too_large"


def test_a_chunked_body_under_the_limit_is_posted_through_gunicorn(server):
    status, _ = post_chunked(server, json.dumps({**THREAD, "body": "small"}).encode())
    assert status == 201
