"""`make bench-peers`: commentsvc side by side with Isso 0.14.0 and a bare Flask route.

What runs: Isso from its own virtualenv (benchmarks/.isso-venv, installed from PyPI on the first
run and reused), commentsvc (production mode, rate limits off; SQLite in a temp dir, or
PostgreSQL with --database-url) and the bare Flask app of benchmarks/bare_app.py. Both comment
services get the same comments through their own HTTP APIs (benchmarks/peers_data.py: a
200-comment thread and 19 small ones), then wrk drives three groups of loads, interleaved:

- first view of the thread: the one request each widget sends for a thread first.
  commentsvc's widget.js asks GET /api/v1/comments?site=…&article=…&sort=oldest&limit=20
  (20 top-level comments with their first replies); Isso 0.14's embed asks
  GET /?uri=/thread-200&sort=oldest&offset=0&nested_limit=5 (with its default settings every
  top-level comment, 48, each with up to 5 replies; it sends GET /config before, not measured
  here, as commentsvc's GET /votes is not). The bare Flask route runs in the same group as the
  ceiling. The answers differ in what they hold; each is what its widget shows first.
- counts of 20 articles: commentsvc's count.js asks GET /api/v1/counts?site=…&article=… (20 times);
  Isso's count.js sends POST /count with the JSON list of the 20 paths.
- posting a comment: the same Markdown text for both (with a <script> and a javascript: link
  for the sanitisers), made unique per request, every other post a reply to the thread's first
  comment. commentsvc keeps every rule, the sanitiser, counters and audit on; its counters are
  checked against its rows afterwards, and Isso's stored comments against its 201 answers.

Fairness: all three apps run under the same gunicorn version with the same options (2 sync
workers, 1 thread, 127.0.0.1), on the same machine, driven by the same wrk settings
(-t1 -c8 by default). Every run gives each scenario of a group one slice of --seconds in a
rotating order, so a burst of load from elsewhere on the machine lands on both sides of a
ratio; ratios are medians of per-run ratios. Every request carries an Origin header, the
publisher's page (the bare Flask server stands in for it), as a browser sends it when the
widget runs on the publisher's site: commentsvc checks it against the site's allowed origins
and Isso answers with its CORS headers; both are configured to allow it. Beyond that each side
gets the headers its own widget sends (commentsvc an X-Reader-Token, Isso a JSON content type;
the posting script sends both to both, the one the other service does not know is ignored).
Isso runs with its defaults except for what a load test needs: its rate limit and spam guard
off ([guard] enabled = false), no moderation, notifications to stdout. Isso always stores in
SQLite. Isso keeps one level of nesting: a reply to a reply is filed under its top-level
comment, so the thread's shape differs while its comments are the same.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import isso_peer
import loadgen
import peers_data
import seed
import servers
from harness import (
    POST_BODY,
    Measured,
    Run,
    Scenario,
    load,
    load_average,
    measure,
    publish,
    verify_counters,
)
from peers_data import SeedComment
from peers_report import summarise
from peers_seed import (
    SITE,
    allow_origin,
    call,
    isso_new,
    isso_path,
    seed_commentsvc,
    seed_isso,
)
from sqlalchemy.engine import make_url

POST_ARTICLE = "post-bench"
# The comment every other benchmark post replies to, posted first to each service.
POST_ROOT = SeedComment(POST_ARTICLE, 0, None, 0,
                        "The thread the posting benchmark writes to; every other post replies "
                        "to this comment.")
WIDGET_TOKEN = "peers-bench-widget-reader"  # what widget.js keeps in localStorage


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs; medians are over these")
    parser.add_argument("--seconds", type=int, default=5,
                        help="seconds of load per scenario per run (one slice, interleaved "
                        "with the scenarios it is compared with)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--database-url", default=None,
                        help="put commentsvc on PostgreSQL (postgresql+psycopg://user@host/name): "
                        "the benchmark (re)creates and drops <name>_bench_peers next to it; "
                        "Isso stays on SQLite")
    parser.add_argument("--no-origin", action="store_true",
                        help="send no Origin header in the loads (a same-origin setup; shows "
                        "what the cross-origin checks cost)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, SQLite)")
    return parser.parse_args(argv)


def commentsvc_url(args: argparse.Namespace, tmp: Path) -> str:
    if not args.database_url:
        return f"sqlite:///{tmp / 'commentsvc.db'}"
    base = make_url(args.database_url)
    if not base.drivername.startswith("postgresql"):
        raise SystemExit("--database-url must be a postgresql URL")
    return base.set(database=f"{base.database}_bench_peers").render_as_string(
        hide_password=False)


# --- what is measured -------------------------------------------------------------------------

def first_view_paths() -> dict[str, str]:
    commentsvc = "/api/v1/comments?" + urlencode(
        {"site": SITE, "article": peers_data.THREAD, "sort": "oldest", "limit": 20})
    # api.js: qs({uri, sort, parent, offset, nested_limit}) with null parent left out.
    isso = "/?" + urlencode({"uri": isso_path(peers_data.THREAD), "sort": "oldest",
                             "offset": 0, "nested_limit": 5})
    return {"commentsvc": commentsvc, "isso": isso}


def counts_path() -> str:
    return "/api/v1/counts?" + urlencode(
        [("site", SITE), *(("article", key) for key in peers_data.LISTING_PAGE)])


def expected_counts(threads: dict[str, list[SeedComment]]) -> list[int]:
    return [len(threads[key]) for key in peers_data.LISTING_PAGE]


def groups(connections: int, origin: str | None, roots: dict[str, int]
           ) -> dict[str, list[Scenario]]:
    """The scenarios, by the group they are interleaved in."""
    seen_from = (f"Origin: {origin}",) if origin else ()
    widget = (*seen_from, f"X-Reader-Token: {WIDGET_TOKEN}")
    isso_embed = (*seen_from, "Content-Type: application/json")
    view = first_view_paths()
    uris = json.dumps([isso_path(key) for key in peers_data.LISTING_PAGE])
    commentsvc_post = {"site": SITE, "article": POST_ARTICLE, "body": POST_BODY,
                       "author_name": "Bench Reader", "author_email": "bench@example.org",
                       "honeypot": "", "form_seconds": 30}
    isso_post = {"text": POST_BODY, "author": "Bench Reader", "email": "bench@example.org",
                 "parent": None}
    return {
        "first view": [
            Scenario("commentsvc-view", "commentsvc: the widget's first thread request",
                     "commentsvc", view["commentsvc"], connections, headers=widget),
            Scenario("isso-view", "Isso: the embed's thread request", "isso", view["isso"],
                     connections, headers=isso_embed),
            Scenario("bare", "bare Flask JSON route (the ceiling)", "bare", "/", connections,
                     headers=seen_from),
        ],
        "counts": [
            Scenario("commentsvc-counts", "commentsvc: counts of 20 articles (GET /counts)",
                     "commentsvc", counts_path(), connections, headers=seen_from),
            Scenario("isso-counts", "Isso: counts of 20 articles (POST /count)", "isso",
                     "/count", connections, script_args=("POST", uris), headers=isso_embed),
        ],
        "posting": [
            Scenario("commentsvc-post", "commentsvc: posting (rules, sanitiser, counters, "
                     "audit)", "commentsvc", "/api/v1/comments", connections,
                     script="post.lua", headers=seen_from, script_args=(
                         json.dumps(commentsvc_post),
                         json.dumps({**commentsvc_post, "parent_id": roots["commentsvc"]}))),
            Scenario("isso-post", "Isso: posting", "isso",
                     isso_new(POST_ARTICLE), connections,
                     script="post.lua", headers=seen_from, script_args=(
                         json.dumps(isso_post),
                         json.dumps({**isso_post, "parent": roots["isso"]}))),
        ],
    }


def check_answers(running: dict[str, servers.Server], origin: str,
                  threads: dict[str, list[SeedComment]]) -> dict[str, str]:
    """Both services answer the thread and the counts as seeded; returns what each first view
    holds, for the report."""
    view = first_view_paths()
    size = len(threads[peers_data.THREAD])
    headers = {"Origin": origin}
    _, page, page_bytes = call("GET", running["commentsvc"].base + view["commentsvc"], headers)
    shown = sum(1 + len(c["replies"]) for c in page["comments"])
    if len(page["comments"]) != 20 or page["article"]["comment_count"] != size:
        raise RuntimeError(f"commentsvc's first view: {len(page['comments'])} top-level, "
                           f"comment_count {page['article']['comment_count']}")
    _, isso, isso_bytes = call("GET", running["isso"].base + view["isso"], headers)
    isso_shown = sum(1 + len(c["replies"]) for c in isso["replies"])
    if len(isso["replies"]) != peers_data.THREAD_TOP or isso["total_replies"] != size:
        raise RuntimeError(f"Isso's first view: {len(isso['replies'])} top-level, "
                           f"total_replies {isso['total_replies']}")
    expected = expected_counts(threads)
    _, counts, _ = call("GET", running["commentsvc"].base + counts_path(), headers)
    if [counts["counts"].get(key) for key in peers_data.LISTING_PAGE] != expected:
        raise RuntimeError(f"commentsvc's counts {counts} differ from {expected}")
    uris = [isso_path(key) for key in peers_data.LISTING_PAGE]
    _, isso_counts, _ = call("POST", running["isso"].base + "/count",
                             {**headers, "Content-Type": "application/json"}, uris)
    if isso_counts != expected:
        raise RuntimeError(f"Isso's counts {isso_counts} differ from {expected}")
    return {
        "commentsvc": f"{len(page['comments'])} top-level comments with their first replies, "
                      f"{shown} comments, {page_bytes:,} bytes",
        "isso": f"{len(isso['replies'])} top-level comments with up to 5 replies each, "
                f"{isso_shown} comments, {isso_bytes:,} bytes",
    }


def isso_stored(tmp: Path, posted: int) -> str:
    """After the writers: every post Isso answered with 201 is in its database."""
    conn = sqlite3.connect(tmp / "isso.db")
    try:
        rows = conn.execute(
            "SELECT COUNT(*) FROM comments JOIN threads ON comments.tid = threads.id "
            "WHERE threads.uri = ? AND comments.mode = 1", (isso_path(POST_ARTICLE),)
        ).fetchone()[0]
    finally:
        conn.close()
    stored = rows - 1  # the seeded comment that replies go to
    if stored < posted:
        return f"{posted} answers were 201 but only {stored} comments are stored"
    return (f"consistent: {stored:,} stored, {posted:,} seen as 201 by wrk, "
            f"{stored - posted} in flight when wrk stopped")


# --- the run ----------------------------------------------------------------------------------

def start_servers(args: argparse.Namespace, tmp: Path, url: str, isso_python: str,
                  running: dict[str, servers.Server]) -> str:
    """Start the three servers into `running` (the caller stops them); returns the origin of
    the publisher's page."""
    opts = {"workers": args.workers, "threads": 1, "log_dir": tmp}
    # The bare server stands in for the publisher's site: its origin is the Origin of every
    # request, and Isso checks at start-up that its configured host answers.
    running["bare"] = servers.gunicorn("bare", "bare_app:app", env=servers.app_env(""),
                                       ready_path="/", **opts)
    origin = running["bare"].base
    allow_origin(url, origin)
    running["commentsvc"] = servers.gunicorn(
        "commentsvc", "commentsvc:create_app()", env=servers.app_env(url),
        ready_path="/healthz", **opts)
    running["isso"] = servers.gunicorn(
        "isso", isso_peer.APP, env=isso_peer.env(isso_peer.write_config(tmp, origin)),
        ready_path="/info", python=isso_python, **opts)
    print(f"  servers: gunicorn --workers {args.workers} --threads 1 on 127.0.0.1; "
          f"publisher origin {origin}", flush=True)
    return origin


