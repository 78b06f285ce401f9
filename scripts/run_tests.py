"""`make test`: the suite on SQLite, then again on PostgreSQL + Redis when they answer.

COMMENTSVC_TEST_DATABASE_URL / COMMENTSVC_TEST_REDIS_URL pick the servers (local defaults
otherwise). COMMENTSVC_REQUIRE_SERVICES=1 (set by CI) turns a missing server into a failure.
Extra arguments are passed to pytest.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from urllib.parse import urlsplit

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/commentsvc_test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


def reachable(url: str) -> bool:
    parts = urlsplit(url.replace("+psycopg", ""))
    default_port = 5432 if parts.scheme.startswith("postgres") else 6379
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1",
                                       parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def run_suite(label: str, env: dict[str, str], args: list[str]) -> int:
    print(f"\n=== commentsvc tests on {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def main() -> int:
    args = sys.argv[1:]
    base = {k: v for k, v in os.environ.items()
            if k not in {"COMMENTSVC_TEST_DATABASE_URL", "COMMENTSVC_TEST_REDIS_URL"}}
    results = {"SQLite + in-memory rate limits": run_suite("SQLite", base, args)}

    pg = os.environ.get("COMMENTSVC_TEST_DATABASE_URL", DEFAULT_PG)
    redis = os.environ.get("COMMENTSVC_TEST_REDIS_URL", DEFAULT_REDIS)
    if reachable(pg) and reachable(redis):
        env = {**base, "COMMENTSVC_TEST_DATABASE_URL": pg, "COMMENTSVC_TEST_REDIS_URL": redis}
        results["PostgreSQL + Redis"] = run_suite("PostgreSQL + Redis", env, args)
    else:
        print(f"\nPostgreSQL ({pg}) or Redis ({redis}) did not answer.", flush=True)
        results["PostgreSQL + Redis"] = None

    print("\n=== summary ===")
    failed = False
    for label, code in results.items():
        if code is None:
            required = os.environ.get("COMMENTSVC_REQUIRE_SERVICES") == "1"
            print(f"{label}: NOT RUN{' (required: failing)' if required else ''}")
            failed |= required
        else:
            print(f"{label}: {'passed' if code == 0 else f'FAILED (pytest exit {code})'}")
            failed |= code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
