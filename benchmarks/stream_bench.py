"""Live streams under load: 1,000 open streams on `commentsvc serve`, as a publisher runs it.

    .venv/bin/python benchmarks/stream_bench.py [--streams 1000] [--redis redis://127.0.0.1:6379/3]

Starts `commentsvc serve --workers 2` (which runs its stream process on the next port) on a
fresh SQLite database, then measures:
- page and post throughput with no stream open (4 readers, 2 writers, each one request at a
  time, for a few seconds each; posts go to another article, so the streams stay idle);
- the stream process's memory before and after opening the streams (per idle stream);
- delivery: a post to the watched article, timed from just before it is sent until each open
  stream has its `comment` event (p50 / p99 / max over every stream and several posts);
- page and post throughput again while the streams are open.
Prints a Markdown table (BENCHMARKS.md has the figures of a run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import contextlib

from servers import HOST, free_port

ARTICLE = "stream-bench"
OTHER = "stream-bench-writes"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def wait_ready(session: aiohttp.ClientSession, url: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            async with session.get(url) as response:
                if response.status == 200:
                    return await response.json()
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


_bodies = iter(range(10**9))


async def post(session: aiohttp.ClientSession, base: str, article: str) -> int:
    body = {"site": "default", "article": article,
            "body": f"Benchmark comment {next(_bodies)} with *some* text"}
    async with session.post(f"{base}/api/v1/comments", json=body) as response:
        await response.read()
        return response.status


async def throughput(session: aiohttp.ClientSession, base: str, seconds: float) -> dict:
    """Requests per second: 4 readers of a thread page, then 2 writers."""
    page = f"{base}/api/v1/comments?site=default&article={OTHER}"

    async def reader(deadline: float) -> int:
        n = 0
        while time.monotonic() < deadline:
            try:
                async with session.get(page) as response:
                    await response.read()
                    n += response.status == 200
            except aiohttp.ClientError:  # a kept-alive connection the server just closed
                pass
        return n

    async def writer(deadline: float) -> int:
        n = 0
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError):
                n += await post(session, base, OTHER) == 201
        return n

    out = {}
    for name, worker, count in (("pages", reader, 4), ("posts", writer, 2)):
        start = time.monotonic()
        done = await asyncio.gather(*(worker(start + seconds) for _ in range(count)))
        out[name] = sum(done) / (time.monotonic() - start)
    return out


class Listener:
    """One open stream; notes when each `comment` event arrives."""

    def __init__(self) -> None:
        self.arrived: dict[int, float] = {}
        self.ready = asyncio.Event()

    async def run(self, session: aiohttp.ClientSession, url: str) -> None:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=None)) as response:
            event = ""
            async for raw in response.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "ready":
                    self.ready.set()
                elif line.startswith("data: ") and event == "comment":
                    self.arrived[json.loads(line[6:])["id"]] = time.monotonic()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bench(base: str, live: str, streams: int, posts: int, seconds: float) -> dict:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        await wait_ready(session, f"{base}/healthz")
        health = await wait_ready(session, f"{live}/healthz")
        pid = health["pid"]
        await post(session, base, OTHER)  # the article exists: pages are cached by version
        await throughput(session, base, 1)  # warm-up: the first requests of each worker
        before = await throughput(session, base, seconds)
        idle_rss = rss_kib(pid)
        listeners = [Listener() for _ in range(streams)]
        url = f"{base}/api/v1/stream?site=default&article={ARTICLE}"
        # Through the app's 307, as a browser does.
        tasks = [asyncio.create_task(one.run(session, url)) for one in listeners]
        opened = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*(one.ready.wait() for one in listeners)), 120)
        open_seconds = time.monotonic() - opened
        await asyncio.sleep(2)
        open_rss = rss_kib(pid)
        delays: list[float] = []
        for _ in range(posts):
            sent = time.monotonic()
            body = {"site": "default", "article": ARTICLE, "body": f"Live {next(_bodies)}"}
            async with session.post(f"{base}/api/v1/comments", json=body) as response:
                comment_id = (await response.json())["id"]
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not all(
                    comment_id in one.arrived for one in listeners):
                await asyncio.sleep(0.01)
            got = [one.arrived[comment_id] - sent for one in listeners
                   if comment_id in one.arrived]
            delays += got
            if len(got) < streams:
                print(f"post {comment_id}: only {len(got)} of {streams} streams had it",
                      file=sys.stderr)
            await asyncio.sleep(1)
        during = await throughput(session, base, seconds)
        still_open = (await wait_ready(session, f"{live}/healthz"))["streams"]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        after = await throughput(session, base, seconds)  # the same again: how noisy it is
    return {
        "streams": streams, "open_seconds": open_seconds, "still_open": still_open,
        "deliveries": len(delays), "expected": streams * posts,
        "p50_ms": 1000 * percentile(delays, 0.5), "p99_ms": 1000 * percentile(delays, 0.99),
        "max_ms": 1000 * max(delays),
        "rss_idle_mib": idle_rss / 1024, "rss_open_mib": open_rss / 1024,
        "kib_per_stream": (open_rss - idle_rss) / streams,
        "before": before, "during": during, "after": after,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--redis", default="", help="COMMENTSVC_LIVE_REDIS_URL for the run")
    args = parser.parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.streams + 256)),
                                                hard))
    commentsvc = str(Path(sys.executable).with_name("commentsvc"))
    with tempfile.TemporaryDirectory(prefix="commentsvc-stream-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMMENTSVC_")}
        env.update({"COMMENTSVC_ENV": "production", "COMMENTSVC_SECRET_KEY": os.urandom(24).hex(),
                    "COMMENTSVC_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
                    "COMMENTSVC_RATELIMIT_ENABLED": "false",
                    "COMMENTSVC_LIVE_REDIS_URL": args.redis or "off"})
        subprocess.run([commentsvc, "db", "upgrade"], env=env, check=True,
                       capture_output=True)
        port = free_port()
        while True:  # serve puts its streams on the next port: both must be free
            try:
                import socket

                with socket.socket() as s:
                    s.bind((HOST, port + 1))
                break
            except OSError:
                port = free_port()
        log = Path(tmp) / "serve.log"
        with log.open("w") as out:
            server = subprocess.Popen([commentsvc, "serve", "--host", HOST, "--port", str(port),
                                       "--workers", "2"], env=env, stdout=out,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            result = asyncio.run(bench(f"http://{HOST}:{port}", f"http://{HOST}:{port + 1}",
                                       args.streams, args.posts, args.seconds))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            Path(tempfile.gettempdir(), "commentsvc-stream-bench.log").write_text(log.read_text())
    mode = "Redis pub/sub" if args.redis else "database poll (no Redis)"
    b, d, a = result["before"], result["during"], result["after"]
    print(f"\n### Live streams: {result['streams']} open, {mode}, "
          f"`commentsvc serve --workers 2`, SQLite\n")
    print("| measure | value |\n|---|---|")
    print(f"| streams opened (through the app's 307) | {result['streams']} in "
          f"{result['open_seconds']:.1f} s; {result['still_open']} still open at the end |")
    print(f"| deliveries | {result['deliveries']} of {result['expected']} |")
    print(f"| delivery p50 / p99 / max | {result['p50_ms']:.0f} / {result['p99_ms']:.0f} / "
          f"{result['max_ms']:.0f} ms |")
    print(f"| stream process memory | {result['rss_idle_mib']:.1f} MiB idle, "
          f"{result['rss_open_mib']:.1f} MiB with the streams open "
          f"({result['kib_per_stream']:.1f} KiB per stream) |")
    print(f"| pages/s: before → streams open → closed again | {b['pages']:.0f} → "
          f"{d['pages']:.0f} → {a['pages']:.0f} |")
    print(f"| posts/s: before → streams open → closed again | {b['posts']:.1f} → "
          f"{d['posts']:.1f} → {a['posts']:.1f} |")
    ok = result["deliveries"] == result["expected"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
