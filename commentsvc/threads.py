"""The read side: thread pages by keyset cursor, batched replies, single comments, counts.

A page costs the same few queries whatever the thread's size: the site and article, one keyset
scan for the top-level comments, and one windowed query for the first replies under all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ARRAY, Connection, String, and_, any_, bindparam, select, union_all
from sqlalchemy.orm import Session

from commentsvc import cursors, feeds
from commentsvc.cursors import Order
from commentsvc.errors import NotFound
from commentsvc.models import APPROVED, Article, Comment, Site
from commentsvc.sites import ServiceConfig, SiteSettings

SORTS = ("oldest", "newest", "top")
REPLIES_PER_COMMENT = 5


@dataclass
class Node:
    """A comment as shown: display depth, and the replies shown under it."""

    comment: Comment
    depth: int
    replies: list[Node] = field(default_factory=list)
    replies_cursor: str | None = None
    replies_remaining: int = 0
    thread_cursor: str | None = None
    public_status: str | None = None  # set in answers to the author (see posting.public_status)


@dataclass
class ArticleView:
    site: str
    key: str
    title: str | None
    url: str | None
    closed: bool
    comment_count: int
    # Where a live stream opened after this page starts (`since`), so nothing falls between.
    version: int = 0


@dataclass
class Page:
    article: ArticleView
    comments: list[Node]
    next_cursor: str | None


@dataclass
class RepliesPage:
    comments: list[Node]
    next_cursor: str | None


MAX_PINNED = 10


@dataclass(frozen=True)
class Head:
    """What a thread page is about: its site and article (a row; None before any comment)."""

    site_key: str
    display_depth: int
    article: Any
    article_key: str

    @property
    def version(self) -> tuple[int, int] | None:
        """Changes whenever anything shown on the thread's pages changes."""
        return (self.article.id, self.article.version) if self.article else None


# Built once: this runs on every read, and on a cached page it is nearly all the work.
_HEAD = (
    select(Site.key.label("site_key"),
           Site.settings["display_depth"].as_integer().label("display_depth"),
           Article.id, Article.key, Article.title, Article.url, Article.closed,
           Article.comment_count, Article.version)
    .select_from(Site)
    .outerjoin(Article, and_(Article.site_id == Site.id,
                             Article.key == bindparam("article_key")))
    .where(Site.key == bindparam("site_key"))
)


# What a thread page depends on besides its query, in plain numbers: the article (id, version)
# and the site's settings version (its display depth is among the settings). A page answered
# again is checked against this on every request (api/kept_answers.py).
THREAD_VERSION = _HEAD.with_only_columns(Article.id, Article.version, Site.settings_version)


def _connection(source: Session | Connection) -> Connection:
    """Core statements run on a connection: the session's, or one the caller reads through."""
    return source if isinstance(source, Connection) else source.connection()


def thread_head(source: Session | Connection, config: ServiceConfig, site_key: str,
                article_key: str) -> Head:
    # Core, not the ORM: plain rows are all a page head needs.
    params = {"site_key": site_key, "article_key": article_key}
    row = _connection(source).execute(_HEAD, params).first()
    if row is None:
        raise NotFound(f"no site called {site_key!r}", code="site_not_found")
    depth = max(1, row.display_depth or config.display_depth)
    return Head(row.site_key, depth, row if row.id is not None else None, article_key)


def thread_page(session: Session, head: Head, *, sort: str = "oldest", limit: int = 20,
                cursor: str | None = None, replies: int = REPLIES_PER_COMMENT) -> Page:
    order = ORDERS[sort]
    after = cursors.decode(cursor, order) if cursor else None
    article = head.article
    if article is None:
        return Page(ArticleView(head.site_key, head.article_key, None, None, False, 0), [], None)
    top_level = select(Comment).where(
        Comment.article_id == article.id, Comment.root_id.is_(None), Comment.visible()
    )
    # Pinned comments lead the first page and are left out of the cursor pages.
    pinned = [] if after else list(session.scalars(
        top_level.where(Comment.pinned).order_by(Comment.id).limit(MAX_PINNED)))
    rows, next_cursor = cursors.page(session, top_level.where(~Comment.pinned), order, limit,
                                     after)
    nodes = [Node(c, 0) for c in [*pinned, *rows]]
    _attach_first_replies(session, nodes, head.display_depth, replies)
    view = ArticleView(head.site_key, article.key, article.title or None, article.url or None,
                       article.closed, article.comment_count, article.version)
    return Page(view, nodes, next_cursor)


def replies_page(session: Session, config: ServiceConfig, comment_id: int, *,
                 limit: int = 20, cursor: str | None = None) -> RepliesPage:
    """Replies under a comment at any depth, oldest first, flat: `parent_id` places each."""
    after = cursors.decode(cursor, ORDERS["oldest"]) if cursor else None
    parent = _visible_comment(session, comment_id)
    depth_cap = _display_depth(session, config, parent)
    query = select(Comment).where(Comment.visible())
    if parent.root_id is None:
        query = query.where(Comment.root_id == parent.id)
    else:
        prefix = f"{parent.ancestry}{parent.id}/"
        query = query.where(Comment.root_id == parent.root_id,
                            Comment.ancestry.startswith(prefix, autoescape=True))
    rows, next_cursor = cursors.page(session, query, ORDERS["oldest"], limit, after)
    return RepliesPage([Node(c, min(c.depth, depth_cap)) for c in rows], next_cursor)


