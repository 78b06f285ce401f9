"""Writing imported records: batched inserts, threading resolved at the end, exact counters.

One transaction for the whole file: a file that turns out unreadable half-way (or a dry run)
is rolled back and leaves nothing behind. Comments are inserted in batches as they are read
(Core executemany, not one ORM object each) with no place in their thread yet; once the file
is read, parents are looked up by their source ids (so a reply may come before its parent),
and the tree fields and counters of every article touched are computed from scratch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from commentsvc import posting, render
from commentsvc.identity import Reader
from commentsvc.models import APPROVED, DELETED, PENDING, Article, Comment, Site
from commentsvc.portability.records import Record, Skipped, Thread
from commentsvc.portability.text import html_body, markdown_body
from commentsvc.portability.tree import Node, place
from commentsvc.sites import ServiceConfig, get_site

BATCH = 2_000
PROGRESS_EVERY = 1_000  # records read between two moves of the progress bar
ARTICLE_ID_MODES = ("path", "url", "id")
PLACEHOLDER = "[deleted]"
HELD_REASON = "imported: held for review"
ARTICLE_KEY_MAX = 512
IMPORT_ID_MAX = 128  # Comment.import_id


@dataclass
class Options:
    site: str
    source: str  # the format's name, stored with every comment it imports
    article_id: str = "path"
    mapping: dict[str, str] | None = None
    hold: bool = False


@dataclass
class Summary:
    imported: int = 0
    present: int = 0
    skipped: Counter = field(default_factory=Counter)
    top_level_orphans: int = 0
    articles: set = field(default_factory=set)

    @property
    def read(self) -> int:
        return self.imported + self.present + sum(self.skipped.values())


@dataclass(slots=True)
class _Removed:
    """A comment deleted in the source, kept aside until we know whether it has replies."""

    ref: str
    import_id: str
    source: str
    parent_ref: str | None
    article_id: int
    created_at: datetime
    position: str


Report = Callable[[str], None]


class Loader:
    def __init__(self, session: Session, config: ServiceConfig, options: Options,
                 report: Report, progress: Callable[[int], None] | None = None) -> None:
        self.session, self.config, self.options = session, config, options
        self.report, self.progress = report, progress or (lambda n: None)
        self.site: Site = get_site(session, options.site)
        self.now = config.now()
        self.summary = Summary()
        self.threads: dict[str, Thread] = {}
        self.article_ids: dict[str, int | None] = {}
        self.existing = self._existing_imports()
        self.ids_by_ref: dict[str, int] = {}
        self.replies: list[tuple[int, str, int, str]] = []  # (id, parent ref, article, position)
        self.removed: dict[str, _Removed] = {}
        self.own_keys: set[tuple[str, str]] = set()  # import keys that differ from refs
        self.batch: list[dict] = []
        self.batch_refs: list[tuple[str, str | None, int, str]] = []

    # --- reading ---------------------------------------------------------------------------

    def load(self, items: Iterable[Thread | Record | Skipped]) -> Summary:
        for count, item in enumerate(items, start=1):
            if count % PROGRESS_EVERY == 0:
                self.progress(PROGRESS_EVERY)
            if isinstance(item, Record):
                self._record(item)
            elif isinstance(item, Thread):
                self.threads[item.ref] = item
            else:
                self._skip(item.position, item.reason, item.detail)
        self._flush()
        self._keep_removed_with_replies()
        self._settle()
        return self.summary

    def _skip(self, position: str, reason: str, detail: str = "") -> None:
        self.summary.skipped[reason] += 1
        self.report(f"{position}: skipped ({reason}){': ' + detail if detail else ''}")

    def _record(self, record: Record) -> None:
        source = record.source or self.options.source
        import_id = str((record.extra or {}).get("import_id") or record.ref)
        if len(import_id) > IMPORT_ID_MAX:
            self._skip(record.position, "malformed", f"id longer than {IMPORT_ID_MAX} characters")
            return
        if record.ref in self.ids_by_ref or record.ref in self.removed:
            self._skip(record.position, "duplicate id", f"{record.ref!r} was seen before")
            return
        if import_id != record.ref:
            if (source, import_id) in self.own_keys:
                self._skip(record.position, "duplicate id", f"{import_id!r} was seen before")
                return
            self.own_keys.add((source, import_id))
        known = self.existing.get((source, import_id))
        if known is not None:
            self.ids_by_ref[record.ref] = known
            self.summary.present += 1
            return
        article_id = self._article_for(record)
        if article_id is None:
            return
        if record.removed:
            self.removed[record.ref] = _Removed(record.ref, import_id, source, record.parent_ref,
                                                article_id, record.created_at, record.position)
            return
        self._add(self._row(record, source, import_id, article_id),
                  record.ref, record.parent_ref, article_id, record.position)

    def _add(self, row: dict, ref: str, parent_ref: str | None, article_id: int,
             position: str) -> None:
        self.batch.append(row)
        self.batch_refs.append((ref, parent_ref, article_id, position))
        if len(self.batch) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self.batch:
            return
        # Core, not the ORM's bulk path: multi-row INSERTs with RETURNING. Rows come back in
        # any order (asking for the parameters' order makes SQLite insert one row at a time),
        # so each is matched by its import key.
        table = Comment.__table__
        returned = self.session.connection().execute(
            insert(table).returning(table.c.id, table.c.import_source, table.c.import_id),
            self.batch,
        ).all()
        ids = {(source, import_id): comment_id for comment_id, source, import_id in returned}
        for row, (ref, parent_ref, article_id, position) in zip(
                self.batch, self.batch_refs, strict=True):
            comment_id = ids[(row["import_source"], row["import_id"])]
            self.ids_by_ref[ref] = comment_id
            if parent_ref:
                self.replies.append((comment_id, parent_ref, article_id, position))
        self.summary.imported += len(returned)
        self.batch, self.batch_refs = [], []

    # --- articles ----------------------------------------------------------------------------

    def _article_for(self, record: Record) -> int | None:
        if record.thread_ref in self.article_ids:
            article_id = self.article_ids[record.thread_ref]
            if article_id is None:
                self._skip(record.position, "no article id")
            return article_id
        thread = self.threads.get(record.thread_ref)
        if thread is None:
            self._skip(record.position, "unknown thread",
                       f"thread {record.thread_ref!r} is not in the file")
            return None
        key = self.article_key(thread)
        if not key or len(key) > ARTICLE_KEY_MAX:
            self.article_ids[record.thread_ref] = None
            why = "no identifier or link" if not key else f"too long ({len(key)} characters)"
            self.report(f"thread {thread.ref!r}: no usable article id ({why}); its comments"
                        " are skipped")
            self._skip(record.position, "no article id")
            return None
        article = posting.ensure_article(
            self.session, self.site, key, thread.created_at or self.now,
            title=thread.title[:300] or None, url=thread.url[:2048] or None)
        if thread.closed is not None:
            article.closed = thread.closed
        if thread.premoderated is not None:
            article.premoderated = thread.premoderated
        self.session.flush()
        self.article_ids[record.thread_ref] = article.id
        return article.id

    def article_key(self, thread: Thread) -> str:
        mapping = self.options.mapping or {}
        for candidate in (thread.ref, thread.identifier, thread.url):
            if candidate and candidate in mapping:
                return mapping[candidate]
        if thread.key:
            return thread.key
        mode = self.options.article_id
        if mode == "id":
            return thread.identifier or _path(thread.url)
        if mode == "url":
            return thread.url or thread.identifier
        return _path(thread.url) or _path(thread.identifier)

    # --- rows ---------------------------------------------------------------------------------

    def _row(self, record: Record, source: str, import_id: str, article_id: int) -> dict:
        if record.body_html is not None:  # commentsvc's own export: already ours
            body_source, body_html = record.markdown or "", render.sanitize_html(record.body_html)
        elif record.html is not None:
            body_source, body_html = html_body(record.html)
            if record.markdown is not None:  # Remark42 keeps what the author typed
                body_source = record.markdown.strip()
        else:
            body_source, body_html = markdown_body(record.markdown or "")
        status, reason = record.status, None
        if self.options.hold and status == APPROVED:
            status, reason = PENDING, HELD_REASON
        name = record.author_name[:80]
        row = {
            "article_id": article_id, "parent_id": None, "root_id": None, "ancestry": "",
            "depth": 0, "author_name": name, "reader_hash": None,
            # The same keyed hash posting stores, so bans by e-mail reach imported authors.
            "email_hash": posting.stored_email_hash(self.config, record.email),
            "author_verified": False, "author_avatar": None,
            "avatar_seed": posting.avatar_seed(self.config, Reader(), record.email, name),
            "body_source": body_source, "body_html": body_html, "status": status,
            "score": record.score, "reply_count": 0, "descendant_count": 0, "pinned": False,
            "flag_count": 0, "moderation_reason": reason, "created_at": record.created_at,
            "edited_at": None, "edit_token_hash": None, "ip_hash": None,
            "import_source": source, "import_id": import_id,
        }
        if record.extra:
            row.update({k: v for k, v in record.extra.items() if k in row and k != "import_id"})
            avatar = row["author_avatar"]
            if not (isinstance(avatar, str) and avatar.startswith(("https://", "http://"))):
                row["author_avatar"] = None
            if self.options.hold and row["status"] == APPROVED:
                row["status"], row["moderation_reason"] = PENDING, HELD_REASON
        return row

    # --- the end: deleted comments, threading, counters ---------------------------------------

    def _keep_removed_with_replies(self) -> None:
        """A deleted comment stays as a placeholder if something kept replies to it."""
        wanted = [parent for _, parent, _, _ in self.replies if parent in self.removed]
        needed: set[str] = set()
        while wanted:
            ref = wanted.pop()
            if ref in needed:
                continue
            needed.add(ref)
            parent = self.removed[ref].parent_ref
            if parent in self.removed:
                wanted.append(parent)
        for ref, gone in self.removed.items():
            if ref not in needed:
                self.summary.skipped["deleted without replies"] += 1
                continue
            self._add(self._placeholder(gone), ref, gone.parent_ref, gone.article_id,
                      gone.position)
        self._flush()

    def _placeholder(self, gone: _Removed) -> dict:
        return {
            "article_id": gone.article_id, "parent_id": None, "root_id": None, "ancestry": "",
            "depth": 0, "author_name": "", "reader_hash": None, "email_hash": None,
            "author_verified": False, "author_avatar": None, "avatar_seed": "",
            "body_source": PLACEHOLDER, "body_html": f"<p>{PLACEHOLDER}</p>", "status": DELETED,
            "score": 0, "reply_count": 0, "descendant_count": 0, "pinned": False,
            "flag_count": 0, "moderation_reason": None, "created_at": gone.created_at,
            "edited_at": None, "edit_token_hash": None, "ip_hash": None,
            "import_source": gone.source, "import_id": gone.import_id,
        }

    def _settle(self) -> None:
        parents: dict[int, int] = {}
        touched: set[int] = set()
        for comment_id, parent_ref, article_id, position in self.replies:
            touched.add(article_id)
            parent_id = self.ids_by_ref.get(parent_ref)
            if parent_id is None:
                parent_id = self.existing.get((self.options.source, parent_ref))
            if parent_id is None:
                self.summary.top_level_orphans += 1
                self.report(f"{position}: its parent {parent_ref!r} is not in the file;"
                            " kept as a top-level comment")
                continue
            parents[comment_id] = parent_id
        touched.update(self.article_ids[ref] for ref in self.article_ids
                       if self.article_ids[ref] is not None)
        self.summary.articles = touched if self.summary.imported else set()
        for article_id in sorted(self.summary.articles):
            self._settle_article(article_id, parents)

    def _settle_article(self, article_id: int, new_parents: dict[int, int]) -> None:
        # Core throughout: this runs over every comment of every article the file touched.
        connection, table = self.session.connection(), Comment.__table__
        rows = connection.execute(
            select(table.c.id, table.c.parent_id, table.c.status, table.c.root_id,
                   table.c.ancestry, table.c.depth, table.c.reply_count,
                   table.c.descendant_count)
            .where(table.c.article_id == article_id)
        ).all()
        in_article = {row.id for row in rows}
        nodes = {}
        for row in rows:
            parent = new_parents.get(row.id, row.parent_id)
            if parent is not None and parent not in in_article:
                self.summary.top_level_orphans += 1
                self.report(f"comment {row.id}: its parent is in another thread; kept as a"
                            " top-level comment")
                parent = None
            nodes[row.id] = Node(row.id, parent, row.status)
        changes = []
        for row, placed in zip(rows, place(nodes, [r.id for r in rows]), strict=True):
            if tuple(row[1:2]) + tuple(row[3:]) != placed[1:]:
                changes.append(dict(zip(_PLACE_KEYS, placed, strict=True)))
        if changes:
            connection.execute(_PLACE, changes)
        self._count_article(article_id)

    def _count_article(self, article_id: int) -> None:
        connection, table = self.session.connection(), Comment.__table__
        approved, latest = connection.execute(
            select(func.count(), func.max(table.c.created_at))
            .where(table.c.article_id == article_id, table.c.status == APPROVED)
        ).one()
        before = connection.scalar(select(Article.last_comment_at)
                                   .where(Article.id == article_id))
        if before and (latest is None or before > latest):
            latest = before
        connection.execute(
            update(Article.__table__).where(Article.__table__.c.id == article_id)
            .values(comment_count=approved, last_comment_at=latest,
                    version=Article.__table__.c.version + 1))

    def _existing_imports(self) -> dict[tuple[str, str], int]:
        rows = self.session.execute(
            select(Comment.import_source, Comment.import_id, Comment.id)
            .join(Article, Article.id == Comment.article_id)
            .where(Article.site_id == self.site.id, Comment.import_source.is_not(None))
        )
        return {(source, import_id): comment_id for source, import_id, comment_id in rows}


_PLACE_KEYS = ("b_id", "parent_id", "root_id", "ancestry", "depth", "reply_count",
               "descendant_count")
# One executemany for a whole thread's new places and counts.
_PLACE = (update(Comment.__table__).where(Comment.__table__.c.id == bindparam("b_id"))
          .values({key: bindparam(key) for key in _PLACE_KEYS[1:]}))


def _path(url: str) -> str:
    """The path (and query) of a URL: the same page whatever the host or scheme."""
    if not url:
        return ""
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path
