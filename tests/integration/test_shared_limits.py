"""Two app processes on one PostgreSQL and one Redis share a single rate limit."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest

from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL, THREAD

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not (TEST_DATABASE_URL and TEST_REDIS_URL),
                       reason="needs COMMENTSVC_TEST_DATABASE_URL and COMMENTSVC_TEST_REDIS_URL"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{base} did not become healthy")


def post(base: str, reader: str, body: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/comments", data=json.dumps({**THREAD, "body": body}).encode(),
        headers={"Content-Type": "application/json", "X-Reader-Token": reader}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def two_servers(app):  # `app` resets the database the servers use
    env = {**os.environ, "COMMENTSVC_DATABASE_URL": TEST_DATABASE_URL,
           "COMMENTSVC_RATELIMIT_STORAGE_URI": TEST_REDIS_URL,
           "COMMENTSVC_RATELIMIT_POST_READER": "4/minute",
           "COMMENTSVC_SECRET_KEY": "shared-secret"}
    processes, bases = [], []
    for _ in range(2):
        port = free_port()
        command = [sys.executable, "-m", "commentsvc.cli", "serve", "--host", "127.0.0.1",
                   "--port", str(port), "--workers", "1", "--threads", "2"]
        processes.append(subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE, text=True))
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base, process in zip(bases, processes, strict=True):
            wait_until_healthy(base, process)
        yield bases
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
            process.stderr.close()


def test_two_processes_share_one_posting_limit(two_servers):
    reader = uuid.uuid4().hex
    statuses = [post(two_servers[n % 2], reader, f"comment {n}") for n in range(5)]
    assert statuses == [201, 201, 201, 201, 429]
