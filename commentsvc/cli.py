"""The `commentsvc` command (also available as `flask --app commentsvc ...`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from commentsvc import MIGRATIONS_DIR, create_app
from commentsvc.config import ConfigError
from commentsvc.database_commands import register_database_commands
from commentsvc.errors import DomainError
from commentsvc.extensions import db
from commentsvc.key_commands import keys_group, register_key_commands
from commentsvc.keys import create_key
from commentsvc.models import ROLES
from commentsvc.portability.commands import COMMANDS as portability_commands
from commentsvc.privacy_commands import register_privacy_commands
from commentsvc.sites import create_site, get_site
from commentsvc.web.demo import seed_demo_command

# gunicorn's access log without %(h)s or X-Forwarded-For: the service keeps no raw client IPs.
ACCESS_LOG = '%(t)s "%(r)s" %(s)s %(b)s %(L)ss "%(f)s" "%(a)s"'
ACCESS_LOG_WITH_IPS = '%(h)s "%({x-forwarded-for}i)s" ' + ACCESS_LOG
# gunicorn also names the client in its "Invalid request from ip=...: why" warnings.
CLIENT_IP_IN_WARNING = re.compile(r" from ip=\S*?(?=: )")
# gunicorn's largest request line: room for a thread URL whose 512-character article key is
# all four-byte characters (512 * 12 bytes percent-encoded) plus the rest of the query.
REQUEST_LINE_BYTES = 8190
HEADER_FIELD_BYTES = 8190


def schema_problem() -> str | None:
    """Why the database cannot serve this version (one line), or None when it is at the head."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return f"cannot reach the database named by COMMENTSVC_DATABASE_URL: {reason}"
    if current == heads:
        return None
    if not current:
        return "the database has no tables yet; run `commentsvc db upgrade` first"
    return (f"the database schema is at revision {', '.join(sorted(current))}, not "
            f"{', '.join(sorted(heads))}; run `commentsvc db upgrade` first")


def require_schema() -> None:
    problem = schema_problem()
    if problem:
        raise ConfigError(problem)


def needs_schema(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run the command in an app context, after checking the database has been migrated."""
    @with_appcontext
    @functools.wraps(command)
    def checked(*args: Any, **kwargs: Any) -> Any:
        require_schema()
        return command(*args, **kwargs)
    return checked


@click.command("create-site")
@click.argument("key")
@click.option("--name", default="", help="Display name; defaults to the key.")
@click.option("--origin", "origins", multiple=True,
              help="An origin allowed to embed the widget, e.g. https://news.example (repeatable).")
@needs_schema
def create_site_command(key: str, name: str, origins: tuple[str, ...]) -> None:
    """Add a site (tenant) that articles and comments belong to."""
    try:
        site = create_site(db.session, key, name=name, origins=list(origins))
        db.session.commit()
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"created site {site.key!r} allowing {', '.join(site.allowed_origins) or 'no'}"
               " cross-origin embedding")


@click.command("create-key")
@click.option("--site", "site_key", help="The site the key is for.")
@click.option("--all-sites", is_flag=True, help="A key for every site instead of one.")
@click.option("--role", type=click.Choice(ROLES), default="moderator", show_default=True)
@click.option("--name", "--label", "name", default="",
              help="Whose key this is or what it is for (--label is the old spelling).")
@needs_schema
def create_key_command(site_key: str | None, all_sites: bool, role: str, name: str) -> None:
    """Make an admin API key; it is printed once, alone on the last line."""
    if bool(site_key) == all_sites:
        raise click.UsageError("give either --site KEY or --all-sites")
    config = current_app.extensions["commentsvc"]
    try:
        site = get_site(db.session, site_key) if site_key else None
        key, raw = create_key(db.session, config.secret_key, site, role, name, config.now())
        db.session.commit()
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    scope = f"site {site.key!r}" if site else "all sites"
    click.echo(f"created {role} key {key.id} for {scope}; it is shown only this once:")
    click.echo(raw)


@click.command("serve")
@click.option("--host", default="127.0.0.1", envvar="HOST", show_default=True)
@click.option("--port", default=8000, type=int, envvar="PORT", show_default=True)
@click.option("--workers", default=1, type=click.IntRange(1, 64), envvar="WEB_CONCURRENCY",
              show_default=True)
@click.option("--threads", default=4, type=click.IntRange(1, 64), show_default=True)
@click.option("--graceful-timeout", default=30, type=click.IntRange(1, 600), show_default=True,
              help="Seconds requests in flight get to finish on SIGTERM before workers stop.")
def serve_command(host: str, port: int, workers: int, threads: int,
                  graceful_timeout: int) -> None:
    """Serve the API and pages with gunicorn."""
    from gunicorn.app.base import BaseApplication

    # Fail here, in one line, rather than in every worker with a traceback.
    checked = create_app()
    with checked.app_context():
        require_schema()
        db.engine.dispose()  # workers open their own connections
    options = {
        "bind": f"{host}:{port}", "workers": workers, "threads": threads,
        "graceful_timeout": graceful_timeout,
        "accesslog": "-",
        "access_log_format": (ACCESS_LOG_WITH_IPS if checked.config["COMMENTSVC_ACCESS_LOG_IPS"]
                              else ACCESS_LOG),
        "limit_request_line": REQUEST_LINE_BYTES,
        "limit_request_field_size": HEADER_FIELD_BYTES,
    }
    if not checked.config["COMMENTSVC_ACCESS_LOG_IPS"]:
        options["logger_class"] = logger_without_ips()

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return create_app()

    click.echo(f"commentsvc on http://{host}:{port}/")
    Server().run()


def logger_without_ips() -> type:
    """gunicorn's logger, minus the client IP in its warnings about malformed requests."""
    from gunicorn.glogging import Logger

    class LoggerWithoutIPs(Logger):
        def warning(self, msg: object, *args: Any, **kwargs: Any) -> None:
            super().warning(CLIENT_IP_IN_WARNING.sub("", str(msg)), *args, **kwargs)

    return LoggerWithoutIPs


def register_commands(group: Any) -> None:
    for command in (create_site_command, create_key_command, serve_command, seed_demo_command,
                    *portability_commands):
        group.add_command(command)
    register_privacy_commands(group)
    register_database_commands(group)
    register_key_commands(group)


# seed-demo lives with the demo pages, `keys` in a module of its own; they too need a migrated
# database. Wrapped once, here: register_commands runs for every app.
seed_demo_command.callback = needs_schema(seed_demo_command.callback)
for _command in keys_group.commands.values():
    _command.callback = needs_schema(_command.callback)


class CommandLine(FlaskGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        # Flask prints a traceback when the app cannot load while listing commands (--help).
        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except ConfigError as exc:
            exc.show()
            ctx.exit(exc.exit_code)
        return super().list_commands(ctx)


cli = CommandLine(create_app=create_app, help="commentsvc: threaded comments for any site.")
register_commands(cli)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
