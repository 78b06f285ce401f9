"""`commentsvc serve` and bare gunicorn with several workers: metrics summed over workers,
metrics on their own port, and refusing per-process rate limits."""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from tests.integration.test_serve import COMMENTSVC, free_port, migrated_env, wait_until_up
from tests.metrics_support import METRICS_TOKEN, sample

GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "python:commentsvc.gunicorn_conf"]
BATCH = 20


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


@contextmanager
def running(tmp_path: Path, command: list[str], port: int, **env: str) -> Iterator[Path]:
    """A server process; yields the directory its metrics files would go to (its TMPDIR)."""
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    environment = migrated_env(tmp_path, TMPDIR=str(scratch), **env)
    with (tmp_path / "out.log").open("w") as out, (tmp_path / "err.log").open("w") as err:
        process = subprocess.Popen(command, env=environment, cwd=tmp_path, stdout=out,
                                   stderr=err)
        try:
            wait_until_up(process, port)
            yield scratch
        finally:
            process.terminate()
            process.wait(timeout=30)


def writers(scratch: Path) -> set[str]:
    """The pids of the workers that have counted something."""
    return {path.stem.rsplit("_", 1)[-1]
            for path in scratch.glob("commentsvc-metrics-*/counter_*.db")}


def hit_both_workers(port: int, scratch: Path) -> int:
    """Send batches of parallel requests until both workers have served some; how many.

    Bounded by time, not by batches: on a busy machine the second worker may still be
    importing the app while the first serves hundreds of requests."""
    sent = 0
    deadline = time.monotonic() + 30
    with ThreadPoolExecutor(max_workers=8) as pool:
        while time.monotonic() < deadline:
            statuses = list(pool.map(lambda _: get(port, "/healthz")[0], range(BATCH)))
            assert statuses == [200] * BATCH
            sent += BATCH
            if len(writers(scratch)) == 2:
                return sent
    raise AssertionError(f"one worker served all {sent} requests")


def test_one_scrape_sums_the_requests_of_two_workers(tmp_path):
    port = free_port()
    command = [*COMMENTSVC, "serve", "--port", str(port), "--workers", "2", "--threads", "1"]
    with running(tmp_path, command, port, COMMENTSVC_METRICS="token",
                 COMMENTSVC_METRICS_TOKEN=METRICS_TOKEN) as scratch:
        sent = hit_both_workers(port, scratch)
        status, text = get(port, "/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert status == 200, text
    assert sample(text, "commentsvc_http_requests_total", route="/healthz", status="200") == sent
    assert not list(scratch.glob("commentsvc-metrics-*")), "the metrics directory is removed"


def test_bind_mode_serves_metrics_on_their_own_port_only(tmp_path):
    port, metrics_port = free_port(), free_port()
    command = [*COMMENTSVC, "serve", "--port", str(port), "--workers", "2", "--threads", "1"]
    with running(tmp_path, command, port, COMMENTSVC_METRICS="bind",
                 COMMENTSVC_METRICS_BIND=f"127.0.0.1:{metrics_port}") as scratch:
        sent = hit_both_workers(port, scratch)
        public_status, _ = get(port, "/metrics")
        status, text = get(metrics_port, "/metrics")
    assert public_status == 404
    assert status == 200
    assert sample(text, "commentsvc_http_requests_total", route="/healthz") == sent
    # The master, which serves no requests, asks the database for the outbox's backlog.
    assert "commentsvc_outbox_pending 0.0" in text


def test_bare_gunicorn_with_the_config_module_serves_the_same(tmp_path):
    port = free_port()
    command = [*GUNICORN, "-b", f"127.0.0.1:{port}", "-w", "2", "commentsvc:create_app()"]
    with running(tmp_path, command, port, COMMENTSVC_METRICS="token",
                 COMMENTSVC_METRICS_TOKEN=METRICS_TOKEN) as scratch:
        sent = hit_both_workers(port, scratch)
        status, text = get(port, "/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert status == 200
    assert sample(text, "commentsvc_http_requests_total", route="/healthz") == sent


def refused(tmp_path: Path, command: list[str]) -> subprocess.CompletedProcess:
    env = migrated_env(tmp_path, COMMENTSVC_RATELIMIT_ENABLED="true")
    return subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)


def test_serve_refuses_several_workers_with_per_process_rate_limits(tmp_path):
    done = refused(tmp_path, [*COMMENTSVC, "serve", "--port", str(free_port()),
                              "--workers", "4"])
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "4 workers" in lines[0]
    assert "COMMENTSVC_RATELIMIT_STORAGE_URI=redis://" in lines[0]


def test_bare_gunicorn_refuses_them_too(tmp_path):
    done = refused(tmp_path, [*GUNICORN, "-b", f"127.0.0.1:{free_port()}", "-w", "2",
                              "commentsvc:create_app()"])
    assert done.returncode == 2
    assert "COMMENTSVC_RATELIMIT_STORAGE_URI=redis://" in done.stderr


def test_web_concurrency_sets_the_workers_serve_checks(tmp_path):
    env = migrated_env(tmp_path, COMMENTSVC_RATELIMIT_ENABLED="true", WEB_CONCURRENCY="3")
    done = subprocess.run([*COMMENTSVC, "serve", "--port", str(free_port())], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "3 workers" in done.stderr
