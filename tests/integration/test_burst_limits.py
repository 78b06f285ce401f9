"""Posting limits hold exactly under bursts: 2 server processes, each with 2 workers of 4
threads, share one PostgreSQL and one Redis; parallel posts publish at most the limit."""

import os
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from limits.storage import storage_from_string
from sqlalchemy import func, select

from commentsvc.extensions import db
from commentsvc.models import Comment
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.integration.test_shared_limits import free_port, post, wait_until_healthy

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not (TEST_DATABASE_URL and TEST_REDIS_URL),
                       reason="needs COMMENTSVC_TEST_DATABASE_URL and COMMENTSVC_TEST_REDIS_URL"),
]

PER_READER, PER_IP = 5, 20


@pytest.fixture
def clean_limits():
    # The test app runs with limits off and so leaves Redis alone: start and end empty here.
    storage = storage_from_string(TEST_REDIS_URL)
    storage.reset()
    yield
    storage.reset()


@pytest.fixture
def two_servers(app, clean_limits):  # `app` resets the database the servers use
    env = {**os.environ, "COMMENTSVC_DATABASE_URL": TEST_DATABASE_URL,
           "COMMENTSVC_RATELIMIT_STORAGE_URI": TEST_REDIS_URL,
           "COMMENTSVC_RATELIMIT_POST_READER": f"{PER_READER}/minute",
           "COMMENTSVC_RATELIMIT_POST_IP": f"{PER_IP}/minute",
           "COMMENTSVC_SECRET_KEY": "shared-secret"}
    processes, bases = [], []
    for _ in range(2):
        port = free_port()
        command = [sys.executable, "-m", "commentsvc.cli", "serve", "--host", "127.0.0.1",
                   "--port", str(port), "--workers", "2", "--threads", "4"]
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


def burst(bases: list[str], readers: list[str]) -> list[int]:
    """Every post at once, alternating between the servers."""
    start = threading.Barrier(len(readers))

    def send(n: int) -> int:
        start.wait()
        return post(bases[n % len(bases)], readers[n], f"burst comment {uuid.uuid4().hex}")

    with ThreadPoolExecutor(max_workers=len(readers)) as pool:
        return list(pool.map(send, range(len(readers))))


def published(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Comment.id)))


def test_thirty_parallel_posts_by_one_reader_publish_at_most_the_limit(app, two_servers):
    reader = uuid.uuid4().hex
    statuses = burst(two_servers, [reader] * 30)
    assert set(statuses) <= {201, 429}
    assert 1 <= statuses.count(201) <= PER_READER
    assert published(app) == statuses.count(201)


def test_sixty_parallel_posts_from_one_address_publish_at_most_the_limit(app, two_servers):
    statuses = burst(two_servers, [uuid.uuid4().hex for _ in range(60)])
    assert set(statuses) <= {201, 429}
    assert 1 <= statuses.count(201) <= PER_IP
    assert published(app) == statuses.count(201)
