"""`commentsvc keys list|revoke|rotate`: manage admin API keys from the server."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from commentsvc import keys
from commentsvc.extensions import db
from commentsvc.models import ApiKey
from commentsvc.privacy_commands import CLI_ADMIN, _domain
from commentsvc.sites import get_site

COLUMNS = ("id", "site", "role", "name", "prefix", "created", "last used", "revoked")


@click.group("keys")
def keys_group() -> None:
    """List, revoke and rotate admin API keys (the keys themselves are never shown again)."""


@keys_group.command("list")
@click.option("--site", "site_key", help="Only this site's keys (all-sites keys are left out).")
@with_appcontext
def list_command(site_key: str | None) -> None:
    """Every key, newest first, revoked ones too."""
    site = _domain(lambda: get_site(db.session, site_key)) if site_key else None
    rows = [_row(key) for key in keys.listed(db.session, CLI_ADMIN, site)]
    columns = zip(COLUMNS, *rows, strict=True)
    widths = [max(len(str(value)) for value in column) for column in columns]
    for values in (COLUMNS, *rows):
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(values, widths, strict=True)).rstrip())


@keys_group.command("revoke")
@click.argument("key_id", type=click.IntRange(min=1))
@with_appcontext
def revoke_command(key_id: int) -> None:
    """Stop a key working, at once."""
    config = current_app.extensions["commentsvc"]
    key = _domain(lambda: keys.by_id(db.session, key_id))
    was_revoked = key.revoked_at is not None
    _domain(lambda: keys.revoke(db.session, CLI_ADMIN, key, config.now()))
    db.session.commit()
    click.echo(f"key {key_id} was revoked already" if was_revoked else f"revoked key {key_id}")


@keys_group.command("rotate")
@click.argument("key_id", type=click.IntRange(min=1))
@with_appcontext
def rotate_command(key_id: int) -> None:
    """Replace a key by a new one (same site, role and name); printed once, on the last line."""
    config = current_app.extensions["commentsvc"]
    key = _domain(lambda: keys.by_id(db.session, key_id))
    new, raw = _domain(lambda: keys.rotate(db.session, config.secret_key, CLI_ADMIN.actor, key,
                                           config.now()))
    db.session.commit()
    click.echo(f"revoked key {key_id}; its replacement is key {new.id}, shown only this once:")
    click.echo(raw)


def _row(key: ApiKey) -> tuple[Any, ...]:
    return (key.id, key.site.key if key.site else "(all sites)", key.role, key.name or "-",
            f"{key.prefix}…" if key.prefix else "-", _when(key.created_at),
            _when(key.last_used_at), _when(key.revoked_at))


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


def register_key_commands(group: Any) -> None:
    group.add_command(keys_group)
