"""`make bench`: load and scale benchmarks for commentsvc, printed as medians and ratios.

Seeds databases in a temp dir (SQLite by default, PostgreSQL with --database-url), serves them
with gunicorn (2 workers, 1 thread each) on 127.0.0.1 and drives them with wrk. Each round runs
every read scenario once, back to back, and the ratios are taken within a round, so a machine
that is slower in one round is slower for both sides of the ratio. Figures, not assertions: each
line says "target met" or "target missed".
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import loadgen
import seed
import servers
from harness import (
    POST_BODY,
    Measured,
    Run,
    Scenario,
    load,
    load_average,
    machine,
    measure,
    publish,
    ratio_median,
    verdict,
    verify_counters,
)
from seed import ThreadShape
from sqlalchemy.engine import make_url

from commentsvc import threads

MAIN_THREADS = {
    "thread-100": ThreadShape(top=20, replies=4),            # 100 comments
    "thread-10k-wide": ThreadShape(top=2_000, replies=4),    # 10,000: many short threads
    "thread-10k-deep": ThreadShape(top=20, replies=499),     # 10,000: 20 huge sub-threads
    "thread-200": ThreadShape(top=20, replies=9),            # 200: 20 top-level + replies
    "post-bench": ThreadShape(top=1, replies=0),             # the thread the writers post to
}
COUNT_ARTICLES = [f"listing-{i:02d}" for i in range(20)]
COUNTS_SMALL = {key: ThreadShape(top=10, replies=4) for key in COUNT_ARTICLES}   # 1,000
COUNTS_BIG = {key: ThreadShape(top=1_000, replies=4) for key in COUNT_ARTICLES}  # 100,000

# Word lists as big as the issue asks for; none of these words is in POST_BODY.
WORD_LIST_SIZE = 5_000


def word_list(prefix: str) -> list[str]:
    return [f"{prefix}{n:04d}x" for n in range(WORD_LIST_SIZE)]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds; medians are over these")
    parser.add_argument("--seconds", type=int, default=3,
                        help="seconds of load per scenario per run, in 1-second slices that "
                        "alternate with the scenarios it is compared with")
    parser.add_argument("--connections", type=int, default=4,
                        help="wrk connections for throughput figures (latency ones use 1)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--threads", type=int, default=1,
                        help="gunicorn threads per worker (posting is also run with 4)")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL URL (postgresql+psycopg://user@host/name); the "
                        "benchmark (re)creates databases named <name>_bench_* next to it")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, SQLite)")
    return parser.parse_args(argv)


def database_urls(args: argparse.Namespace, tmp: Path) -> dict[str, str]:
    names = ("main", "counts_1k", "counts_100k", "words")
    if not args.database_url:
        return {name: f"sqlite:///{tmp / name}.db" for name in names}
    base = make_url(args.database_url)
    if not base.drivername.startswith("postgresql"):
        raise SystemExit("--database-url must be a postgresql URL")
    return {name: base.set(database=f"{base.database}_bench_{name}")
            .render_as_string(hide_password=False) for name in names}


def page_check(shape: ThreadShape) -> Callable[[Any], str | None]:
    def check(body: Any) -> str | None:
        shown = len(body["comments"])
        if shown != min(20, shape.top):
            return f"{shown} top-level comments on the first page, expected 20"
        if body["article"]["comment_count"] != shape.size:
            return f"comment_count {body['article']['comment_count']}, expected {shape.size}"
        return None
    return check


def fragment_check(shape: ThreadShape) -> Callable[[Any], str | None]:
    def check(body: Any) -> str | None:
        if not isinstance(body, str) or not body.startswith('<template shadowrootmode="open">'):
            return "not a server-rendered fragment"
        shown = body.count('<article id="comment-')
        expected = min(20, shape.top) * (1 + min(threads.REPLIES_PER_COMMENT, shape.replies))
        if shown != expected:
            return f"{shown} comments in the fragment, expected {expected}"
        return None
    return check


def counts_check(per_article: int) -> Callable[[Any], str | None]:
    def check(body: Any) -> str | None:
        wrong = {k: v for k, v in body["counts"].items() if v != per_article}
        return f"unexpected counts {wrong}" if wrong or not body["counts"] else None
    return check


def read_groups(connections: int) -> dict[str, list[Scenario]]:
    """Scenarios that are compared with each other run interleaved, slice by slice."""
    def page(article: str) -> str:
        return "/api/v1/comments?" + urlencode({"site": "default", "article": article})

    def fragment(article: str) -> str:
        return "/api/v1/render?" + urlencode({"site": "default", "article": article})

    counts = "/api/v1/counts?" + urlencode(
        [("site", "default"), *(("article", key) for key in COUNT_ARTICLES)]
    )
    return {
        "thread size": [
            Scenario("page-100", "thread page, 100 comments (20 top-level)", "main",
                     page("thread-100"), 1, page_check(MAIN_THREADS["thread-100"])),
            Scenario("page-10k-wide", "thread page, 10,000 comments (2,000 top-level)", "main",
                     page("thread-10k-wide"), 1, page_check(MAIN_THREADS["thread-10k-wide"])),
            Scenario("page-10k-deep", "thread page, 10,000 comments (20 top-level x 500)",
                     "main", page("thread-10k-deep"), 1,
                     page_check(MAIN_THREADS["thread-10k-deep"])),
        ],
        "page vs bare Flask": [
            Scenario("page-200", "thread page, 200 comments (20 top-level + replies)", "main",
                     page("thread-200"), connections, page_check(MAIN_THREADS["thread-200"])),
            Scenario("bare", "bare Flask JSON route (same gunicorn settings)", "bare", "/",
                     connections,
                     lambda body: None if body.get("status") == "ok" else "bad bare answer"),
        ],
        # Both from the version-keyed page cache: what a publisher's server (or a CDN) asks for
        # on every article view, against what the widget asks for.
        "fragment vs JSON page": [
            Scenario("render-200", "server-rendered fragment (GET /render), 200 comments",
                     "main", fragment("thread-200"), connections,
                     fragment_check(MAIN_THREADS["thread-200"])),
            Scenario("json-200", "JSON thread page (GET /comments), 200 comments", "main",
                     page("thread-200"), connections, page_check(MAIN_THREADS["thread-200"])),
        ],
        "counts": [
            Scenario("counts-1k", "counts of 20 articles, 1,000 comments in the database",
                     "counts_1k", counts, 1, counts_check(50)),
            Scenario("counts-100k", "counts of 20 articles, 100,000 comments in the database",
                     "counts_100k", counts, 1, counts_check(5_000)),
        ],
    }


def posting_group(connections: int, threads: int, parent_id: int,
                  words_parent_id: int) -> list[Scenario]:
    top = {"site": "default", "article": "post-bench", "body": POST_BODY,
           "author_name": "Bench Reader", "author_email": "bench@example.org"}
    bodies = (json.dumps(top), json.dumps({**top, "parent_id": parent_id}))
    words_bodies = (json.dumps(top), json.dumps({**top, "parent_id": words_parent_id}))
    label = "posting (sanitise, rules, counters), {} workers x {} threads"
    return [
        Scenario("post", label.format("{workers}", threads), "main", "/api/v1/comments",
                 connections, script="post.lua", script_args=bodies),
        Scenario("post-4threads", label.format("{workers}", 4), "main-4threads",
                 "/api/v1/comments", connections, script="post.lua", script_args=bodies),
        Scenario("post-words", label.format("{workers}", threads)
                 + f", with {WORD_LIST_SIZE:,} banned + {WORD_LIST_SIZE:,} suspect words",
                 "words", "/api/v1/comments", connections, script="post.lua",
                 script_args=words_bodies),
    ]


def fetch_json(url: str) -> tuple[Any, int]:
    """The answer parsed (HTML stays text), and its size."""
    with urllib.request.urlopen(url, timeout=30) as response:
        raw = response.read()
        if response.headers.get_content_type() == "text/html":
            return raw.decode(), len(raw)
        return json.loads(raw), len(raw)


def shown_comments(nodes: list[dict[str, Any]]) -> int:
    return sum(1 + shown_comments(node["replies"]) for node in nodes)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        wrk = loadgen.find_wrk()
    except loadgen.WrkMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    started = time.monotonic()
    load_before = load_average()
    tmp = Path(tempfile.mkdtemp(prefix="commentsvc-bench-"))
    urls = database_urls(args, tmp)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"commentsvc benchmarks on {backend}; temp dir {tmp}", flush=True)

    print("seeding (bulk inserts on migrated databases) ...", flush=True)
    t0 = time.monotonic()
    first_ids = seed.seed(urls["main"], MAIN_THREADS)
    seed.seed(urls["counts_1k"], COUNTS_SMALL)
    seed.seed(urls["counts_100k"], COUNTS_BIG)
    words_ids = seed.seed(urls["words"], {"post-bench": MAIN_THREADS["post-bench"]})
    seed.set_site_settings(urls["words"], {"banned_words": word_list("banned"),
                                           "suspect_words": word_list("suspect")})
    print(f"  seeded {sum(s.size for s in MAIN_THREADS.values()):,} + 1,000 + 100,000 comments"
          f" in {time.monotonic() - t0:.1f}s", flush=True)

    groups = read_groups(args.connections)
    writers = posting_group(args.connections, args.threads, first_ids["post-bench"],
                            words_ids["post-bench"])
    running: dict[str, servers.Server] = {}
    try:
        opts = {"workers": args.workers, "threads": args.threads, "log_dir": tmp}
        for name in ("main", "counts_1k", "counts_100k", "words"):
            running[name] = servers.gunicorn(
                name, "commentsvc:create_app()", env=servers.app_env(urls[name]),
                ready_path="/healthz", **opts)
        running["bare"] = servers.gunicorn("bare", "bare_app:app", env=servers.app_env(""),
                                           ready_path="/", **opts)
        running["main-4threads"] = servers.gunicorn(
            "main-4threads", "commentsvc:create_app()", env=servers.app_env(urls["main"]),
            ready_path="/healthz", **{**opts, "threads": 4})
        print(f"  servers: gunicorn --workers {args.workers} --threads {args.threads} "
              f"(and one with --threads 4 for posting) on 127.0.0.1", flush=True)

        reads = [sc for group in groups.values() for sc in group]
        for sc in reads:
            body, size = fetch_json(running[sc.server].base + sc.path)
            problem = sc.expect(body)
            if problem:
                raise RuntimeError(f"{sc.name}: {problem}")
            extra = (f", {shown_comments(body['comments'])} comments shown"
                     if isinstance(body, dict) and "comments" in body else "")
            print(f"  checked {sc.name}: {size:,} bytes{extra}", flush=True)
        # Warm-up (imports, caches, connection pools), discarded; posts are counted below.
        warm_up, elsewhere = Run(), Run()
        for sc in [*reads, *writers]:
            load(wrk, sc, running[sc.server], 1, elsewhere if sc.server == "words" else warm_up)

        measured: dict[str, Measured] = {}
        for title, group in groups.items():
            measured.update(measure(wrk, group, running, args, title))
        # Writes are not compared slice by slice, and their slow tail needs longer runs.
        measured.update(measure(wrk, writers, running, args, "posting", args.seconds))
        posted = warm_up.published + sum(
            r.published for sc in writers if sc.server != "words"
            for r in measured[sc.name].runs)
        for sc in [*reads, *writers]:
            if measured[sc.name].failures:
                log = running[sc.server].log.read_text().strip().splitlines()
                print(f"  {sc.name} had failures; last lines of {sc.server}'s log:\n    "
                      + "\n    ".join(log[-15:]), flush=True)
    finally:
        for server in running.values():
            server.stop()
    # Only once the servers have stopped: a post still in flight would commit between the
    # two reads of the check and look like a lost increment.
    counters = verify_counters(urls["main"], posted)

    load_after = load_average()
    database = seed.server_version(urls["main"])
    if not args.keep:
        for url in urls.values():
            seed.drop(url)
    report = summarise(args, groups, writers, measured, counters, database,
                       f"{load_before} before, {load_after} after")
    publish(report, f"latest-{backend.lower()}", started, tmp, args.keep)
    return 0


def summarise(args: argparse.Namespace, groups: dict[str, list[Scenario]],
              writers: list[Scenario], measured: dict[str, Measured], counters: str,
              database: str, load: str) -> dict[str, str]:
    info = machine()
    rows: list[tuple[str, str, str, str]] = []
    for sc in [sc for group in groups.values() for sc in group]:
        m = measured[sc.name]
        errors = f", {m.failures} errors" if m.failures else ""
        rows.append((f"{sc.label} (wrk -c{sc.connections})",
                     f"p50 {m.median('p50_ms'):.2f} ms, {m.median('rps'):.0f} req/s, "
                     f"server CPU {m.median('cpu_ms'):.2f} ms/request{errors}", "", ""))
    wide = ratio_median(measured, "page-10k-wide", "page-100", "p50_ms")
    deep = ratio_median(measured, "page-10k-deep", "page-100", "p50_ms")
    fraction = ratio_median(measured, "page-200", "bare", "rps")
    cpu_fraction = ratio_median(measured, "bare", "page-200", "cpu_ms")
    counts = ratio_median(measured, "counts-100k", "counts-1k", "p50_ms")
    fragment = ratio_median(measured, "json-200", "render-200", "rps")
    fragment_cpu = ratio_median(measured, "render-200", "json-200", "cpu_ms")
    words = ratio_median(measured, "post-words", "post", "cpu_ms")
    rows += [
        ("p50 latency ratio: 10,000-comment thread (2,000 top-level) / 100-comment thread",
         f"{wide:.2f}", "< 2", verdict(wide < 2)),
        ("p50 latency ratio: 10,000-comment thread (20 top-level x 500) / 100-comment thread",
         f"{deep:.2f}", "< 2", verdict(deep < 2)),
        ("req/s of the 200-comment thread page / req/s of bare Flask",
         f"{fraction:.3f}", ">= 0.25", verdict(fraction >= 0.25)),
        ("the same by server CPU: CPU ms per bare request / per 200-comment page",
         f"{cpu_fraction:.3f}", ">= 0.25", verdict(cpu_fraction >= 0.25)),
        ("req/s of the cached JSON page / req/s of the cached fragment (200 comments)",
         f"{fragment:.2f}", "<= 1.5", verdict(fragment <= 1.5)),
        ("the same by server CPU: CPU ms per fragment / per JSON page",
         f"{fragment_cpu:.2f}", "<= 1.5", verdict(fragment_cpu <= 1.5)),
        ("p50 latency ratio: counts with 100,000 / with 1,000 comments in the database",
         f"{counts:.2f}", "< 1.5", verdict(counts < 1.5)),
        (f"server CPU per post with {WORD_LIST_SIZE:,}-entry word lists / without",
         f"{words:.2f}", "<= 1.10", verdict(words <= 1.10)),
    ]
    for sc in writers:
        m = measured[sc.name]
        non2xx = sum(r.non_2xx for r in m.runs)
        held = sum(r.ok_2xx - r.published for r in m.runs)
        sockets = sum(r.socket_errors for r in m.runs)
        sample = next((r.last_bad for r in m.runs if r.last_bad), "")
        rows.append((
            f"{sc.label.format(workers=args.workers)} (wrk -c{sc.connections})",
            f"{m.median('rps'):.0f} req/s, p50 {m.median('p50_ms'):.1f} ms, "
            f"server CPU {m.median('cpu_ms'):.1f} ms/request, {non2xx} non-2xx, "
            f"{sockets} socket errors, {held} held (202)",
            "0 errors", verdict(non2xx == 0 and sockets == 0) + (f" ({sample})" if sample else ""),
        ))
    rows.append(("article and reply counters after posting", counters, "consistent",
                 verdict(counters.startswith("consistent"))))

    setup = (f"{database}; gunicorn --workers {args.workers} --threads {args.threads} "
             f"(sync workers); wrk -t1; medians of {args.runs} runs, each {args.seconds} x 1 s "
             f"per scenario, interleaved with the scenarios it is compared with; "
             f"rate limits off; load average {load}")
    head = (f"machine: nproc {info['nproc']}, {info['cpu']}, Python {info['python']}, "
            f"{info['wrk']}, {info['date']}")
    flags = " ".join(sys.argv[1:])
    command = (f"`.venv/bin/python benchmarks/run.py {flags}`" if flags else
               "`make bench` (= `.venv/bin/python benchmarks/run.py`)")
    width = max(len(r[0]) for r in rows)
    text = [head, setup, ""]
    text += [f"{label:<{width}}  {value}" + (f"  [{target}: {v}]" if target else "")
             for label, value, target, v in rows]
    md = [f"- {head}", f"- {setup}",
          f"- command: {command}",
          "", "| measurement | median | target | result |", "|---|---|---|---|"]
    md += [f"| {label} | {value} | {target} | {v} |" for label, value, target, v in rows]
    return {"text": "\n".join(text), "markdown": "\n".join(md) + "\n"}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
