"""`commentsvc reader-export`, `reader-erase` and `purge`: data rights and retention."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from commentsvc import privacy, retention
from commentsvc.errors import DomainError
from commentsvc.extensions import db
from commentsvc.moderation import Moderator
from commentsvc.sites import get_site

# Whoever runs the command on the server can do anything an all-sites admin key can.
CLI_ADMIN = Moderator(actor="cli", role="admin", site_id=None)


def _selector_options(command: Callable) -> Callable:
    for option in reversed((
        click.option("--site", "site_key", required=True, help="The site the reader wrote on."),
        click.option("--comment-id", type=int, help="One of the reader's comments."),
        click.option("--sub", help="The reader's subject in the publisher's login (JWT sub)."),
        click.option("--email", help="The e-mail address the reader gave."),
    )):
        command = option(command)
    return command


def _selector(comment_id: int | None, sub: str | None, email: str | None) -> privacy.Selector:
    selector = privacy.Selector(comment_id=comment_id, sub=sub, email=email)
    try:
        _ = selector.kind
    except DomainError:
        raise click.UsageError("give exactly one of --comment-id, --sub, --email") from None
    return selector


def _domain(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc


@click.command("reader-export")
@_selector_options
@with_appcontext
def reader_export_command(site_key: str, comment_id: int | None, sub: str | None,
                          email: str | None) -> None:
    """Print everything stored about one reader as JSON (to answer a data request)."""
    selector = _selector(comment_id, sub, email)
    config = current_app.extensions["commentsvc"]
    document = _domain(lambda: privacy.export_reader(db.session, config, CLI_ADMIN, site_key,
                                                     selector))
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


@click.command("reader-erase")
@_selector_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def reader_erase_command(site_key: str, comment_id: int | None, sub: str | None,
                         email: str | None, yes: bool) -> None:
    """Erase one reader's comments, votes and reports; others' replies stay under "[deleted]"."""
    selector = _selector(comment_id, sub, email)
    config = current_app.extensions["commentsvc"]
    chosen = _domain(lambda: privacy.select_reader(db.session, config,
                                                   get_site(db.session, site_key), selector))
    if not yes:
        click.confirm(f"This removes {len(chosen.comments)} comments, {len(chosen.votes)} votes "
                      f"and {len(chosen.reports)} reports on site {site_key!r} for good. "
                      "Go on?", abort=True)
    done = _domain(lambda: privacy.erase_reader(db.session, config, CLI_ADMIN, site_key,
                                                selector))
    click.echo(f"erased {done.comments} comments ({done.placeholders} kept as '[deleted]' "
               f"above replies), {done.votes} votes and {done.reports} reports "
               f"in {done.threads} threads")


@click.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Retention in days; default COMMENTSVC_RETENTION_DAYS (90).")
@with_appcontext
def purge_command(days: int | None) -> None:
    """Clear identifying hashes past retention: old IP hashes (not those in active bans) and
    edit-token hashes whose edit window has passed."""
    config = current_app.extensions["commentsvc"]
    days = days or current_app.config["COMMENTSVC_RETENTION_DAYS"]
    done = _domain(lambda: retention.purge_expired(db.session, config, days, actor="cli"))
    click.echo(f"cleared {done.ip_hashes} IP hashes older than {days} days "
               f"and {done.edit_tokens} expired edit-token hashes")


def register_privacy_commands(group: Any) -> None:
    for command in (reader_export_command, reader_erase_command, purge_command):
        group.add_command(command)
