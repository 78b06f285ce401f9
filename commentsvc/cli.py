"""The `commentsvc` command (also available as `flask --app commentsvc ...`)."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from commentsvc import create_app
from commentsvc.errors import DomainError
from commentsvc.extensions import db
from commentsvc.sites import create_site
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
    for command in (create_site_command, serve_command, seed_demo_command):
        group.add_command(command)


cli = FlaskGroup(create_app=create_app, help="commentsvc: threaded comments for any site.")
register_commands(cli)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
