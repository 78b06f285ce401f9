"""What the load benchmarks share: scenarios, interleaved measuring, the machine's description,
the counters check after posting, and the posted text (benchmarks/run.py, benchmarks/peers.py)."""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import loadgen
import servers
from sqlalchemy import func, select

from commentsvc import create_app
from commentsvc.extensions import db
from commentsvc.models import APPROVED, Article, Comment

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"

POST_BODY = (
    "Agree with the **main point** ({n}), but the `2019` figure needs a source:\n\n"
    "- the survey changed method\n- the sample halved\n\n"
    "More at https://example.org/survey?year=2019 <script>alert(1)</script> "
    "[click](javascript:alert(1))"
)


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    server: str
    path: str
    # Latency comparisons use one connection (service time, no queueing); throughput ones
    # keep every worker busy.
    connections: int
    expect: Callable[[Any], str | None] = lambda body: None
    script: str = "report.lua"
    script_args: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()  # "Name: value", sent with every request


@dataclass
class Run:
    """One run of a scenario: the sum of its interleaved slices."""

    slices: list[loadgen.Result] = field(default_factory=list)
    server_cpu_seconds: float = 0.0

    @property
    def cpu_ms(self) -> float:
        """Server CPU time (all gunicorn processes) per answered request."""
        return 1000 * self.server_cpu_seconds / max(1, sum(r.requests for r in self.slices))

    @property
    def rps(self) -> float:
        return sum(r.requests for r in self.slices) / sum(r.seconds for r in self.slices)

    @property
    def p50_ms(self) -> float:
        return statistics.median(r.p50_ms for r in self.slices)

    @property
    def p99_ms(self) -> float:
        return statistics.median(r.p99_ms for r in self.slices)

    @property
    def ok_2xx(self) -> int:
        return sum(r.ok_2xx for r in self.slices)

    @property
    def published(self) -> int:
        return sum(r.published for r in self.slices)

    @property
    def non_2xx(self) -> int:
        return sum(max(r.non_2xx, 0) for r in self.slices)

    @property
    def socket_errors(self) -> int:
        return sum(r.socket_errors for r in self.slices)

    @property
    def failures(self) -> int:
        return sum(r.failures for r in self.slices)

    @property
    def last_bad(self) -> str:
        return next((r.last_bad for r in self.slices if r.non_2xx > 0), "")


@dataclass
class Measured:
    runs: list[Run] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)

    @property
    def failures(self) -> int:
        return sum(r.failures for r in self.runs)


def load(wrk: str, sc: Scenario, server: servers.Server, seconds: int, run: Run) -> None:
    # The token makes every posted body unique across wrk runs.
    script_args = (*sc.script_args, uuid.uuid4().hex[:12]) if sc.script_args else ()
    cpu_before = server.cpu_seconds()
    run.slices.append(loadgen.run(wrk, server.base + sc.path, seconds=seconds,
                                  connections=sc.connections, script=sc.script,
                                  script_args=script_args, headers=sc.headers))
    run.server_cpu_seconds += server.cpu_seconds() - cpu_before
    # Outside the CPU window: the answers wrk no longer waits for are not counted either.
    server.wait_idle()


def measure(wrk: str, group: list[Scenario], running: dict[str, servers.Server],
            args: argparse.Namespace, title: str, slice_seconds: int = 1) -> dict[str, Measured]:
    """`runs` runs; in each, `seconds` of load per scenario in slices that alternate between
    the scenarios (in a rotating order), so a burst of load from elsewhere hits all of them."""
    measured = {sc.name: Measured() for sc in group}
    for run_no in range(args.runs):
        runs = {sc.name: Run() for sc in group}
        for slice_no in range(max(1, args.seconds // slice_seconds)):
            shift = (run_no + slice_no) % len(group)
            for sc in group[shift:] + group[:shift]:
                load(wrk, sc, running[sc.server], slice_seconds, runs[sc.name])
        for name, run in runs.items():
            measured[name].runs.append(run)
        print(f"  {title}, run {run_no + 1}/{args.runs}: " + ", ".join(
            f"{name} {run.rps:.0f}/s p50 {run.p50_ms:.1f} ms p99 {run.p99_ms:.1f} ms "
            f"cpu {run.cpu_ms:.1f} ms"
            + (f" ({run.non_2xx} non-2xx)" if run.ok_2xx >= 0 else "")
            for name, run in runs.items()), flush=True)
    return measured


def ratio_median(measured: dict[str, Measured], top: str, bottom: str, attr: str) -> float:
    """The median of per-run ratios: both sides of each ratio ran interleaved in one run."""
    pairs = zip(measured[top].runs, measured[bottom].runs, strict=True)
    # nan when a slice saw no answer at all (a slow server and a very short slice).
    return statistics.median(getattr(a, attr) / getattr(b, attr) if getattr(b, attr)
                             else math.nan for a, b in pairs)


def verdict(ok: bool) -> str:
    return "target met" if ok else "target missed"


def machine() -> dict[str, str]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    wrk_version = subprocess.run([loadgen.find_wrk(), "--version"], capture_output=True,
                                 text=True, check=False).stdout.splitlines()[:1]
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(len(os.sched_getaffinity(0))),  # what `nproc` prints
        "cpu": cpu,
        "python": platform.python_version(),
        "wrk": (wrk_version[0].split(" [")[0] if wrk_version else "wrk"),
    }


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def verify_counters(database_url: str, posted: int, article_key: str = "post-bench") -> str:
    """After the writers: the thread's counters must equal what its rows say, and no comment
    answered with 201 may be missing. Replies go to the thread's first comment."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "check",
                      "COMMENTSVC_ENV": "development"})
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.key == article_key))
        rows = db.session.scalar(select(func.count()).where(
            Comment.article_id == article.id, Comment.status == APPROVED))
        root = db.session.scalar(select(Comment).where(
            Comment.article_id == article.id, Comment.parent_id.is_(None))
            .order_by(Comment.id).limit(1))
        children = db.session.scalar(select(func.count()).where(
            Comment.parent_id == root.id, Comment.status == APPROVED))
        db.session.remove()
        db.engine.dispose()
    problems = []
    if article.comment_count != rows:
        problems.append(f"comment_count {article.comment_count} but {rows} approved rows")
    if root.reply_count != children:
        problems.append(f"reply_count {root.reply_count} but {children} replies")
    stored = rows - 1  # the seeded top-level comment that replies go to
    if stored < posted:
        problems.append(f"{posted} answers were 201 but only {stored} comments are stored")
    # wrk stops with requests in flight: the server stores them, wrk never counts the answer.
    return "; ".join(problems) or (
        f"consistent: comment_count = {rows:,} rows, reply_count = {children:,} replies; "
        f"{stored:,} stored, {posted:,} seen as 201 by wrk, {stored - posted} in flight "
        "when wrk stopped")


def publish(report: dict[str, str], name: str, started: float, tmp: Path, keep: bool) -> None:
    """Print the report, write its markdown table to benchmarks/results/, clean up."""
    print()
    print(report["text"])
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"{name}.md"
    out.write_text(report["markdown"])
    print(f"\nmarkdown table written to {out.relative_to(ROOT)}; "
          f"whole run {time.monotonic() - started:.0f}s")
    if keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
