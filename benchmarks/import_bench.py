"""`make bench` (or `make bench-import`): import a generated 200,000-comment Disqus export.

Writes a Disqus XML export (2,000 threads of 100 posts; a third are replies, some listed before
their parents; HTML bodies, half with e-mails, a few deleted and spam), migrates a fresh SQLite
database and runs `commentsvc import disqus` in a child process. Reports comments per second
(wall time of the whole command, start-up included) and the child's peak memory (maxrss from
os.wait4), against the targets: >= 5,000 comments/s and < 200 MB. Then times the export.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

TARGET_RATE, TARGET_MB = 5_000, 200
CPU: list[float] = []
HEADER = ('<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
          'xmlns:dsq="http://disqus.com/disqus-internals">\n')


def write_export(path: Path, comments: int, per_thread: int = 100, seed: int = 7) -> None:
    rng = random.Random(seed)
    threads = comments // per_thread
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        out.write('<category dsq:id="1"><forum>bench</forum><title>General</title></category>\n')
        for t in range(threads):
            out.write(f'<thread dsq:id="t{t}"><id>article-{t}</id><forum>bench</forum>'
                      f'<link>https://bench.example/{t}/</link><title>Article {t} &amp; more'
                      f'</title><createdAt>2020-01-01T00:00:00Z</createdAt></thread>\n')
        post = 0
        for t in range(threads):
            ids = [f"p{post + n}" for n in range(per_thread)]
            order = list(range(per_thread))
            rng.shuffle(order)  # replies often come before their parents
            for n in order:
                parent = ids[rng.randrange(n)] if n and rng.random() < 0.33 else None
                out.write(_post(ids[n], t, n, parent, rng))
            post += per_thread
        out.write("</disqus>\n")


def _post(ref: str, thread: int, n: int, parent: str | None, rng: random.Random) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
    body = (f"<p>{escape(words)}</p><p>See <a href=\"https://example.org/{n}\">this</a>"
            f" &amp; that.<br>Line two.</p>")
    email = f"<email>reader{rng.randrange(20_000)}@example.org</email>" if n % 2 else ""
    deleted = "true" if rng.random() < 0.02 else "false"
    spam = "true" if rng.random() < 0.02 else "false"
    parent_xml = f'<parent dsq:id="{parent}"/>' if parent else ""
    return (f'<post dsq:id="{ref}"><id/><message><![CDATA[{body}]]></message>'
            f"<createdAt>2020-02-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z</createdAt>"
            f"<isDeleted>{deleted}</isDeleted><isSpam>{spam}</isSpam>"
            f"<author>{email}<name>Reader {n}</name><isAnonymous>false</isAnonymous></author>"
            f'<thread dsq:id="t{thread}"/>{parent_xml}</post>\n')


WORDS = ["river", "bridge", "council", "budget", "school", "road", "weather", "market",
         "train", "library", "park", "museum", "election", "housing", "water", "energy",
         "garden", "festival", "hospital", "harbour"]


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(seconds, peak MB, output) of one child process; its CPU seconds go in CPU[-1]."""
    started = time.monotonic()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - started
    CPU.append(usage.ru_utime + usage.ru_stime)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{output}")
    return seconds, usage.ru_maxrss / 1024, output  # Linux: maxrss in KiB


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=200_000)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="commentsvc-import-bench-"))
    export = tmp / "disqus.xml"
    t0 = time.monotonic()
    write_export(export, args.comments)
    print(f"import benchmark: wrote a {args.comments:,}-comment Disqus export "
          f"({export.stat().st_size / 1e6:.0f} MB) in {time.monotonic() - t0:.1f}s", flush=True)
    env = {**os.environ, "COMMENTSVC_DATABASE_URL": f"sqlite:///{tmp / 'import.db'}"}
    cli = [sys.executable, "-m", "commentsvc.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    seconds, peak_mb, output = run_measured([*cli, "import", "disqus", str(export),
                                             "--site", "default"], env)
    summary = next(line for line in output.splitlines() if line.startswith("imported"))
    imported = int(summary.split()[1].replace(",", ""))
    rate = imported / seconds
    print(f"  {summary}")
    print(f"  {imported:,} comments in {seconds:.1f}s: {rate:,.0f} comments/s "
          f"(target >= {TARGET_RATE:,}: {'met' if rate >= TARGET_RATE else 'MISSED'})")
    print(f"  CPU time of the import process {CPU[-1]:.1f}s ({imported / CPU[-1]:,.0f} comments"
          " per CPU second: the rate on an idle core)")
    print(f"  peak memory of the import process: {peak_mb:.0f} MB "
          f"(target < {TARGET_MB}: {'met' if peak_mb < TARGET_MB else 'MISSED'})")
    again, _, output = run_measured([*cli, "import", "disqus", str(export), "--site",
                                     "default"], env)
    present = next(line for line in output.splitlines() if "already present" in line)
    print(f"  second run of the same file: {again:.1f}s,{present.strip().split(':', 1)[1]}"
          " already present")
    export_seconds, export_mb, _ = run_measured([*cli, "export", "--site", "default"], env)
    print(f"  export of the site: {export_seconds:.1f}s, peak {export_mb:.0f} MB", flush=True)
    if args.keep:
        print(f"  kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0  # figures, not assertions (like run.py): the lines above say met or MISSED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
