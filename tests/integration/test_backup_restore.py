"""`commentsvc backup` and `restore`: a consistent copy of a live SQLite database, taken while a
real server takes posts, and put back as a working database; the PostgreSQL tool lines."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from commentsvc import counters, create_app
from commentsvc.cli import schema_problem
from commentsvc.extensions import db
from commentsvc.models import Article, Comment
from tests.api.test_counter_properties import stored
from tests.conftest import TEST_DATABASE_URL
from tests.integration.test_serve import COMMENTSVC, request, server


class Poster(threading.Thread):
    """Posts comments and replies to two threads until told to stop; remembers when each
    comment's 201 arrived (it was committed before then)."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port, self.stop, self.errors = port, threading.Event(), []
        self.answered: list[tuple[float, int]] = []

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            body = {"site": "default", "article": f"load-{n % 2}", "body": f"Load comment {n}",
                    "author_name": "Ada"}
            same_thread = [i for t, i in self.answered[-6:] if i % 2 == n % 2]
            if n % 3 == 0 and same_thread:
                body["parent_id"] = same_thread[-1]
            status, answer = request(self.port, "POST", "/api/v1/comments", body)
            if status != 201:
                self.errors.append((status, answer[:200]))
                continue
            self.answered.append((time.monotonic(), json.loads(answer)["id"]))

    def ids_answered_before(self, moment: float) -> set[int]:
        return {i for t, i in self.answered if t < moment}


def commentsvc(tmp_path: Path, database: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"COMMENTSVC_DATABASE_URL": f"sqlite:///{database}", "PATH": ""}
    return subprocess.run([*COMMENTSVC, *args], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)


def wait_for(condition, what: str) -> None:
    # Waits on a real server in another process: there is no clock to inject.
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's backup: the SQLite pass runs it")
def test_a_backup_taken_while_the_server_takes_posts_restores_every_committed_comment(tmp_path):
    backup = tmp_path / "backup.db"
    with server(tmp_path) as (port, _):
        poster = Poster(port)
        poster.start()
        try:
            wait_for(lambda: len(poster.answered) >= 15, "the first posts")
            started = time.monotonic()
            committed = poster.ids_answered_before(started)
            made = commentsvc(tmp_path, tmp_path / "serve.db", "backup", str(backup))
            finished = time.monotonic()
            wait_for(lambda: poster.ids_answered_before(time.monotonic()) - committed,
                     "a post after the backup began")
        finally:
            poster.stop.set()
            poster.join(timeout=30)
    assert made.returncode == 0, made.stderr
    assert poster.errors == []
    during = {i for t, i in poster.answered if started <= t <= finished}

    restored = tmp_path / "restored.db"
    put_back = commentsvc(tmp_path, restored, "restore", str(backup), "--yes")
    assert put_back.returncode == 0, put_back.stderr
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{restored}"})
    with app.app_context():
        assert schema_problem() is None  # at the Alembic head
        ids = set(db.session.scalars(select(Comment.id)))
        assert committed <= ids
        for article_id in db.session.scalars(select(Article.id)):
            assert stored(db.session, article_id) == counters.recount(db.session, article_id)
        db.engine.dispose()
    print(f"{len(committed)} committed before the backup, {len(during)} answered during it, "
          f"{len(ids)} in the backup")


# --- the commands on their own, in-process -----------------------------------------------------

def migrated_app(path: Path) -> Flask:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return app


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Flask:
    return migrated_app(tmp_path / "live.db")


