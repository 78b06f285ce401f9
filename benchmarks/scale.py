"""`make bench-scale`: a million comments on PostgreSQL, and the paths that must not notice.

Builds two throw-away PostgreSQL databases with the real schema (the migrations):
  scale  1,000,000 comments across 10,000 articles, one of them a 100,000-comment thread,
         10,000 comments pending and 1,000 flagged;
  small  10,000 comments across 101 articles, the big thread 4,400 comments (still more than 50
         pages of top-level comments), 100 pending and 100 flagged (a full first page of
         each queue).
Rows are bulk-loaded with COPY (not through the API) and counters are fixed up in SQL, so a
thread reads exactly as posting would have left it. Then each path runs through the app
in-process (Flask test client, the page cache turned off, so every read reaches the database),
interleaving the two databases round by round, and the ratio of medians is printed against the
target (scale <= 1.5 x small). Every SELECT a path makes is EXPLAINed (ANALYZE) on the scale
database: a sequential scan or a big sort on a large table is reported.

    .venv/bin/python benchmarks/scale.py [--database-url URL] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import seed
from flask_migrate import upgrade
from seed import Seeder, ThreadShape
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url

from commentsvc import create_app
from commentsvc.extensions import db
from commentsvc.keys import create_key
from commentsvc.models import Site

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/commentsvc_bench_scale"
BIG = "big-thread"
TARGET = 1.5
BATCH = 5
COLUMNS = ("id", "article_id", "parent_id", "root_id", "ancestry", "depth", "author_name",
           "reader_hash", "email_hash", "author_verified", "author_avatar", "avatar_seed",
           "body_source", "body_html", "status", "score", "reply_count", "descendant_count",
           "pinned", "flag_count", "moderation_reason", "created_at", "edited_at",
           "edit_token_hash", "ip_hash")
ARTICLE_COLUMNS = ("id", "site_id", "key", "url", "title", "closed", "premoderated",
                   "comment_count", "version", "last_comment_at", "created_at")


@dataclass(frozen=True)
class Shape:
    name: str
    big: ThreadShape
    others: tuple[tuple[int, ThreadShape], ...]  # (how many articles, each shaped so)
    pending: int
    flagged: int

    @property
    def comments(self) -> int:
        return self.big.size + sum(n * shape.size for n, shape in self.others)

    @property
    def articles(self) -> int:
        return 1 + sum(n for n, _ in self.others)


SCALE = Shape("scale", ThreadShape(top=25_000, replies=3),
              ((1, ThreadShape(top=60, replies=2)), (9_998, ThreadShape(top=30, replies=2))),
              pending=10_000, flagged=1_000)
SMALL = Shape("small", ThreadShape(top=1_100, replies=3),
              ((100, ThreadShape(top=14, replies=3)),), pending=100, flagged=100)


def smaller(shape: Shape, divisor: int) -> Shape:
    if divisor == 1:
        return shape
    big = ThreadShape(shape.big.top // divisor, shape.big.replies)
    return Shape(f"{shape.name}/{divisor}", big,
                 tuple((max(1, n // divisor), each) for n, each in shape.others),
                 shape.pending // divisor, shape.flagged // divisor)


# --- building ---------------------------------------------------------------------------------

def build(url: str, shape: Shape) -> None:
    started = time.monotonic()
    app = seed.migrated_app(url)
    with app.app_context():
        site_id = db.session.scalar(select(Site.id).where(Site.key == "default"))
        db.session.commit()
        raw = db.engine.raw_connection()
        try:
            _copy_rows(raw.driver_connection, Seeder(site_id), shape)
            raw.commit()
        finally:
            raw.close()
        _fix_counters(shape)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    _vacuum(url)
    print(f"  built {shape.name}: {shape.comments:,} comments, {shape.articles:,} articles in "
          f"{time.monotonic() - started:.0f} s", flush=True)


def _copy_rows(conn: Any, seeder: Seeder, shape: Shape) -> None:
    # Articles first (comments point at them); their counters are set from the comments later.
    # The big thread is article 1; the others are "a-2", "a-3", … by id.
    keyed = [(seeder.article(BIG, 0), shape.big)]
    for n, each in shape.others:
        keyed += [(seeder.article(f"a-{seeder.next_article_id}", 0), each) for _ in range(n)]
    with conn.cursor() as cur:
        with cur.copy(f"COPY article ({', '.join(ARTICLE_COLUMNS)}) FROM STDIN") as copy:
            for article, _ in keyed:
                copy.write_row([_plain({**article, "version": 1}[c]) for c in ARTICLE_COLUMNS])
        with cur.copy(f"COPY comment ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for article, each in keyed:
                for row in seeder.thread(article["id"], each):
                    copy.write_row([_plain(row[c]) for c in COLUMNS])
        for table in ("article", "comment"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))")


def _plain(value: Any) -> Any:
    # The columns hold naive UTC (see models.UTCDateTime).
    return value.astimezone(UTC).replace(tzinfo=None) if isinstance(value, datetime) else value


def _fix_counters(shape: Shape) -> None:
    """Hold some leaves and report some comments, leaving every counter as posting would."""
    run = db.session.execute
    run(text("""
        UPDATE comment SET status = 'pending', moderation_reason = 'first comment of a reader'
        WHERE id IN (SELECT c.id FROM comment c JOIN article a ON a.id = c.article_id
                     WHERE a.key <> :big AND c.reply_count = 0 AND c.parent_id IS NOT NULL
                     ORDER BY c.id % 89, c.id LIMIT :n)"""), {"big": BIG, "n": shape.pending})
    run(text("""
        UPDATE comment p SET reply_count = p.reply_count - held.n
        FROM (SELECT parent_id, count(*) AS n FROM comment WHERE status = 'pending'
              GROUP BY parent_id) held WHERE p.id = held.parent_id"""))
    run(text("""
        UPDATE comment r SET descendant_count = r.descendant_count - held.n
        FROM (SELECT root_id, count(*) AS n FROM comment WHERE status = 'pending'
              GROUP BY root_id) held WHERE r.id = held.root_id"""))
    run(text("""
        UPDATE comment SET flag_count = 1 + id % 3
        WHERE id IN (SELECT id FROM comment WHERE status = 'approved'
                     ORDER BY id % 97, id LIMIT :n)"""), {"n": shape.flagged})
    run(text("""
        INSERT INTO flag (comment_id, reader_hash, reason, note, verified, created_at)
        SELECT c.id, 'bench-' || c.id || '-' || g.i, 'spam', '', false, c.created_at
        FROM comment c CROSS JOIN generate_series(1, 3) AS g(i)
        WHERE c.flag_count >= g.i"""))
    run(text("""
        UPDATE article a SET comment_count = c.n, last_comment_at = c.last
        FROM (SELECT article_id, count(*) FILTER (WHERE status = 'approved') AS n,
                     max(created_at) AS last
              FROM comment GROUP BY article_id) c WHERE a.id = c.article_id"""))


def _vacuum(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
        # Write the load out now, not in a checkpoint in the middle of the measurements.
        conn.execute(text("CHECKPOINT"))
    engine.dispose()


def upgrade_only(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-scale",
                      "COMMENTSVC_ENV": "development"})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    _vacuum(url)


def existing(url: str) -> tuple[int, int] | None:
    """How many comments, and how many reported, a database from an earlier run holds."""
    engine = create_engine(make_url(url).set(database="postgres"))
    try:
        with engine.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                               {"n": make_url(url).database}):
                return None
    finally:
        engine.dispose()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return tuple(conn.execute(text(
                "SELECT count(*), count(*) FILTER (WHERE flag_count > 0) FROM comment")).one())
    except Exception:  # a half-built database is rebuilt
        return None
    finally:
        engine.dispose()


def storage(url: str) -> dict[str, float]:
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.scalar(text("SELECT count(*) FROM comment"))
        table = conn.scalar(text("SELECT pg_relation_size('comment')"))
        total = conn.scalar(text("SELECT pg_total_relation_size('comment')"))
        database = conn.scalar(text("SELECT pg_database_size(current_database())"))
    engine.dispose()
    return {"comments": count, "heap_per_comment": table / count,
            "comment_total_per_comment": total / count, "database_per_comment": database / count,
            "database_mb": database / 2**20}


# --- measuring --------------------------------------------------------------------------------

@dataclass
class Target:
    """One database served in-process, with what its paths need."""

    name: str
    app: Any
    client: Any
    admin_key: str
    page50_cursor: str
    count_keys: list[str]
    posts: int = 0

    def paths(self) -> dict[str, Callable[[], Any]]:
        thread = {"site": "default", "article": BIG}
        return {
            "first page of the big thread": lambda: self.get("/api/v1/comments", thread),
            "50th page of the big thread (cursor)": lambda: self.get(
                "/api/v1/comments", {**thread, "cursor": self.page50_cursor}),
            "counts of 20 articles": lambda: self.get(
                "/api/v1/counts", {"site": "default", "article": self.count_keys}),
            "pending queue, first page": lambda: self.get(
                "/api/v1/admin/comments", {"site": "default", "status": "pending"}, admin=True),
            "flagged queue, first page": lambda: self.get(
                "/api/v1/admin/comments", {"site": "default", "status": "flagged"}, admin=True),
            "posting to the big thread": self.post,
            "Atom feed of the big thread": lambda: self.get("/api/v1/feed.atom", thread),
        }

    def get(self, path: str, query: dict[str, Any], *, admin: bool = False) -> Any:
        headers = {"Authorization": f"Bearer {self.admin_key}"} if admin else {}
        response = self.client.get(f"{path}?{urlencode(query, doseq=True)}", headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{self.name} {path}: {response.status_code} {response.data!r}")
        return response

    def post(self) -> Any:
        self.posts += 1
        token = uuid.uuid4().hex
        response = self.client.post("/api/v1/comments", headers={"X-Reader-Token": token}, json={
            "site": "default", "article": BIG, "author_name": "Bench",
            "body": f"Posted by the scale benchmark, number {self.posts} ({token[:8]})."})
        if response.status_code != 201:
            raise RuntimeError(f"{self.name} post: {response.status_code} {response.data!r}")
        return response


def target(name: str, url: str, shape: Shape) -> Target:
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-scale",
        "COMMENTSVC_ENV": "development", "RATELIMIT_ENABLED": False,
        # Off: every read must reach the database, which is what this benchmark is about.
        "COMMENTSVC_PAGE_CACHE_ENTRIES": 0,
    })
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == "default"))
        key = create_key(db.session, app.config["SECRET_KEY"], site, "moderator", "bench",
                         datetime.now(UTC))[1]
        db.session.commit()
    client = app.test_client()
    step = max(1, (shape.articles - 1) // 20)
    keys = [f"a-{2 + i * step}" for i in range(20)]
    made = Target(name, app, client, key, "", keys)
    cursor = None
    for _ in range(49):  # walk to the 50th page the way a reader would
        cursor = made.get("/api/v1/comments", {"site": "default", "article": BIG,
                                               **({"cursor": cursor} if cursor else {})}
                          ).json["next_cursor"]
    made.page50_cursor = cursor
    return made


def measure(targets: list[Target], rounds: int, per_round: int) -> dict[str, dict[str, list]]:
    """Batches of BATCH calls, alternating between the databases path by path, so that a
    busier moment of this shared machine falls on both sides of a ratio."""
    times: dict[str, dict[str, list[float]]] = {t.name: {} for t in targets}
    paths = {t.name: t.paths() for t in targets}
    for round_no in range(rounds):
        for path in paths[targets[0].name]:
            for batch in range(max(1, per_round // BATCH)):
                order = targets if (round_no + batch) % 2 == 0 else targets[::-1]
                for t in order:
                    call = paths[t.name][path]
                    call()  # warm: the first call after the other database's batch
                    spent = times[t.name].setdefault(path, [])
                    for _ in range(BATCH):
                        start = time.perf_counter()
                        call()
                        spent.append(time.perf_counter() - start)
        print(f"  round {round_no + 1}/{rounds} done", flush=True)
    return times


# --- plans ------------------------------------------------------------------------------------

@contextmanager
def captured(engine: Any) -> Any:
    statements: list[tuple[str, Any]] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def plans(t: Target) -> dict[str, list[dict[str, Any]]]:
    """Every SELECT each path sends, EXPLAINed with ANALYZE on this database."""
    found: dict[str, list[dict[str, Any]]] = {}
    with t.app.app_context():
        engine = db.engine
        for path, call in t.paths().items():
            with captured(engine) as statements:
                call()
            found[path] = []
            raw = engine.raw_connection()
            try:
                cur = raw.cursor()
                for statement, parameters in statements:
                    if not statement.lstrip().upper().startswith("SELECT"):
                        continue
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement,
                                parameters)
                    plan = cur.fetchone()[0][0]
                    found[path].append(_summary(statement, plan))
                raw.rollback()
            finally:
                raw.close()
    return found


def _summary(statement: str, plan: dict[str, Any]) -> dict[str, Any]:
    nodes: list[str] = []
    worries: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        kind, relation = node["Node Type"], node.get("Relation Name")
        index = node.get("Index Name")
        nodes.append(f"{kind}{' using ' + index if index else ''}"
                     f"{' on ' + relation if relation else ''}")
        if kind == "Seq Scan" and relation in {"comment", "flag", "audit_entry", "article"}:
            worries.append(f"Seq Scan on {relation} ({node.get('Actual Rows', 0):,} rows out, "
                           f"{node.get('Rows Removed by Filter', 0):,} filtered)")
        if kind in {"Sort", "Incremental Sort"}:
            sorted_rows = sum(c.get("Actual Rows", 0) * c.get("Actual Loops", 1)
                              for c in node.get("Plans", []))
            if sorted_rows > 1000:
                worries.append(f"{kind} of {sorted_rows:,} rows")
        if node.get("Rows Removed by Filter", 0) > 10_000:
            worries.append(f"{kind} on {relation} filtered out {node['Rows Removed by Filter']:,}")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    top = plan["Plan"]
    return {"sql": " ".join(statement.split())[:160], "nodes": nodes, "worries": worries,
            "ms": plan.get("Execution Time"),
            "buffers": top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)}


# --- the run ----------------------------------------------------------------------------------

def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL,
                        help="the scale database (dropped and rebuilt); the small one is the "
                             "same name with _small")
    parser.add_argument("--reuse", action="store_true",
                        help="keep databases that already hold the right number of comments")
    parser.add_argument("--keep", action="store_true", help="do not drop the databases after")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--per-round", type=int, default=25)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--divisor", type=int, default=1,
                        help="a trial run: the scale database this many times smaller")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("the scale benchmark runs on PostgreSQL")
    urls = {"small": str(make_url(args.database_url).set(
        database=make_url(args.database_url).database + "_small")), "scale": args.database_url}
    shapes = {"small": SMALL, "scale": smaller(SCALE, args.divisor)}
    logging.disable(logging.INFO)  # one request log line per call would bury the figures
    print("building (COPY) …", flush=True)
    for name in ("small", "scale"):
        if args.reuse and existing(urls[name]) == (shapes[name].comments, shapes[name].flagged):
            print(f"  reusing {name} (migrated to the newest revision)", flush=True)
            upgrade_only(urls[name])
            continue
        build(urls[name], shapes[name])
    logging.disable(logging.INFO)  # (migrating turned it back on)
    sizes = {name: storage(url) for name, url in urls.items()}
    targets = [target(name, urls[name], shapes[name]) for name in ("small", "scale")]
    print(f"measuring: {args.rounds} rounds x {args.per_round} calls per path and database",
          flush=True)
    times = measure(targets, args.rounds, args.per_round)
    explained = plans(targets[1])
    report(times, sizes, explained)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"times_ms": {n: {p: ms(v) for p, v in d.items()} for n, d in times.items()},
                       "sizes": sizes, "plans": explained}, out, indent=1)
    for t in targets:
        with t.app.app_context():
            db.engine.dispose()
    if not args.keep:
        for url in urls.values():
            seed.drop(url)
    missed = [p for p in times["scale"] if ms(times["scale"][p]) > TARGET * ms(times["small"][p])]
    return 0 if not missed else 1


def report(times: dict, sizes: dict, explained: dict) -> None:
    small, scale = sizes["small"], sizes["scale"]
    print(f"\n| path (median ms, in-process, page cache off) | {small['comments']:,} comments "
          f"| {scale['comments']:,} comments | ratio | target <= {TARGET} x |")
    print("|---|---|---|---|---|")
    for path in times["scale"]:
        a, b = ms(times["small"][path]), ms(times["scale"][path])
        verdict = "met" if b <= TARGET * a else "**missed**"
        print(f"| {path} | {a:.2f} | {b:.2f} | {b / a:.2f} x | {verdict} |")
    print("\n| storage | small | scale |\n|---|---|---|")
    for key, label in (("heap_per_comment", "comment table (heap) bytes per comment"),
                       ("comment_total_per_comment", "comment table + its indexes, per comment"),
                       ("database_per_comment", "whole database bytes per comment"),
                       ("database_mb", "whole database, MB")):
        print(f"| {label} | {small[key]:,.0f} | {scale[key]:,.0f} |")
    print("\nplans on the scale database (EXPLAIN ANALYZE of every SELECT a path sends):")
    for path, found in explained.items():
        worries = [w for p in found for w in p["worries"]]
        slowest = max((p["ms"] or 0 for p in found), default=0)
        print(f"- {path}: {len(found)} SELECTs, slowest {slowest:.2f} ms; "
              f"{'; '.join(worries) if worries else 'all index scans, no big sort'}")
        for p in found:
            scans = [n for n in p["nodes"] if "Scan" in n]
            print(f"    {p['ms']:.3f} ms {p['buffers']} buffers: {', '.join(scans)}")


if __name__ == "__main__":
    sys.exit(main())
