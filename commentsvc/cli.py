"""The `commentsvc` command (also available as `flask --app commentsvc ...`)."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from commentsvc import create_app
from commentsvc.errors import DomainError
from commentsvc.extensions import db
from commentsvc.keys import create_key
from commentsvc.models import ROLES
from commentsvc.portability.commands import COMMANDS as portability_commands
from commentsvc.sites import create_site, get_site
from commentsvc.web.demo import seed_demo_command


@click.command("create-site")
@click.argument("key")
@click.option("--name", default="", help="Display name; defaults to the key.")
@click.option("--origin", "origins", multiple=True,
              help="An origin allowed to embed the widget, e.g. https://news.example (repeatable).")
@with_appcontext
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
@click.option("--label", default="", help="A note on whose key this is.")
@with_appcontext
def create_key_command(site_key: str | None, all_sites: bool, role: str, label: str) -> None:
    """Make an admin API key; it is printed once, alone on the last line."""
    if bool(site_key) == all_sites:
        raise click.UsageError("give either --site KEY or --all-sites")
    config = current_app.extensions["commentsvc"]
    try:
        site = get_site(db.session, site_key) if site_key else None
        key, raw = create_key(db.session, config.secret_key, site, role, label, config.now())
        db.session.commit()
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    scope = f"site {site.key!r}" if site else "all sites"
    click.echo(f"created {role} key {key.id} for {scope}; it is shown only this once:")
    click.echo(raw)


@click.command("serve")
@click.option("--host", default="127.0.0.1", envvar="HOST", show_default=True)
@click.option("--port", default=8000, type=int, envvar="PORT", show_default=True)
@click.option("--workers", default=1, type=int, envvar="WEB_CONCURRENCY", show_default=True)
@click.option("--threads", default=4, type=int, show_default=True)
def serve_command(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the API and pages with gunicorn."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            options = {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                       "accesslog": "-"}
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return create_app()

    click.echo(f"commentsvc on http://{host}:{port}/")
    Server().run()


def register_commands(group: Any) -> None:
    for command in (create_site_command, create_key_command, serve_command, seed_demo_command,
                    *portability_commands):
        group.add_command(command)


cli = FlaskGroup(create_app=create_app, help="commentsvc: threaded comments for any site.")
register_commands(cli)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
