"""`commentsvc serve` as a real gunicorn server: access logs without IPs, long request lines."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

COMMENTSVC = [sys.executable, "-m", "commentsvc.cli"]
FORWARDED = "203.0.113.77"
GRINNING = "\U0001F600"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def migrated_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {"COMMENTSVC_DATABASE_URL": f"sqlite:///{tmp_path}/serve.db", "PATH": "",
           "PYTHONUNBUFFERED": "1", "COMMENTSVC_RATELIMIT_ENABLED": "false", **extra}
    upgrade = subprocess.run([*COMMENTSVC, "db", "upgrade"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)
    assert upgrade.returncode == 0, upgrade.stderr
    return env


def request(port: int, method: str, path: str, body: dict | None = None
            ) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"X-Forwarded-For": FORWARDED}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextmanager
def server(tmp_path: Path, **env: str) -> Iterator[tuple[int, Path]]:
    """A running `commentsvc serve`; yields its port and the file its stdout goes to."""
    port = free_port()
    log = tmp_path / "stdout.log"
    with log.open("w") as out, (tmp_path / "stderr.log").open("w") as err:
        process = subprocess.Popen([*COMMENTSVC, "serve", "--port", str(port), "--threads", "2"],
                                   env=migrated_env(tmp_path, **env), cwd=tmp_path, stdout=out,
                                   stderr=err)
        try:
            wait_until_up(process, port)
            yield port, log
        finally:
            process.terminate()
            process.wait(timeout=30)


def wait_until_up(process: subprocess.Popen, port: int) -> None:
    # Polls a real process starting up: there is no clock to inject here.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("serve did not start listening within 30 s")


def access_lines(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if '"GET /healthz' in line]


def test_the_access_log_keeps_no_client_ip_by_default(tmp_path):
    with server(tmp_path) as (port, log):
        assert request(port, "GET", "/healthz")[0] == 200
    lines = access_lines(log)
    assert len(lines) == 1, log.read_text()
    assert "127.0.0.1" not in lines[0]
    assert FORWARDED not in lines[0]
    assert " 200 " in lines[0]


def test_access_log_ips_true_puts_the_client_ip_and_forwarded_for_back(tmp_path):
    with server(tmp_path, COMMENTSVC_ACCESS_LOG_IPS="true") as (port, log):
        assert request(port, "GET", "/healthz")[0] == 200
    lines = access_lines(log)
    assert len(lines) == 1, log.read_text()
    assert lines[0].startswith("127.0.0.1 ")
    assert FORWARDED in lines[0]


def send_raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(data)
        return connection.recv(1024)


def test_a_malformed_request_is_logged_without_the_client_ip(tmp_path):
    with server(tmp_path) as (port, _):
        assert send_raw(port, b"NOT HTTP AT ALL\r\n\r\n").startswith(b"HTTP/1.1 400")
    errors = (tmp_path / "stderr.log").read_text().splitlines()
    invalid = [line for line in errors if "Invalid request" in line]
    assert invalid, errors
    assert all("127.0.0.1" not in line for line in invalid)


def test_a_thread_whose_article_key_is_512_four_byte_characters_can_be_read_back(tmp_path):
    article = GRINNING * 512
    with server(tmp_path) as (port, _):
        status, posted_body = request(port, "POST", "/api/v1/comments",
                                      {"site": "default", "article": article,
                                       "body": "Long key", "author_name": "Ada"})
        assert status in (201, 202), posted_body
        path = f"/api/v1/comments?site=default&article={quote(article)}&limit=20"
        assert len(path) > 512 * 12
        status, body = request(port, "GET", path)
    assert status == 200, body[:200]
    posted = json.loads(posted_body)
    if posted.get("status") != "pending":  # a held first comment is not listed yet
        assert [c["id"] for c in json.loads(body)["comments"]] == [posted["id"]]