def comment_bodies(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT body_source FROM comment ORDER BY id")]


def test_a_backup_is_one_self_contained_file_and_restore_puts_it_back(sqlite_app, tmp_path):
    client, runner = sqlite_app.test_client(), sqlite_app.test_cli_runner()
    client.post("/api/v1/comments", json={"site": "default", "article": "a", "body": "Kept"})
    made = runner.invoke(args=["backup", str(tmp_path / "b.db")])
    assert made.exit_code == 0, made.output
    assert "1 comment, migration" in made.output
    assert not (tmp_path / "b.db-wal").exists()
    client.post("/api/v1/comments", json={"site": "default", "article": "a", "body": "Later"})

    put_back = runner.invoke(args=["restore", str(tmp_path / "b.db"), "--yes"])
    assert put_back.exit_code == 0, put_back.output
    assert comment_bodies(tmp_path / "live.db") == ["Kept"]
    kept = list(tmp_path.glob("live.db.before-restore-*"))
    assert len(kept) == 1 and comment_bodies(kept[0]) == ["Kept", "Later"]
    assert client.get("/api/v1/comments", query_string={"site": "default", "article": "a"}
                      ).get_json()["article"]["comment_count"] == 1


def test_backup_does_not_overwrite_a_file_without_force(sqlite_app, tmp_path):
    (tmp_path / "b.db").write_text("precious")
    result = sqlite_app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.db")])
    assert result.exit_code == 1
    assert "exists already; give --force" in result.output
    assert (tmp_path / "b.db").read_text() == "precious"
    forced = sqlite_app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.db"),
                                                       "--force"])
    assert forced.exit_code == 0, forced.output


def test_backup_into_a_missing_directory_says_so_in_one_line(sqlite_app, tmp_path):
    result = sqlite_app.test_cli_runner().invoke(args=["backup", str(tmp_path / "no" / "b.db")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: could not back up ")
    assert "Traceback" not in result.output


def test_restore_asks_first_and_changes_nothing_when_told_no(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    sqlite_app.test_client().post("/api/v1/comments",
                                  json={"site": "default", "article": "a", "body": "Old"})
    runner.invoke(args=["backup", str(tmp_path / "b.db")])
    sqlite_app.test_client().post("/api/v1/comments",
                                  json={"site": "default", "article": "a", "body": "New"})
    result = runner.invoke(args=["restore", str(tmp_path / "b.db")], input="n\n")
    assert result.exit_code == 1 and "Stop the service first" in result.output
    assert comment_bodies(tmp_path / "live.db") == ["Old", "New"]


def not_commentsvc(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")


def newer_revision(path: Path) -> None:
    migrated_app(path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")


BAD_BACKUPS = {
    "a text file": (lambda p: p.write_text("not a database"), "is not an SQLite database"),
    "another program's database": (not_commentsvc, "is not a commentsvc database"),
    "a newer version's database": (newer_revision, "does not know (made by a newer version?)"),
    "a missing file": (lambda p: None, "there is no file at"),
}


@pytest.mark.parametrize(("make", "says"), BAD_BACKUPS.values(), ids=BAD_BACKUPS)
def test_restore_refuses_a_file_that_is_not_a_commentsvc_backup(sqlite_app, tmp_path, make,
                                                                 says):
    make(tmp_path / "bad.db")
    sqlite_app.test_client().post("/api/v1/comments",
                                  json={"site": "default", "article": "a", "body": "Mine"})
    result = sqlite_app.test_cli_runner().invoke(args=["restore", str(tmp_path / "bad.db"),
                                                       "--yes"])
    assert result.exit_code == 1
    assert says in result.output
    assert comment_bodies(tmp_path / "live.db") == ["Mine"]


def test_on_postgresql_backup_and_restore_print_the_tool_lines_without_the_password(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI":
                      "postgresql+psycopg://app:s3cret@db.example:6543/comments"})
    runner = app.test_cli_runner()
    dumped = runner.invoke(args=["backup", str(tmp_path / "c.dump")])
    assert dumped.exit_code == 0, dumped.output
    assert dumped.output.strip().splitlines()[-1] == (
        f"pg_dump --format=custom -h db.example -p 6543 -U app -d comments -f {tmp_path}/c.dump")
    restored = runner.invoke(args=["restore", str(tmp_path / "c.dump")])
    assert restored.exit_code == 0, restored.output
    assert restored.output.strip().splitlines()[-1].startswith(
        "pg_restore --clean --if-exists --no-owner --exit-on-error --single-transaction "
        "-h db.example -p 6543 -U app -d comments ")
    assert "s3cret" not in dumped.output + restored.output
    assert not (tmp_path / "c.dump").exists()
