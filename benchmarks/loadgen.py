"""Runs Debian's wrk against 127.0.0.1 and reads back the JSON line its Lua `done` prints."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA_DIR = Path(__file__).resolve().parent / "lua"
INSTALL_HINT = ("wrk (the HTTP load generator) is not installed; "
                "install it with: apt-get install -y wrk")


class WrkMissing(RuntimeError):
    pass


def find_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise WrkMissing(INSTALL_HINT)
    return path


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    socket_errors: int
    status_errors: int  # HTTP status >= 400, as wrk counts them
    ok_2xx: int  # -1 when the script does not count answers (GET runs)
    published: int  # 201 answers, among ok_2xx
    non_2xx: int
    last_bad: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failures(self) -> int:
        return self.socket_errors + self.status_errors + max(self.non_2xx, 0)


def run(wrk: str, url: str, *, seconds: float, connections: int, script: str = "report.lua",
        script_args: tuple[str, ...] = (), headers: tuple[str, ...] = ()) -> Result:
    command = [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
               "-s", str(LUA_DIR / script)]
    for header in headers:  # "Name: value"
        command += ["-H", header]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    # Bounded: wrk stops itself after `seconds`; the margin covers start-up and slow answers.
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60,
                          check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("WRKJSON "))
    return Result(
        requests=data["requests"], seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000, p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        socket_errors=data["connect_errors"] + data["read_errors"] + data["write_errors"]
        + data["timeouts"],
        status_errors=data["status_errors"], ok_2xx=data["ok_2xx"],
        published=data["published"], non_2xx=data["non_2xx"],
        last_bad=f"{data['last_bad_status']} {data['last_bad_body']}".strip(),
    )
