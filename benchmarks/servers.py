"""gunicorn servers on 127.0.0.1, started and stopped by the benchmark, one per database
(and one per peer service in benchmarks/peers.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def cpu_seconds(self) -> float:
        """CPU time used so far by the gunicorn master and its workers (from /proc): a cost
        per request that other load on the machine cannot inflate the way it does wall time."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                after_name = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # the process ended while we looked
            if self.process.pid in (int(stat.parent.name), int(after_name[1])):
                ticks += int(after_name[11]) + int(after_name[12])  # utime + stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def wait_idle(self, timeout: float = 30) -> None:
        """Until the server's processes stop using CPU. When wrk stops, the requests it had in
        flight (up to one per connection, a second each on a slow server) are still served:
        they must finish before the next slice starts, not slow it down."""
        deadline = time.monotonic() + timeout
        used = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now = self.cpu_seconds()
            if now == used:  # not one clock tick (10 ms) in 0.1 s
                return
            used = now

    def stop(self) -> None:
        if self.process.poll() is None:
            # SIGTERM to the gunicorn master (our own child) stops it and its workers.
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def gunicorn(name: str, app: str, *, workers: int, threads: int, env: dict[str, str],
             log_dir: Path, ready_path: str, python: str = sys.executable) -> Server:
    """Serve `app` with gunicorn the same way for every server: only the app differs.

    `python` is the interpreter whose gunicorn and packages serve it: this one (commentsvc's
    virtualenv) unless a peer brings its own, as Isso does."""
    port = free_port()
    log = log_dir / f"{name}.log"
    command = [
        python, "-m", "gunicorn",
        "--workers", str(workers), "--threads", str(threads),
        "--bind", f"{HOST}:{port}", "--log-level", "warning",
        "--pythonpath", str(BENCH_DIR), app,
    ]
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    server = Server(name, process, port, log)
    _wait_ready(server, ready_path)
    return server


def _wait_ready(server: Server, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited; see {server.log}:\n"
                               f"{server.log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(server.base + path, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{server.name} did not answer {path} within {timeout:.0f}s")


def app_env(database_url: str) -> dict[str, str]:
    """The process environment for commentsvc: production mode, rate limits off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTSVC_")}
    env.update({
        "COMMENTSVC_ENV": "production",
        "COMMENTSVC_SECRET_KEY": os.urandom(24).hex(),
        "COMMENTSVC_DATABASE_URL": database_url,
        "COMMENTSVC_RATELIMIT_ENABLED": "false",
    })
    return env