def seed_and_check(running: dict[str, servers.Server], origin: str
                   ) -> tuple[dict[str, int], dict[str, str]]:
    """Post the same comments to both services and check their answers; returns the id of
    the posting thread's first comment in each, and what each first view holds."""
    threads = {**peers_data.all_threads(), POST_ARTICLE: [POST_ROOT]}
    t0 = time.monotonic()
    commentsvc_ids = seed_commentsvc(running["commentsvc"].base, origin, threads)
    isso_ids = seed_isso(running["isso"].base, origin, threads)
    print(f"  seeded {sum(len(c) for c in threads.values())} comments into each service "
          f"through its API in {time.monotonic() - t0:.1f}s", flush=True)
    shown = check_answers(running, origin, threads)
    for name, what in shown.items():
        print(f"  checked {name}'s first view: {what}; counts as seeded", flush=True)
    roots = {"commentsvc": commentsvc_ids[POST_ARTICLE][0], "isso": isso_ids[POST_ARTICLE][0]}
    return roots, shown


def run_loads(wrk: str, scenario_groups: dict[str, list[Scenario]],
              running: dict[str, servers.Server], args: argparse.Namespace
              ) -> tuple[dict[str, Measured], dict[str, int]]:
    """A warm-up, then every group interleaved; returns the measurements and how many posts
    each service answered with 201 (warm-up included)."""
    everything = [sc for group in scenario_groups.values() for sc in group]
    # Warm-up (imports, caches, connection pools), discarded; posts are counted below.
    warm_up = {sc.name: Run() for sc in everything}
    for sc in everything:
        load(wrk, sc, running[sc.server], 1, warm_up[sc.name])
    measured: dict[str, Measured] = {}
    for title, group in scenario_groups.items():
        measured.update(measure(wrk, group, running, args, title, args.seconds))
    posted = {side: warm_up[f"{side}-post"].published
              + sum(r.published for r in measured[f"{side}-post"].runs)
              for side in ("commentsvc", "isso")}
    for sc in everything:
        if any(not r.rps for r in measured[sc.name].runs):
            print(f"  {sc.name} saw no answer within a {args.seconds}-second slice: its ratios "
                  "are not meaningful; use a longer --seconds", flush=True)
        if measured[sc.name].failures:
            log = running[sc.server].log.read_text().strip().splitlines()
            print(f"  {sc.name} had failures; last lines of {sc.server}'s log:\n    "
                  + "\n    ".join(log[-15:]), flush=True)
    return measured, posted


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        wrk = loadgen.find_wrk()
        isso_python = isso_peer.ensure_installed()
    except loadgen.WrkMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except isso_peer.InstallFailed as exc:
        print(f"error: could not install Isso {isso_peer.ISSO_VERSION} into "
              f"benchmarks/.isso-venv: {exc}", file=sys.stderr)
        return 2
    started = time.monotonic()
    load_before = load_average()
    tmp = Path(tempfile.mkdtemp(prefix="commentsvc-peers-"))
    url = commentsvc_url(args, tmp)
    backend = "postgresql" if args.database_url else "sqlite"
    print(f"commentsvc ({backend}) side by side with Isso {isso_peer.ISSO_VERSION} (SQLite) "
          f"and bare Flask; temp dir {tmp}", flush=True)
    seed.migrated_app(url)
    running: dict[str, servers.Server] = {}
    try:
        origin = start_servers(args, tmp, url, isso_python, running)
        roots, shown = seed_and_check(running, origin)
        scenario_groups = groups(args.connections, None if args.no_origin else origin, roots)
        measured, posted = run_loads(wrk, scenario_groups, running, args)
    finally:
        for server in running.values():
            server.stop()
    # Only once the servers have stopped: a post still in flight would commit between the
    # reads of the check.
    checks = {"commentsvc": verify_counters(url, posted["commentsvc"], POST_ARTICLE),
              "isso": isso_stored(tmp, posted["isso"])}
    database = seed.server_version(url)
    if not args.keep:
        seed.drop(url)
    report = summarise(args, backend, scenario_groups, measured, checks, shown, database,
                       f"{load_before} before, {load_average()} after")
    publish(report, f"latest-peers-{backend}", started, tmp, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
