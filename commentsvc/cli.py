"""The `commentsvc` command (also available as `flask --app commentsvc ...`)."""

from __future__ import annotations

import functools
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

GUNICORN_CONFIG = "commentsvc.gunicorn_conf"


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
@click.option("--host", envvar="HOST", help="Address to listen on  [default: 127.0.0.1]")
@click.option("--port", type=int, envvar="PORT", help="[default: 8000]")
@click.option("--workers", type=click.IntRange(1, 64), envvar="WEB_CONCURRENCY",
              help="gunicorn worker processes  [default: 1]")
@click.option("--threads", type=click.IntRange(1, 64), help="[default: 4]")
@click.option("--graceful-timeout", type=click.IntRange(1, 600),
              help="Seconds requests in flight get to finish on SIGTERM before workers stop "
                   "[default: 30].")
def serve_command(host: str | None, port: int | None, workers: int | None,
                  threads: int | None, graceful_timeout: int | None) -> None:
    """Serve the API and pages with gunicorn (settings: commentsvc/gunicorn_conf.py)."""
    import importlib

    from gunicorn.app.base import BaseApplication

    from commentsvc.gunicorn_conf import shared_limits_problem

    # Fail here, in one line, rather than in every worker with a traceback.
    checked = create_app()
    with checked.app_context():
        require_schema()
        db.engine.dispose()  # workers open their own connections
    defaults = vars(importlib.import_module(GUNICORN_CONFIG))
    given = {"workers": workers, "threads": threads, "graceful_timeout": graceful_timeout}
    options = {name: value for name, value in given.items() if value is not None}
    if host is not None or port is not None:
        default_host, _, default_port = defaults["bind"].rpartition(":")
        options["bind"] = f"{host or default_host}:{port or default_port}"

    # gunicorn_conf's on_starting says the same, but only after gunicorn's first log lines.
    problem = shared_limits_problem(checked.config, options.get("workers", defaults["workers"]))
    if problem:
        raise ConfigError(problem)

    # Open streams must not hold the workers pages and posts need: an asyncio process has them.
    bind = options.get("bind", defaults["bind"])
    live_port = live_port_for(checked.config["COMMENTSVC_LIVE_PORT"], bind)
    streams = None
    if live_port and not checked.config["COMMENTSVC_LIVE_URL"]:
        import atexit
        import os

        streams = start_stream_process(bind.rpartition(":")[0].strip("[]"), live_port)
        if streams is not None:
            # gunicorn's workers are forked from here and run atexit too: only serve stops it.
            serve_pid = os.getpid()
            atexit.register(lambda: os.getpid() == serve_pid and streams.terminate())
    app_config = {"COMMENTSVC_LIVE_SERVED_PORT": live_port} if streams is not None else {}

    class Server(BaseApplication):
        def load_config(self) -> None:
            for name, value in {**defaults, **options}.items():
                if name in self.cfg.settings and value is not None:
                    self.cfg.set(name, value)

        def load(self) -> Flask:
            from commentsvc.worker import start_thread_if_wanted

            # Loaded in each gunicorn worker process: each gets its own outbox thread when
            # COMMENTSVC_WORKER asks for one (claims keep them from sending twice).
            app = create_app(app_config)
            start_thread_if_wanted(app)
            return app

    click.echo(f"commentsvc on http://{bind}/")
    if streams is not None:
        click.echo(f"live streams on port {live_port}")
    Server().run()


@click.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option("--poll", "poll_seconds", type=click.FloatRange(0.05, 3600),
              help="Seconds between looks for due messages  [default: "
                   "COMMENTSVC_WORKER_POLL_SECONDS]")
@needs_schema
def worker_command(once: bool, poll_seconds: float | None) -> None:
    """Send the outbox (e-mails, webhooks): retries with backoff; several may run at once."""
    import signal
    import threading

    from commentsvc import worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        report = worker.run_once(app)
        worker.prune(app)
        click.echo(f"sent {report.sent}, retrying {report.retrying}, given up {report.dead}")
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        # Stop between messages: a claimed message is finished or its claim runs out.
        signal.signal(signum, lambda *_: stop.set())
    poll = poll_seconds or app.config["COMMENTSVC_WORKER_POLL_SECONDS"]
    click.echo(f"commentsvc worker: sending the outbox every {poll:g}s (Ctrl-C stops)")
    worker.run(app, poll_seconds=poll, stop=stop)


@click.command("stream")
@click.option("--host", envvar="HOST", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@click.option("--exit-with", "parent", type=int, hidden=True,
              help="Stop when this process (commentsvc serve) is gone.")
@needs_schema
def stream_command(host: str, port: int, parent: int | None) -> None:
    """Serve live streams (GET /api/v1/stream): many open streams in one asyncio process."""
    from commentsvc import live_server

    db.engine.dispose()
    live_server.run(current_app._get_current_object(), host, port, parent)


def start_stream_process(host: str, port: int) -> Any:
    """`commentsvc stream` beside gunicorn; None (streams then answer at once) if it fails."""
    import os
    import socket
    import subprocess
    import sys
    import time

    command = [sys.executable, "-m", "commentsvc.cli", "stream", "--host", host,
               "--port", str(port), "--exit-with", str(os.getpid())]
    process = subprocess.Popen(command)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection((host if host not in ("0.0.0.0", "::") else
                                           "127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.1)
    if process.poll() is None:
        process.terminate()
    click.echo(f"commentsvc: live streams could not start on {host}:{port}; "
               "/api/v1/stream answers at once instead (browsers reconnect)", err=True)
    return None


def live_port_for(setting: str, bind: str) -> int | None:
    if setting == "off":
        return None
    return int(setting) if setting != "auto" else int(bind.rpartition(":")[2]) + 1


def register_commands(group: Any) -> None:
    for command in (create_site_command, create_key_command, serve_command, worker_command,
                    stream_command, seed_demo_command, *portability_commands):
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
