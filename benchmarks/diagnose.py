"""Where the time goes: in-process timings and query plans behind the `make bench` figures.

    .venv/bin/python benchmarks/diagnose.py

Seeds the same threads as benchmarks/run.py into SQLite files in a temp dir, then prints
(1) a thread page's time split between the read query code, marshmallow and JSON, next to a
bare Flask request and a plain-function serialiser that gives the same JSON; (2) each query of
a thread page with its time and SQLite plan, for 100 and 10,000 comments, and the replies
query rewritten as one LIMITed index range per top-level comment; (3) posting's repeated-text
check at 20,000 and 100,000 comments; (4) what a small write transaction costs on SQLite in each
journal mode; (5) a kept thread page's version check through SQLAlchemy and straight to the
driver. Timings are medians of interleaved rounds.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import seed
from run import COUNTS_BIG, MAIN_THREADS
from sqlalchemy import event

ROUNDS = 15


def interleaved(functions: dict[str, Callable[[], Any]], inner: int = 10) -> dict[str, float]:
    """Median ms per call, the functions taking turns so that machine noise hits all alike."""
    for fn in functions.values():
        for _ in range(3):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(ROUNDS):
        for name, fn in functions.items():
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            samples[name].append((time.perf_counter() - start) / inner * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def plain_comment(node: Any, avatar_url: str) -> dict[str, Any]:
    """What CommentOut dumps, written as a function (the serialiser the report proposes)."""
    c = node.comment
    shown = c.status in {"approved", "pending"}

    def iso(value: Any) -> str | None:
        if value is None:
            return None
        return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    return {
        "id": c.id, "parent_id": c.parent_id, "root_id": c.root_id, "depth": node.depth,
        "status": c.status,
        "author": {"name": c.author_name,
                   "avatar_url": c.author_avatar or avatar_url.replace("SEED", c.avatar_seed),
                   "verified": c.author_verified} if shown else None,
        "html": c.body_html if shown else "", "created_at": iso(c.created_at),
        "edited_at": iso(c.edited_at), "score": c.score, "reply_count": c.reply_count,
        "pinned": getattr(c, "pinned", False), "my_vote": getattr(node, "my_vote", 0),
        "replies": [plain_comment(r, avatar_url) for r in node.replies],
        "replies_cursor": node.replies_cursor, "replies_remaining": node.replies_remaining,
        "thread_cursor": node.thread_cursor,
    }


def page_split(app: Any, article: str) -> None:
    import bare_app
    from flask import url_for

    from commentsvc.api.requests import service_config
    from commentsvc.extensions import db
    from commentsvc.schemas import PageOut

    url = f"/api/v1/comments?site=default&article={article}"
    client, bare = app.test_client(), bare_app.app.test_client()
    with app.test_request_context(url):
        config = service_config()
        page = read_page(config, article)
        schema = PageOut()
        avatar = url_for("public.avatar", seed="SEED", _external=True)
        dumped = schema.dump(page)
        same = (json.dumps(dumped["comments"], sort_keys=True)
                == json.dumps([plain_comment(n, avatar) for n in page.comments], sort_keys=True))

        def read_side() -> None:
            read_page(config, article)
            db.session.remove()

        timings = interleaved({
            "whole request (Flask test client)": lambda: client.get(url),
            "thread_head + thread_page, uncached (queries + ORM rows + tree)": read_side,
            "PageOut().dump (marshmallow)": lambda: schema.dump(page),
            "json.dumps of the dumped page": lambda: json.dumps(dumped),
            "plain-function serialiser, same JSON": lambda: [plain_comment(n, avatar)
                                                            for n in page.comments],
            "bare Flask JSON route (test client)": lambda: bare.get("/"),
        })
    whole = timings["whole request (Flask test client)"]
    print(f"\n(1) {article}: where a thread page's time goes (in-process, median ms)")
    for name, ms in timings.items():
        print(f"    {name:<48} {ms:7.2f} ms  {ms / whole:5.0%}")
    speedup = (timings["PageOut().dump (marshmallow)"]
               / timings["plain-function serialiser, same JSON"])
    print(f"    the plain serialiser gives the same JSON: {same}; "
          f"it is {speedup:.1f}x faster than marshmallow here")


def read_page(config: Any, article: str) -> Any:
    """What GET /comments does on a cache miss: the head, then the page."""
    from commentsvc import threads
    from commentsvc.extensions import db

    head = threads.thread_head(db.session, config, "default", article)
    return threads.thread_page(db.session, head)


def query_plans(app: Any, articles: list[str]) -> None:
    from commentsvc.api.requests import service_config
    from commentsvc.extensions import db

    print("\n(2) the queries of a thread page (median ms over 15 pages; SQLite plan)")
    with app.test_request_context("/"):
        config = service_config()
        for article in articles:
            seen: dict[str, list[float]] = {}
            params: dict[str, Any] = {}

            def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                       executemany: bool) -> None:
                conn.info["started"] = time.perf_counter()

            def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                      executemany: bool, seen: dict = seen, params: dict = params) -> None:
                seen.setdefault(statement, []).append(time.perf_counter() - conn.info["started"])
                params[statement] = parameters

            event.listen(db.engine, "before_cursor_execute", before)
            event.listen(db.engine, "after_cursor_execute", after)
            for _ in range(ROUNDS):
                read_page(config, article)
                db.session.remove()
            event.remove(db.engine, "before_cursor_execute", before)
            event.remove(db.engine, "after_cursor_execute", after)
            print(f"  {article}:")
            raw = db.engine.raw_connection()
            try:
                for statement, times in seen.items():
                    where = " ".join(statement.split())
                    where = where[where.find(" FROM "):][:150]
                    plan = [row[3] for row in raw.cursor().execute(
                        "EXPLAIN QUERY PLAN " + statement, params[statement])]
                    print(f"    {statistics.median(times) * 1000:8.2f} ms  {where}")
                    print(f"                 plan: {'; '.join(plan)[:160]}")
            finally:
                raw.close()


def replies_rewrite(database: Path, article: str) -> None:
    import sqlite3

    con = sqlite3.connect(database)
    roots = [row[0] for row in con.execute(
        "SELECT id FROM comment WHERE article_id = (SELECT id FROM article WHERE key = ?) "
        "AND root_id IS NULL ORDER BY created_at, id LIMIT 20", (article,))]
    marks = ",".join("?" * len(roots))
    visible = "(status = 'approved' OR reply_count > 0)"
    window = (
        "SELECT comment.*, ranked.total FROM comment JOIN (SELECT id, row_number() OVER "
        "(PARTITION BY root_id ORDER BY created_at, id) AS rank, count(*) OVER (PARTITION BY "
        f"root_id) AS total FROM comment WHERE root_id IN ({marks}) AND {visible}) AS ranked "
        "ON ranked.id = comment.id WHERE ranked.rank <= 5 ORDER BY comment.created_at, comment.id"
    )
    # One index range per top-level comment, 6 rows each (5 shown + 1 to know more exist).
    per_root = " UNION ALL ".join(
        f"SELECT * FROM (SELECT * FROM comment WHERE root_id = ? AND {visible} "
        "ORDER BY created_at, id LIMIT 6)" for _ in roots)
    timings = interleaved({
        "window over every reply (today)": lambda: con.execute(window, roots).fetchall(),
        "LIMIT 6 per top-level comment": lambda: con.execute(per_root, roots).fetchall(),
    }, inner=3)
    print(f"\n(2b) {article}: the first-replies query for the page's 20 top-level comments")
    for name, ms in timings.items():
        print(f"    {name:<40} {ms:8.2f} ms")
    con.close()


def repeated_text_check(databases: dict[str, Path]) -> None:
    import sqlite3

    query = ("SELECT comment.id FROM comment WHERE (comment.reader_hash = ? OR "
             "comment.ip_hash = ?) AND comment.body_source = ? AND comment.created_at > ? LIMIT 1")
    args = ("r" * 64, "i" * 64, "a new comment", "2026-01-01 00:00:00")
    print("\n(3) posting: posting._posted_within_hour's query (once per post)")
    for label, path in databases.items():
        con = sqlite3.connect(path)
        rows = con.execute("SELECT count(*) FROM comment").fetchone()[0]
        plan = "; ".join(r[3] for r in con.execute("EXPLAIN QUERY PLAN " + query, args))
        ms = interleaved({"q": lambda con=con: con.execute(query, args).fetchall()}, inner=3)["q"]
        print(f"    {label}: {rows:,} comments, {ms:7.2f} ms, plan: {plan}")
        con.close()


def commit_cost(tmp: Path) -> None:
    """A one-row write transaction on SQLite, by journal mode: what each post pays to commit."""
    import sqlite3

    print("\n(4) SQLite: one small write transaction (BEGIN, INSERT, COMMIT) by journal mode")
    for journal, synchronous in (("DELETE", "FULL"), ("WAL", "FULL"), ("WAL", "NORMAL")):
        path = tmp / f"commit-{journal}-{synchronous}.db"
        con = sqlite3.connect(path, isolation_level=None)
        con.execute(f"PRAGMA journal_mode={journal}")
        con.execute(f"PRAGMA synchronous={synchronous}")
        con.execute("CREATE TABLE t (x TEXT)")

        def write(con: sqlite3.Connection = con) -> None:
            con.execute("BEGIN")
            con.execute("INSERT INTO t VALUES ('a comment')")
            con.execute("COMMIT")

        ms = interleaved({"write": write}, inner=5)["write"]
        label = f"journal_mode={journal}, synchronous={synchronous}"
        note = " (today's default)" if journal == "DELETE" else ""
        print(f"    {label:<40} {ms:7.2f} ms{note}")
        con.close()


def version_check(app: Any, article: str) -> None:
    """What a kept thread page pays on every replay: its version, read through SQLAlchemy on
    the kept connection (the thread's head, as the check did before) or straight to the driver
    (reads.DriverQuery, as it does now)."""
    from werkzeug.datastructures import MultiDict

    from commentsvc import threads
    from commentsvc.api import kept_answers, reads

    config = app.extensions["commentsvc"]
    query = MultiDict({"site": "default", "article": article})

    def through_sqlalchemy() -> None:
        with app.app_context():
            try:
                reads.read_kept(lambda c: threads.thread_head(c, config, "default", article))
            finally:
                reads.end_request()

    timings = interleaved({
        "through SQLAlchemy (thread_head on the kept connection)": through_sqlalchemy,
        "straight to the driver (kept_answers.thread_validator)":
            lambda: kept_answers.thread_validator(app, query),
    }, inner=200)
    print(f"\n(5) {article}: a kept thread page's version check (in-process, median µs)")
    for name, ms in timings.items():
        print(f"    {name:<56} {ms * 1000:7.1f} µs")


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="commentsvc-diagnose-"))
    try:
        main_db, big_db = tmp / "main.db", tmp / "big.db"
        seed.seed(f"sqlite:///{main_db}", MAIN_THREADS)
        seed.seed(f"sqlite:///{big_db}", COUNTS_BIG)
        os.environ.update({"COMMENTSVC_ENV": "production", "COMMENTSVC_SECRET_KEY": "x" * 40,
                           "COMMENTSVC_RATELIMIT_ENABLED": "false",
                           "COMMENTSVC_DATABASE_URL": f"sqlite:///{main_db}"})
        from commentsvc import create_app

        app = create_app()
        load = Path("/proc/loadavg").read_text().split()[0]
        version = seed.server_version(f"sqlite:///{main_db}")
        print(f"machine: nproc {len(os.sched_getaffinity(0))}, load average {load}, {version}")
        page_split(app, "thread-200")
        query_plans(app, ["thread-100", "thread-10k-wide", "thread-10k-deep"])
        replies_rewrite(main_db, "thread-10k-deep")
        repeated_text_check({"bench main database": main_db, "100,000-comment database": big_db})
        commit_cost(tmp)
        version_check(app, "thread-200")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
