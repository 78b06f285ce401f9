"""`commentsvc db upgrade` on a PostgreSQL database that does not exist yet: it creates it when
the role may, and otherwise says in one line how to create it (exit 2), never a traceback."""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from tests.conftest import TEST_DATABASE_URL

COMMENTSVC = [sys.executable, "-m", "commentsvc.cli"]
postgres = pytest.mark.skipif(not (TEST_DATABASE_URL or "").startswith("postgresql"),
                              reason="needs the PostgreSQL server of the services pass")


def upgrade(url: URL | str) -> subprocess.CompletedProcess:
    env = {"COMMENTSVC_DATABASE_URL": str(url) if isinstance(url, str)
           else url.render_as_string(hide_password=False), "PATH": ""}
    return subprocess.run([*COMMENTSVC, "db", "upgrade"], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def server() -> Iterator[URL]:
    """The PostgreSQL server of the services pass; tests make databases and roles on it."""
    yield make_url(TEST_DATABASE_URL)


def admin_execute(server: URL, *statements: str) -> None:
    engine = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def database_exists(server: URL, name: str) -> bool:
    engine = create_engine(server.set(database="postgres"))
    try:
        with engine.connect() as connection:
            return bool(connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                          {"n": name}))
    finally:
        engine.dispose()


@postgres
def test_db_upgrade_creates_a_missing_database_and_migrates_it(server):
    name = f"commentsvc_fresh_{secrets.token_hex(4)}"
    try:
        result = upgrade(server.set(database=name))
        assert result.returncode == 0, result.stderr
        assert f"created the database '{name}'" in result.stdout
        engine = create_engine(server.set(database=name))
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM site")) == 1
        engine.dispose()
        again = upgrade(server.set(database=name))
        assert again.returncode == 0 and "created" not in again.stdout
    finally:
        admin_execute(server, f'DROP DATABASE IF EXISTS "{name}"')


@postgres
def test_db_upgrade_says_in_one_line_how_to_create_a_database_the_role_may_not(server):
    role, name = f"commentsvc_nocreate_{secrets.token_hex(4)}", f"commentsvc_{secrets.token_hex(4)}"
    admin_execute(server, f'CREATE ROLE "{role}" LOGIN NOCREATEDB')
    try:
        result = upgrade(server.set(username=role, password=None, database=name))
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert f"createdb -h {server.host} -p {server.port or 5432} -U postgres -O {role} {name}" \
            in lines[0]
        assert f'CREATE DATABASE "{name}" OWNER "{role}";' in lines[0]
        assert not database_exists(server, name)
    finally:
        admin_execute(server, f'DROP DATABASE IF EXISTS "{name}"', f'DROP ROLE IF EXISTS "{role}"')


def test_db_upgrade_on_an_unreachable_server_says_so_in_one_line():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = upgrade(f"postgresql+psycopg://commentsvc@127.0.0.1:{port}/commentsvc")
    assert result.returncode == 2
    assert result.stderr.startswith("commentsvc: cannot reach the database named by "
                                    "COMMENTSVC_DATABASE_URL: ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
