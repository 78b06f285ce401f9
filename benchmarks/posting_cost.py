"""What one post costs, in process: CPU per post, the SQL statements of a post, and the same
posts sent to Isso 0.14 in its own process, for the ratio without HTTP and load generator noise.

    .venv/bin/python benchmarks/posting_cost.py                       # commentsvc on SQLite
    .venv/bin/python benchmarks/posting_cost.py --database-url postgresql+psycopg://…/name

Both services get the body of `benchmarks/lua/post.lua` (Markdown, a link, a `<script>` and a
`javascript:` link), made unique per post, every other one a reply, through a WSGI test client
in one process; CPU is the thread's CPU time, and for PostgreSQL also, apart, the CPU time of
the server's processes when they run on this machine. Isso runs from `benchmarks/.isso-venv`
(made by `make bench-peers`) when it is there. Medians of rounds of 100 posts; the first and
last rounds show whether a post gets dearer as the thread and the poster's history grow.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import isso_peer
import seed
from run import POST_BODY
from seed import ThreadShape
from sqlalchemy import event

ROUND = 100

# Runs inside Isso's virtualenv: the same posts, the same clock, printed as JSON.
ISSO_SCRIPT = """
import json, logging, os, sys, time, uuid
os.environ["ISSO_SETTINGS"] = sys.argv[1]
logging.disable(logging.CRITICAL)
from isso.run import application
from werkzeug.test import Client
body, rounds, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
client = Client(application)
headers = {"Content-Type": "application/json"}
def post(parent=None, title=None):
    data = {"text": body.replace("{n}", uuid.uuid4().hex), "author": "Bench Reader",
            "email": "bench@example.org", "parent": parent, "title": title}
    answer = client.post("/new?uri=/post-bench", data=json.dumps(data), headers=headers)
    assert answer.status_code == 201, answer.get_data()[:300]
    return json.loads(answer.get_data())["id"]
first = post(title="Posting benchmark")
cpu = []
for number in range(rounds * size):
    if number % size == 0:
        start = time.thread_time()
    post(first if number % 2 else None)
    if number % size == size - 1:
        cpu.append(1000 * (time.thread_time() - start) / size)
print(json.dumps(cpu))
"""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="a PostgreSQL URL (re-created)")
    parser.add_argument("--rounds", type=int, default=10, help=f"rounds of {ROUND} posts")
    return parser.parse_args(argv)


def commentsvc_poster(database_url: str) -> tuple[Callable[[int], None], object]:
    ids = seed.seed(database_url, {"post-bench": ThreadShape(top=1, replies=0)})
    os.environ.update({"COMMENTSVC_ENV": "production", "COMMENTSVC_SECRET_KEY": "x" * 40,
                       "COMMENTSVC_RATELIMIT_ENABLED": "false", "COMMENTSVC_WORKER": "off",
                       "COMMENTSVC_DATABASE_URL": database_url})
    from commentsvc import create_app

    app = create_app()
    client = app.test_client()

    def post(number: int) -> None:
        body = {"site": "default", "article": "post-bench", "author_name": "Bench Reader",
                "author_email": "bench@example.org",
                "body": POST_BODY.replace("{n}", uuid.uuid4().hex)}
        if number % 2:
            body["parent_id"] = ids["post-bench"]
        # Eight readers, as post.lua's eight connections.
        answer = client.post("/api/v1/comments", json=body,
                             headers={"X-Reader-Token": f"bench-reader-token-{number % 8}"})
        assert answer.status_code == 201, answer.get_data()[:300]

    return post, app


def statements_of_a_post(app: object, post: Callable[[int], None]) -> list[str]:
    from commentsvc.extensions import db

    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def remember(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split())[:90])

    event.listen(engine, "before_cursor_execute", remember)
    try:
        post(1_000_001)  # a reply (odd), the longer of the two
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    return seen


def postgres_cpu_seconds() -> float:
    """CPU time used so far by this machine's PostgreSQL processes (0 when none can be read):
    the database server's share of a post, which runs on the same cores as the service."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if stat[stat.index("(") + 1:stat.rindex(")")].startswith("postgres"):
            fields = stat[stat.rindex(")") + 2:].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def cpu_rounds(post: Callable[[int], None], rounds: int) -> tuple[list[float], float]:
    """CPU ms per post of each round, and the PostgreSQL server's CPU ms per post overall."""
    for number in range(20):  # warm-up: imports, caches, prepared statements
        post(number)
    cpu = []
    server_before = postgres_cpu_seconds()
    for first in range(0, rounds * ROUND, ROUND):
        start = time.thread_time()
        for number in range(first, first + ROUND):
            post(number)
        cpu.append(1000 * (time.thread_time() - start) / ROUND)
    return cpu, 1000 * (postgres_cpu_seconds() - server_before) / (rounds * ROUND)


def isso_rounds(rounds: int, tmp: Path) -> list[float] | None:
    python = isso_peer.VENV / "bin" / "python"
    if not python.exists():
        return None
    config = tmp / "isso.cfg"
    config.write_text(f"[general]\ndbpath = {tmp / 'isso.db'}\nhost = http://127.0.0.1:1\n"
                      "notify = stdout\n[moderation]\nenabled = false\n"
                      "[guard]\nenabled = false\n")
    done = subprocess.run([str(python), "-c", ISSO_SCRIPT, str(config), POST_BODY, str(rounds),
                           str(ROUND)], capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"Isso failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="commentsvc-posting-"))
    url = args.database_url or f"sqlite:///{tmp / 'posting.db'}"
    try:
        post, app = commentsvc_poster(url)
        server = seed.server_version(url) if args.database_url else "SQLite"
        ours, server_cpu = cpu_rounds(post, args.rounds)
        statements = statements_of_a_post(app, post)
        theirs = isso_rounds(args.rounds, tmp)
    finally:
        if args.database_url:
            seed.drop(url)
        shutil.rmtree(tmp, ignore_errors=True)
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"commentsvc on {server}; "
          f"{args.rounds} rounds of {ROUND} posts; load average {load}")
    print(f"statements of one reply ({len(statements)}):")
    print("\n".join(f"    {s}" for s in statements))
    median = statistics.median(ours)
    print(f"commentsvc: {median:.2f} ms CPU per post (median; first round {ours[0]:.2f}, "
          f"last {ours[-1]:.2f})")
    if args.database_url:
        print(f"PostgreSQL server processes on this machine: {server_cpu:.2f} ms CPU per post "
              f"(0 when the server runs elsewhere)")
    if theirs:
        print(f"Isso 0.14:  {statistics.median(theirs):.2f} ms CPU per post (median; first "
              f"round {theirs[0]:.2f}, last {theirs[-1]:.2f})")
        print(f"Isso / commentsvc CPU per post: {statistics.median(theirs) / median:.2f}")
    else:
        print("Isso: not measured (run `make bench-peers` once to install it)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
