"""`commentsvc backup` and `restore`, and a `db upgrade` that first creates a missing database."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from commentsvc import MIGRATIONS_DIR
from commentsvc.database import (
    BackupError,
    backup_sqlite,
    ensure_database,
    inspect_backup,
    pg_dump_command,
    pg_restore_command,
    restore_sqlite,
)
from commentsvc.extensions import db


def _database_url() -> str:
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


def _sqlite_path() -> Path | None:
    """The SQLite file in use (relative paths already resolved into instance/), else None."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise click.ClickException("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _revisions() -> tuple[set[str], set[str]]:
    """Every revision this version knows, and the heads."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    return {rev.revision for rev in scripts.walk_revisions()}, set(scripts.get_heads())


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@with_appcontext
def backup_command(file: Path, force: bool) -> None:
    """Copy the SQLite database to FILE while the service runs (PostgreSQL: print the pg_dump
    line to use)."""
    source = _sqlite_path()
    if source is None:
        click.echo("PostgreSQL is backed up with its own tools; nothing was written. Run this "
                   "(the password comes from PGPASSWORD or ~/.pgpass):")
        click.echo(pg_dump_command(_database_url(), str(file)))
        return
    if file.exists() and not force:
        raise click.ClickException(f"{file} exists already; give --force to replace it")
    try:
        backup_sqlite(source, file)
        done = inspect_backup(file, _revisions()[0])
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backed up {source} to {file}: {_comments(done.comments)}, "
               f"migration {done.revision}")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(file: Path, yes: bool) -> None:
    """Replace the SQLite database with a backup made by `commentsvc backup` (PostgreSQL:
    print the pg_restore line to use). Stop the service first."""
    target = _sqlite_path()
    if target is None:
        click.echo("PostgreSQL is restored with its own tools; nothing was changed. Stop the "
                   "service, then run:")
        click.echo(pg_restore_command(_database_url(), str(file)))
        return
    known, heads = _revisions()
    try:
        found = inspect_backup(file, known)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if not yes:
        click.confirm(f"This replaces everything in {target} with {file} "
                      f"({_comments(found.comments)}). Stop the service first. Go on?",
                      abort=True)
    db.engine.dispose()  # no pooled connection of ours may hold the file
    kept = target.with_name(f"{target.name}.before-restore-"
                            f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
    try:
        had_previous = restore_sqlite(file, target, kept)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {_comments(found.comments)} from {file} into {target}"
               + (f"; the database it replaced is kept as {kept}" if had_previous else ""))
    if found.revision not in heads:
        click.echo(f"the backup is at migration {found.revision}: run `commentsvc db upgrade` "
                   "before serving")
    click.echo("restart the service: its processes cache pages of the database they knew")


def _comments(n: int) -> str:
    return f"{n} comment{'' if n == 1 else 's'}"


def _upgrade_creating_the_database(upgrade: click.Command) -> click.Command:
    """Flask-Migrate's `db upgrade`, after creating a missing PostgreSQL database."""
    original = upgrade.callback

    @with_appcontext
    def callback(*args: Any, **kwargs: Any) -> Any:
        done = ensure_database(_database_url())
        if done:
            click.echo(done)
        return original(*args, **kwargs)

    guarded = copy.copy(upgrade)
    guarded.callback = callback
    return guarded


def register_database_commands(group: Any) -> None:
    for command in (backup_command, restore_command):
        group.add_command(command)
    # A copy of Flask-Migrate's `db` group (the library's own stays as it is).
    migrate_group = group.commands.get("db") if hasattr(group, "commands") else None
    if isinstance(migrate_group, click.Group):
        guarded = copy.copy(migrate_group)
        guarded.commands = {**migrate_group.commands,
                            "upgrade": _upgrade_creating_the_database(
                                migrate_group.commands["upgrade"])}
        group.add_command(guarded, "db")