def single_comment(session: Session, config: ServiceConfig, comment_id: int) -> Node:
    """One comment, with the cursor of the oldest-first page that starts at its thread."""
    comment = _visible_comment(session, comment_id)
    root = session.get(Comment, comment.root_id) if comment.root_id else comment
    node = as_node(session, config, comment)
    # Keyset pages start strictly after the cursor: point it just before the top-level comment.
    before_root = [root.created_at.isoformat(), root.id - 1]
    node.thread_cursor = cursors.encode(ORDERS["oldest"], before_root)
    return node


def _counts_statement(matching_keys: Any) -> Any:
    """The site and its articles in one statement: no row means no such site, a row without an
    article key means none of the articles has a comment yet. Built once, as _HEAD is."""
    return (
        select(Site.id, Article.key, Article.comment_count)
        .select_from(Site)
        .outerjoin(Article, and_(Article.site_id == Site.id, matching_keys))
        .where(Site.key == bindparam("site_key"))
    )


_COUNTS = {
    "default": _counts_statement(Article.key.in_(bindparam("article_keys", expanding=True))),
    # One array parameter: an expanding IN is rewritten for each request, a parameter per key,
    # and on PostgreSQL that was a tenth of the request.
    "postgresql": _counts_statement(
        Article.key == any_(bindparam("article_keys", type_=ARRAY(String)))),
}


def counts(source: Session | Connection, site_key: str,
           article_keys: Sequence[str]) -> dict[str, int]:
    """Approved-comment counts by article key (0 for an article nobody commented on yet)."""
    connection = _connection(source)
    statement = _COUNTS.get(connection.dialect.name, _COUNTS["default"])
    params = {"site_key": site_key, "article_keys": sorted(set(article_keys))}
    rows = connection.execute(statement, params).all()
    if not rows:
        raise NotFound(f"no site called {site_key!r}", code="site_not_found")
    found = {key: count for _site_id, key, count in rows if key is not None}
    return {key: found.get(key, 0) for key in article_keys}


def as_node(session: Session, config: ServiceConfig, comment: Comment) -> Node:
    """A comment as shown, whatever its status (e.g. to its author after an edit)."""
    return Node(comment, min(comment.depth, _display_depth(session, config, comment)))


def site_key_of(session: Session, comment_id: int) -> str | None:
    return session.scalar(select(Site.key).join(Article).join(Comment)
                          .where(Comment.id == comment_id))


def _visible_comment(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None or not comment.is_visible:
        raise NotFound(f"no comment {comment_id}", code="comment_not_found")
    return comment


def _display_depth(session: Session, config: ServiceConfig, comment: Comment) -> int:
    article = session.get(Article, comment.article_id)
    return SiteSettings.of(article.site, config).display_depth


ORDERS = {
    "oldest": Order("oldest", (Comment.created_at, Comment.id), descending=False),
    "newest": Order("newest", (Comment.created_at, Comment.id), descending=True),
    "top": Order("top", (Comment.score, Comment.id), descending=True),
}


# --- replies under a page ---------------------------------------------------------------------

def _attach_first_replies(session: Session, roots: list[Node], depth_cap: int,
                          per_root: int) -> None:
    """The first replies under every top-level comment of the page, in one query: one index
    range per comment (ix_comment_root), so the cost does not grow with the thread."""
    if not roots or per_root <= 0:
        return
    order = (Comment.created_at, Comment.id)
    firsts = [
        select(Comment.id).where(Comment.root_id == root.comment.id, Comment.visible())
        .order_by(*order).limit(per_root).subquery()
        for root in roots
    ]
    ids = union_all(*[select(first.c.id) for first in firsts])
    rows = session.scalars(select(Comment).where(Comment.id.in_(ids)).order_by(*order)).all()
    by_id = {n.comment.id: n for n in roots}
    shown: dict[int, list[Comment]] = {n.comment.id: [] for n in roots}
    for reply in rows:
        node = Node(reply, min(reply.depth, depth_cap))
        by_id[reply.id] = node
        _display_parent(by_id, reply, depth_cap).replies.append(node)
        shown[reply.root_id].append(reply)
    oldest = ORDERS["oldest"]
    for root in roots:
        replies = shown[root.comment.id]
        root.replies_remaining = max(0, root.comment.descendant_count - len(replies))
        if root.replies_remaining and replies:
            root.replies_cursor = cursors.encode(oldest, oldest.values(replies[-1]))


def _display_parent(by_id: dict[int, Node], reply: Comment, depth_cap: int) -> Node:
    """Replies deeper than the display depth are listed at that depth, flattened."""
    ancestors = [int(a) for a in reply.ancestry.split("/") if a]
    wanted = ancestors[depth_cap - 1] if reply.depth > depth_cap else reply.parent_id
    for candidate in [wanted, *reversed(ancestors)]:
        if candidate in by_id:
            return by_id[candidate]
    return by_id[reply.root_id]


# --- feeds ------------------------------------------------------------------------------------

def latest_published(session: Session, *, article_id: int | None = None,
                     site_id: int | None = None,
                     limit: int = feeds.MAX_ENTRIES) -> list[feeds.Entry]:
    """The newest approved comments of one article or of a whole site, as feed entries.

    Held, rejected, spam and deleted comments are never among them."""
    # The columns in the order of feeds.Entry's fields.
    query = (
        select(Comment.id, Comment.parent_id, Comment.author_name, Comment.body_html,
               Comment.created_at, Comment.edited_at, Article.key, Article.title, Article.url)
        .join(Article, Article.id == Comment.article_id)
        .where(Comment.status == APPROVED)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    )
    if article_id is not None:
        query = query.where(Comment.article_id == article_id)
    if site_id is not None:
        query = query.where(Article.site_id == site_id)
    return [feeds.Entry(*row) for row in session.execute(query)]
