"""The embedded default sends its outbox by itself: `commentsvc serve` on SQLite runs the worker
thread, so a webhook is called with nothing else started; `commentsvc worker` stops on SIGTERM."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import time

from standardwebhooks.webhooks import Webhook as Verifier

from tests.integration.test_serve import COMMENTSVC, migrated_env, server
from tests.webhook_support import run_receiver


def call(port: int, method: str, path: str, body: dict, key: str | None = None) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    try:
        connection.request(method, path, body=json.dumps(body).encode(), headers=headers)
        response = connection.getresponse()
        answer = json.loads(response.read())
        assert response.status < 300, answer
        return answer
    finally:
        connection.close()


def test_serve_on_sqlite_delivers_webhooks_from_its_own_worker_thread(tmp_path):
    env = {"COMMENTSVC_WEBHOOKS_ALLOW_PRIVATE": "true", "COMMENTSVC_WORKER_POLL_SECONDS": "1"}
    made = subprocess.run([*COMMENTSVC, "create-key", "--all-sites", "--role", "admin"],
                          env=migrated_env(tmp_path, **env), cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    key = made.stdout.strip().splitlines()[-1]
    for receiver in run_receiver():
        with server(tmp_path, **env) as (port, _log):
            hook = call(port, "POST", "/api/v1/admin/sites/default/webhooks",
                        {"url": receiver.url, "events": ["comment.published"]}, key)
            call(port, "POST", "/api/v1/comments",
                 {"site": "default", "article": "served", "body": "Heard by the thread"})
            # A real process with a real poll interval: wait for it, up to a bound.
            deadline = time.monotonic() + 20
            while not receiver.requests and time.monotonic() < deadline:
                time.sleep(0.05)
        assert len(receiver.requests) == 1
        got = receiver.requests[0]
        event = Verifier(hook["secret"]).verify(got.body, got.headers)
        assert event["data"]["article"]["key"] == "served"


def test_the_worker_command_stops_on_sigterm(tmp_path):
    env = migrated_env(tmp_path)
    process = subprocess.Popen([*COMMENTSVC, "worker", "--poll", "0.1"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert "sending the outbox every 0.1s" in line
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
