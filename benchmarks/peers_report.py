"""The side-by-side benchmark's table: every figure, and every ratio with its target."""

from __future__ import annotations

import argparse
import math
import statistics
import sys

import isso_peer
from harness import Measured, Scenario, machine, ratio_median, verdict

TARGETS = {  # (first view / bare, posting / Isso) by commentsvc's database
    "sqlite": (0.5, 1.5),
    "postgresql": (0.35, 1.2),
}
COUNTS_TARGET = 1.5
P99_TARGET = 3.0

Row = tuple[str, str, str, str]  # measurement, median, target, result


def figures(sc: Scenario, m: Measured) -> Row:
    errors = m.failures
    return (f"{sc.label} (wrk -c{sc.connections})",
            f"{m.median('rps'):,.1f} req/s, p50 {m.median('p50_ms'):.2f} ms, "
            f"p99 {m.median('p99_ms'):.2f} ms, server CPU {m.median('cpu_ms'):.2f} ms/request"
            + (f", {errors} errors" if errors else ""), "", "")


def ratio_rows(label: str, measured: dict[str, Measured], top: str, bottom: str,
               target: float | None) -> list[Row]:
    """A req/s ratio with its target, and the same by server CPU per request, for reading."""
    by_rps = ratio_median(measured, top, bottom, "rps")
    by_cpu = ratio_median(measured, bottom, top, "cpu_ms")
    return [
        (f"{label}, req/s", f"{by_rps:.3g}", "" if target is None else f">= {target}",
         "" if target is None else verdict(by_rps >= target)),
        (f"{label}, by server CPU per request", f"{by_cpu:.3g}", "", ""),
    ]


def posting_errors(sc: Scenario, m: Measured) -> Row:
    non2xx = sum(r.non_2xx for r in m.runs)
    sockets = sum(r.socket_errors for r in m.runs)
    held = sum(r.ok_2xx - r.published for r in m.runs)
    sample = next((r.last_bad for r in m.runs if r.last_bad), "")
    return (f"{sc.label}: errors",
            f"{non2xx} non-2xx, {sockets} socket errors, {held} held (202)", "0 errors",
            verdict(non2xx == 0 and sockets == 0) + (f" ({sample})" if sample else ""))


def summarise(args: argparse.Namespace, backend: str, scenario_groups: dict[str, list[Scenario]],
              measured: dict[str, Measured], checks: dict[str, str], shown: dict[str, str],
              database: str, load: str) -> dict[str, str]:
    view_target, post_target = TARGETS[backend]
    rows = [figures(sc, measured[sc.name])
            for group in scenario_groups.values() for sc in group]
    tail_ratio = statistics.median(r.p99_ms / r.p50_ms if r.p50_ms else math.nan
                                   for r in measured["commentsvc-view"].runs)
    rows += ratio_rows("first view: commentsvc / bare Flask", measured, "commentsvc-view",
                       "bare", view_target)
    rows += ratio_rows("first view: commentsvc / Isso", measured, "commentsvc-view",
                       "isso-view", None)
    rows.append(("first view: commentsvc p99 / p50", f"{tail_ratio:.3g}", f"< {P99_TARGET:g}",
                 verdict(tail_ratio < P99_TARGET)))
    rows += ratio_rows("counts of 20 articles: commentsvc / Isso", measured,
                       "commentsvc-counts", "isso-counts", COUNTS_TARGET)
    rows += ratio_rows("posting: commentsvc / Isso", measured, "commentsvc-post", "isso-post",
                       post_target)
    for sc in scenario_groups["posting"]:
        rows.append(posting_errors(sc, measured[sc.name]))
    rows.append(("commentsvc: article and reply counters after posting", checks["commentsvc"],
                 "consistent", verdict(checks["commentsvc"].startswith("consistent"))))
    rows.append(("Isso: comments stored after posting", checks["isso"], "consistent",
                 verdict(checks["isso"].startswith("consistent"))))

    info = machine()
    head = (f"machine: nproc {info['nproc']}, {info['cpu']}, Python {info['python']}, "
            f"{info['wrk']}, {info['date']}")
    setup = (f"commentsvc on {database}, Isso {isso_peer.ISSO_VERSION} on SQLite; gunicorn "
             f"{isso_peer.GUNICORN_VERSION} --workers {args.workers} --threads 1 (sync) for "
             f"all three; wrk -t1 -c{args.connections}; medians of {args.runs} runs of "
             f"{args.seconds} s per scenario, interleaved within each group; "
             f"{'no Origin header' if args.no_origin else 'Origin: the publisher page'}; "
             f"rate limits off; load average {load}")
    views = (f"first views: commentsvc {shown['commentsvc']}; Isso {shown['isso']}")
    flags = " ".join(sys.argv[1:])
    command = (f"`.venv/bin/python benchmarks/peers.py {flags}`" if flags else
               "`make bench-peers` (= `.venv/bin/python benchmarks/peers.py`)")
    width = max(len(r[0]) for r in rows)
    text = [head, setup, views, ""]
    text += [f"{label:<{width}}  {value}" + (f"  [{target}: {v}]" if target else "")
             for label, value, target, v in rows]
    md = [f"- {head}", f"- {setup}", f"- {views}", f"- command: {command}",
          "", "| measurement | median | target | result |", "|---|---|---|---|"]
    md += [f"| {label} | {value} | {target} | {v} |" for label, value, target, v in rows]
    return {"text": "\n".join(text), "markdown": "\n".join(md) + "\n"}
