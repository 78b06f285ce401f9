"""Every shell command in README.md runs as written, in order, as a new user would run them.

README.md is read when the test runs, so later edits are held to it too. Its ```sh blocks are
joined into one bash script (so a variable must be made by an earlier command before it is
used: `set -u`), run against a throw-away server: a fresh SQLite file, `commentsvc serve` on a
free port, and the README's http://127.0.0.1:8000 rewritten to that port. curl fails on an
HTTP error (--fail-with-body), so an example answering 4xx fails the test. A few commands
cannot run here; NOT_RUN says which and why, and everything else runs.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, TEST_DATABASE_URL
from tests.integration.test_serve import free_port, wait_until_up

README = ROOT / "README.md"
BASE_URL = "http://127.0.0.1:8000"
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.DOTALL | re.MULTILINE)

# A line starting with one of these (after spaces) is not run, for the reason given.
NOT_RUN = {
    "make run": "serves in the foreground until stopped; its steps (db upgrade, seed-demo, "
                "serve) run here one by one",
    "make test": "is the suite this test is part of",
    "COMMENTSVC_FUZZ_EXAMPLES=500": "the long fuzz run takes minutes; the suite runs the same "
                                    "file with fewer examples per operation",
    ".venv/bin/commentsvc serve": "a server is already running: this test's own "
                                  "`commentsvc serve` on a free port",
}
# A block with one of these is not run at all: its other lines only prepare for them.
BLOCK_NOT_RUN = {
    "docker compose": "no container engine runs here (tests/integration/test_compose.py checks "
                      "docker-compose.yml and the Dockerfile instead)",
}
PRELUDE = """set -euo pipefail
curl() { command curl --fail-with-body --show-error "$@"; echo; }
"""

pytestmark = pytest.mark.skipif(
    bool(TEST_DATABASE_URL),
    reason="the README's commands use the embedded SQLite database: the SQLite pass runs them")


def shell_blocks(text: str) -> list[str]:
    return BLOCK.findall(text)


def runnable(block: str) -> str | None:
    """The block with the lines NOT_RUN replaced by a note, or None when it is not run."""
    if any(marker in block for marker in BLOCK_NOT_RUN):
        return None
    lines = []
    for line in block.splitlines():
        reason = next((why for start, why in NOT_RUN.items()
                       if line.lstrip().startswith(start)), None)
        lines.append(f"echo {shlex.quote(f'not run: {line.strip()} ({reason})')}" if reason
                     else line)
    return "\n".join(lines)


def script(readme: str, base_url: str) -> str:
    parts = [PRELUDE]
    for number, block in enumerate(shell_blocks(readme), 1):
        body = runnable(block)
        if body is not None:
            parts.append(f"echo '--- README shell block {number}'\n"
                         f"{body.replace(BASE_URL, base_url)}\n")
    return "\n".join(parts)


def test_the_readme_has_shell_blocks_and_every_one_runs_or_says_why_not():
    blocks = shell_blocks(README.read_text())
    assert len(blocks) >= 5
    ran = [runnable(b) for b in blocks]
    assert sum(body is not None for body in ran) >= 4


def test_lines_that_cannot_run_here_are_replaced_by_their_reason():
    body = runnable("make run    # serves\ncurl -s http://127.0.0.1:8000/healthz\n")
    assert body.splitlines()[0].startswith("echo 'not run: make run    # serves (serves in the")
    assert body.splitlines()[1] == "curl -s http://127.0.0.1:8000/healthz"
    assert runnable("export X=1\ndocker compose up -d\n") is None


def test_every_readme_shell_command_runs_as_written_against_a_fresh_server(tmp_path):
    venv = Path(sys.executable).parent.parent
    assert (venv / "bin" / "commentsvc").exists(), "run the suite from the project's .venv"
    (tmp_path / ".venv").symlink_to(venv)
    # The README's commands run from a checkout: its examples import the fixture files.
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("COMMENTSVC_")}
    env.update(COMMENTSVC_DATABASE_URL=f"sqlite:///{tmp_path / 'readme.db'}",
               PYTHONUNBUFFERED="1")
    commentsvc = str(venv / "bin" / "commentsvc")
    subprocess.run([commentsvc, "db", "upgrade"], env=env, cwd=tmp_path, check=True,
                   capture_output=True, timeout=120)
    port = free_port()
    text = script(README.read_text(), f"http://127.0.0.1:{port}")
    assert ":8000" not in text.replace(f":{port}", ""), "a URL the test did not rewrite"
    (tmp_path / "readme.sh").write_text(text)
    with (tmp_path / "server.log").open("w") as log:
        server = subprocess.Popen([commentsvc, "serve", "--port", str(port), "--threads", "2"],
                                  env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_up(server, port)
            result = subprocess.run([shutil.which("bash") or "bash", "readme.sh"], env=env,
                                    cwd=tmp_path, capture_output=True, text=True, timeout=120)
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert result.returncode == 0, (
        f"a README command failed (exit {result.returncode}):\n{result.stdout[-3000:]}\n"
        f"{result.stderr[-3000:]}")
