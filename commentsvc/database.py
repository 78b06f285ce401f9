"""The database as an operator handles it: creating it, backing it up, restoring it.

Plain functions on URLs and files, no Flask: the command line (database_commands.py) calls them.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from commentsvc.config import ConfigError

# What a commentsvc database has, whatever its revision.
REQUIRED_TABLES = {"alembic_version", "site", "article", "comment"}
SQLITE_HEADER = b"SQLite format 3\x00"
# Where a PostgreSQL role that may not connect to its own (missing) database can look around.
MAINTENANCE_DATABASES = ("postgres", "template1")


class BackupError(Exception):
    """A backup or restore that cannot be done; the text says why."""


# --- creating the database ------------------------------------------------------------------

def ensure_database(url: str) -> str | None:
    """Create the PostgreSQL database the URL names if it is missing and the role may.

    Returns what was done (None when nothing was needed); raises ConfigError with one line
    saying how to create it, or why the server cannot be reached. SQLite creates its own file.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return None
    try:
        _connect(parsed)
        return None
    except SQLAlchemyError as exc:
        first_failure = _reason(exc)
    for maintenance in MAINTENANCE_DATABASES:
        try:
            return _create_if_missing(parsed, maintenance, first_failure)
        except _Unreachable:
            continue
    raise ConfigError(f"cannot reach the database named by COMMENTSVC_DATABASE_URL: "
                      f"{first_failure}")


class _Unreachable(Exception):
    pass


def _create_if_missing(url: URL, maintenance: str, first_failure: str) -> str | None:
    engine = create_engine(url.set(database=maintenance), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                       {"name": url.database})
            if exists:  # there, but we could not connect to it: say why, in one line
                raise ConfigError(f"cannot connect to the database {url.database!r} named by "
                                  f"COMMENTSVC_DATABASE_URL: {first_failure}")
            try:
                connection.execute(text(f"CREATE DATABASE {_quoted(url.database or '')}"))
            except SQLAlchemyError as exc:
                raise ConfigError(_how_to_create(url, _reason(exc))) from None
    except SQLAlchemyError:
        raise _Unreachable from None
    finally:
        engine.dispose()
    return f"created the database {url.database!r} on {url.host or 'localhost'}"


def _connect(url: URL) -> None:
    engine = create_engine(url)
    try:
        with engine.connect():
            pass
    finally:
        engine.dispose()


def _how_to_create(url: URL, reason: str) -> str:
    name, owner = url.database or "", url.username or "postgres"
    command = shlex.join(["createdb", *_server_options(url, user=False), "-U", "postgres",
                          "-O", owner, name])
    return (f"the database {name!r} does not exist and role {owner!r} may not create it "
            f"({reason}); create it as a role that may, e.g. `{command}` or in SQL "
            f"`CREATE DATABASE {_quoted(name)} OWNER {_quoted(owner)};`, then run "
            "`commentsvc db upgrade` again")


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _reason(exc: SQLAlchemyError) -> str:
    text_ = str(getattr(exc, "orig", None) or exc).strip()
    lines = [line.strip() for line in text_.splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _server_options(url: URL, *, user: bool = True) -> list[str]:
    options = ["-h", url.host or "localhost", "-p", str(url.port or 5432)]
    if user and url.username:
        options += ["-U", url.username]
    return options


# --- PostgreSQL: the tools to use -----------------------------------------------------------

def pg_dump_command(url: str, file: str) -> str:
    """The pg_dump line for the URL's database; the password is left to PGPASSWORD/.pgpass."""
    parsed = make_url(url)
    return shlex.join(["pg_dump", "--format=custom", *_server_options(parsed),
                       "-d", parsed.database or "", "-f", file])


def pg_restore_command(url: str, file: str) -> str:
    parsed = make_url(url)
    return shlex.join(["pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error",
                       "--single-transaction", *_server_options(parsed),
                       "-d", parsed.database or "", file])


# --- SQLite: backup and restore -------------------------------------------------------------

def backup_sqlite(source: Path, target: Path) -> None:
    """Copy a live SQLite database into one self-contained file, consistent while it is written.

    sqlite3's online backup in one step copies every page inside one read transaction: with WAL,
    writers go on meanwhile and the copy is the database as it was when the step began.
    """
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(partial)) as copy:
            live.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # no -wal file beside the backup
            if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError("the copy does not pass SQLite's quick_check")
        _fsync(partial)
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        raise BackupError(f"could not back up {source} to {target}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)


@dataclass(frozen=True)
class BackupFile:
    revision: str
    comments: int


def inspect_backup(path: Path, known_revisions: set[str]) -> BackupFile:
    """Check that the file is a sound commentsvc database at a migration this version knows."""
    if not path.is_file():
        raise BackupError(f"there is no file at {path}")
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} is not an SQLite database")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as backup:
            if backup.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is damaged: it does not pass SQLite's quick_check")
            tables = {row[0] for row in backup.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if missing := REQUIRED_TABLES - tables:
                raise BackupError(f"{path} is not a commentsvc database (it has no "
                                  f"{', '.join(sorted(missing))} table)")
            revisions = [row[0] for row in backup.execute("SELECT version_num FROM "
                                                          "alembic_version")]
            comments = backup.execute("SELECT count(*) FROM comment").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read as a database: {exc}") from None
    if len(revisions) != 1 or revisions[0] not in known_revisions:
        raise BackupError(f"{path} is at migration {', '.join(revisions) or 'none'}, which this "
                          "version of commentsvc does not know (made by a newer version?)")
    return BackupFile(revision=revisions[0], comments=comments)


def restore_sqlite(backup: Path, target: Path, keep_previous_as: Path) -> bool:
    """Replace the database at target with the backup's content, in one transaction.

    The online backup API writes into the live file under SQLite's own locking: anyone reading
    sees the old database or the new one, never a mix, and a crash half-way keeps the old one
    (which a stale -wal file beside a renamed file could not promise). The database replaced is
    first copied to keep_previous_as; returns whether there was one.
    """
    had_previous = target.is_file() and target.stat().st_size > 0
    if had_previous:
        backup_sqlite(target, keep_previous_as)
    try:
        with (closing(sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)) as
              source, closing(sqlite3.connect(target, timeout=30)) as live):
            source.backup(live)
    except sqlite3.Error as exc:
        raise BackupError(f"could not write {target}: {exc}") from None
    return had_previous


def _fsync(path: Path) -> None:
    with path.open("rb") as file:
        os.fsync(file.fileno())
