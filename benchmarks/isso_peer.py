"""Isso 0.14.0 as a benchmark peer: its own virtualenv (benchmarks/.isso-venv, made once and
reused; never a dependency of commentsvc), its configuration file and its environment."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

ISSO_VERSION = "0.14.0"
VENV = Path(__file__).resolve().parent / ".isso-venv"
PYTHON = VENV / "bin" / "python"
# The same gunicorn as commentsvc's: the servers differ only in the app they serve.
GUNICORN_VERSION = version("gunicorn")
APP = "isso.run:application"


class InstallFailed(RuntimeError):
    pass


def installed_versions() -> tuple[str, str] | None:
    """(isso, gunicorn) as installed in the virtualenv, or None when it is not usable."""
    if not PYTHON.exists():
        return None
    done = subprocess.run(
        [str(PYTHON), "-c", "from importlib.metadata import version as v; "
         "print(v('isso'), v('gunicorn'))"],
        capture_output=True, text=True, check=False)
    parts = done.stdout.split()
    return (parts[0], parts[1]) if done.returncode == 0 and len(parts) == 2 else None


def ensure_installed() -> str:
    """The virtualenv's python, installing Isso and gunicorn from PyPI the first time."""
    if installed_versions() == (ISSO_VERSION, GUNICORN_VERSION):
        return str(PYTHON)
    print(f"installing Isso {ISSO_VERSION} and gunicorn {GUNICORN_VERSION} into "
          f"{VENV.relative_to(VENV.parent.parent)} (once) ...", flush=True)
    packages = [f"isso=={ISSO_VERSION}", f"gunicorn=={GUNICORN_VERSION}"]
    steps = {
        "python -m venv": [sys.executable, "-m", "venv", "--clear", str(VENV)],
        f"pip install {' '.join(packages)}": [
            str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            *packages],
    }
    for name, command in steps.items():
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=900,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise InstallFailed(f"{name} took longer than 15 minutes") from None
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
            raise InstallFailed(f"{name} exited with {done.returncode}: {lines[-1]}")
    return str(PYTHON)


def write_config(directory: Path, origin: str) -> Path:
    """Isso's defaults, but for what a load test needs: its SQLite file in `directory`, the
    rate limit and spam guard off, no moderation, notifications to stdout (no SMTP), and the
    publisher's site at `origin` (Isso checks at start-up that it answers)."""
    path = directory / "isso.cfg"
    path.write_text(
        "[general]\n"
        f"dbpath = {directory / 'isso.db'}\n"
        f"host = {origin}\n"
        "notify = stdout\n"
        "reply-notifications = false\n"
        "\n[moderation]\nenabled = false\n"
        "\n[guard]\nenabled = false\n"
    )
    return path


def env(config: Path) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("COMMENTSVC_")},
            "ISSO_SETTINGS": str(config)}
