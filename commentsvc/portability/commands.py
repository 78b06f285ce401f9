"""`commentsvc import` and `commentsvc export`."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from tqdm import tqdm

from commentsvc.errors import DomainError
from commentsvc.extensions import db
from commentsvc.portability import disqus, isso, native, remark42, wordpress
from commentsvc.portability.export import export_lines
from commentsvc.portability.loader import ARTICLE_ID_MODES, Loader, Options, Summary
from commentsvc.portability.records import UnreadableFile

READERS = {"disqus": disqus, "wordpress": wordpress, "isso": isso, "remark42": remark42,
           "commentsvc": native}
UNREADABLE = 2  # exit status for a file refused as a whole (unsafe XML, wrong format)


@click.command("import")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(list(READERS)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", "site_key", required=True, help="The site the comments go to.")
@click.option("--article-id", "article_id", type=click.Choice(ARTICLE_ID_MODES), default=None,
              help="What a source thread's article ID is: the path of its URL (default), its "
                   "whole URL, or the source's own page identifier. commentsvc exports keep "
                   "their article keys.")
@click.option("--map", "map_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV of 'source thread,article ID' rows (the thread by its source id, "
                   "identifier or URL); threads not in it fall back to --article-id.")
@click.option("--publish/--hold", "publish", default=True, show_default=True,
              help="Publish the source's approved comments, or hold them all for review.")
@click.option("--dry-run", is_flag=True, help="Read and check everything; write nothing.")
@with_appcontext
def import_command(fmt: str, file: Path, site_key: str, article_id: str | None,
                   map_file: Path | None, publish: bool, dry_run: bool) -> None:
    """Import the comments of another system's export (or of commentsvc's own)."""
    options = Options(site=site_key, source=READERS[fmt].SOURCE,
                      article_id=article_id or "path", hold=not publish,
                      mapping=read_map(map_file) if map_file else None)
    config = current_app.extensions["commentsvc"]
    with progress_bar() as bar:
        try:
            loader = Loader(db.session, config, options, report=bar.write, progress=bar.update)
            summary = loader.load(READERS[fmt].read(file))
        except UnreadableFile as exc:
            db.session.rollback()
            click.echo(f"error: {file.name}: {exc}; nothing was imported", err=True)
            sys.exit(UNREADABLE)
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from exc
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(summary_text(summary, fmt, file, site_key, dry_run))


def read_map(path: Path) -> dict[str, str]:
    mapping: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or row[0].startswith("#"):
                continue
            if len(row) != 2 or not row[0].strip() or not row[1].strip():
                raise click.BadParameter(f"line {number}: want 'source thread,article ID'",
                                         param_hint="--map")
            mapping[row[0].strip()] = row[1].strip()
    return mapping


class _Bar:
    """tqdm on a terminal; on a pipe or in CI nothing but the messages."""

    def __init__(self) -> None:
        self.bar = tqdm(unit=" records", unit_scale=True, desc="reading", file=sys.stderr,
                        disable=not sys.stderr.isatty(), leave=False)

    def update(self, count: int) -> None:
        self.bar.update(count)

    def write(self, message: str) -> None:
        if self.bar.disable:
            click.echo(message, err=True)
        else:
            self.bar.write(message, file=sys.stderr)

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()


def progress_bar() -> _Bar:
    return _Bar()


def summary_text(summary: Summary, fmt: str, file: Path, site_key: str, dry_run: bool) -> str:
    skipped = sum(summary.skipped.values())
    reasons = ", ".join(f"{reason}: {n:,}" for reason, n in sorted(summary.skipped.items()))
    lines = [
        f"{'dry run, nothing written: would import' if dry_run else 'imported'} "
        f"{_plural(summary.imported, 'comment')} into "
        f"{_plural(len(summary.articles), 'article')} of site "
        f"{site_key!r} from {fmt} export {file.name}",
        f"  already present: {summary.present:,}",
        f"  skipped: {skipped:,}" + (f" ({reasons})" if reasons else ""),
    ]
    if summary.top_level_orphans:
        lines.append(f"  replies to a missing parent, kept at the top level: "
                     f"{summary.top_level_orphans:,}")
    return "\n".join(lines)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


@click.command("export")
@click.option("--site", "site_key", required=True, help="The site to export.")
@click.option("--article", "article_key", default=None, help="Only this article.")
@with_appcontext
def export_command(site_key: str, article_key: str | None) -> None:
    """Write the site's articles and comments as JSON Lines to standard output."""
    config = current_app.extensions["commentsvc"]
    out: Callable[[str], object] = sys.stdout.write
    try:
        for line in export_lines(db.session, config, site_key, article_key):
            out(line)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    sys.stdout.flush()


COMMANDS = (import_command, export_command)
