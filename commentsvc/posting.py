"""The write side: post, reply, edit and delete a comment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from commentsvc import audit, bans, counters, events, render, rules
from commentsvc.errors import Forbidden, Invalid, NotFound, ThreadClosed, Unauthorized
from commentsvc.identity import (
    Reader,
    email_hash,
    keyed_hash,
    looks_like_jwt,
    new_edit_token,
    reader_from_jwt,
    token_matches,
)
from commentsvc.models import APPROVED, DELETED, PENDING, REJECTED, SPAM, Article, Comment, Site
from commentsvc.sites import ServiceConfig, SiteSettings, site_head


@dataclass(frozen=True)
class NewComment:
    site: str
    article: str
    body: str
    parent_id: int | None = None
    author_name: str | None = None
    author_email: str | None = None
    article_title: str | None = None
    article_url: str | None = None
    honeypot: str | None = None
    form_seconds: float | None = None


@dataclass(frozen=True)
class Posted:
    comment: Comment
    edit_token: str
    reason: str
    display_depth: int
    editable_until: datetime

    @property
    def public_status(self) -> str:
        return public_status(self.comment)


def public_status(comment: Comment) -> str:
    """What the author is told: spam looks held, so a bot cannot tell it was caught."""
    return PENDING if comment.status == SPAM else comment.status


class Rejected(Invalid):
    """A rule refused the comment; it is kept as rejected for the moderators to see."""

    def __init__(self, reason: str) -> None:
        super().__init__("body", f"this comment was not accepted ({reason})",
                         code="comment_rejected")


STATUS_FOR = {"allow": APPROVED, "hold": PENDING, "reject": REJECTED, "spam": SPAM}


MAX_DEPTH = 100  # ancestry must fit its column; no real discussion nests this deep


def create(session: Session, config: ServiceConfig, reader: Reader, new: NewComment) -> Posted:
    """Store a comment or reply; published, held or rejected as the rules decide.

    Every post runs this, so its statements are built once and run as Core on the session's
    connection, where each costs a fraction of an ORM query (BENCHMARKS.md has the figures)."""
    site = site_head(session, new.site)
    settings = SiteSettings.of_head(session, site, config)
    now = config.now()
    email_hash = stored_email_hash(config, reader.email or new.author_email)
    bans.refuse_banned(session, site.id, now, reader=reader.key, email=email_hash,
                       ip=reader.ip_hash)
    article = _article_for_post(session, site.id, new, now)
    if article.closed:
        raise ThreadClosed("this thread is closed for new comments")
    parent = _parent_for_reply(session, article, new.parent_id)
    name = reader.name or new.author_name or ""
    html = render.to_html(new.body)
    decision = rules.evaluate(rules.Draft(
        new.body, html, name, reader, article, settings,
        honeypot=new.honeypot, form_seconds=new.form_seconds,
        posted_before_within_hour=_posted_within_hour(session, reader, article, new.body,
                                                       now),
        reader_has_approved_comment=(settings.moderation == "first"
                                     and _has_approved_comment(session, site.id, reader)),
    ))
    token = new_edit_token()
    comment = _insert_comment(
        session, article_id=article.id, **_place_under(parent), author_name=name,
        reader_hash=reader.key, email_hash=email_hash, ip_hash=reader.ip_hash,
        author_verified=reader.verified, author_avatar=reader.avatar,
        avatar_seed=avatar_seed(config, reader, new.author_email, name),
        body_source=new.body, body_html=html, status=STATUS_FOR[decision.action],
        moderation_reason=decision.reason or None, created_at=now,
        edit_token_hash=keyed_hash(config.secret_key, "edit-token", token),
    )
    counters.status_changed(session, comment, None, now)
    if decision.action != "allow":
        # Announced below as the post's decision, not a second time as an audit entry.
        audit.record(session, site_id=site.id, actor=audit.RULES_ACTOR, action=decision.action,
                     comment=comment, reason=decision.reason, after=comment.status, now=now,
                     announce=False)
    events.note(session, events.PostDecided(site.id, comment.id, decision.action,
                                            decision.reason))
    _commit_keeping(session, comment)
    if decision.action == "reject":
        raise Rejected(decision.reason)
    return Posted(comment, token, decision.reason,
                  display_depth=min(comment.depth, settings.display_depth),
                  editable_until=now + timedelta(seconds=settings.edit_window_seconds))


# What a new comment starts with besides what `create` decides.
_NEW_COMMENT = {"score": 0, "reply_count": 0, "descendant_count": 0, "pinned": False,
                "flag_count": 0, "edited_at": None, "import_source": None, "import_id": None}
_COLUMNS = tuple(attr.key for attr in sa_inspect(Comment).column_attrs)
_INSERT_COMMENT = insert(Comment.__table__).returning(Comment.__table__.c.id)


def _insert_comment(session: Session, **values: Any) -> Comment:
    """INSERT as Core, then let the session hold the comment as if it had loaded the row: the
    ORM's unit of work would cost more than the statement itself."""
    values = {**_NEW_COMMENT, **values}
    comment = Comment(**values)
    comment.id = session.connection().execute(_INSERT_COMMENT, values).scalar_one()
    make_transient_to_detached(comment)
    session.add(comment)
    return comment


def _commit_keeping(session: Session, comment: Comment) -> None:
    """Commit, keeping the comment's values as written: answering the poster then needs no
    second read of the row this transaction has just written."""
    written = {key: getattr(comment, key) for key in _COLUMNS}
    session.commit()
    for key, value in written.items():
        set_committed_value(comment, key, value)


def _place_under(parent: Row | None) -> dict:
    """Where a new comment sits in its thread."""
    if parent is None:
        return {"parent_id": None, "root_id": None, "ancestry": "", "depth": 0}
    return {"parent_id": parent.id, "root_id": parent.root_id or parent.id,
            "ancestry": f"{parent.ancestry}{parent.id}/", "depth": parent.depth + 1}


# An edit cannot smuggle in what a post could not say; the other rules judged the post itself.
EDIT_RULES = (rules.banned_words, rules.suspect_words, rules.too_many_links)


def edit(session: Session, config: ServiceConfig, comment_id: int, bearer: str | None,
         body: str) -> Comment:
    comment = _own_comment(session, config, comment_id, bearer)
    article = session.get(Article, comment.article_id)
    html = render.to_html(body)
    draft = rules.Draft(body, html, comment.author_name, Reader(key=comment.reader_hash),
                        article, SiteSettings.of(article.site, config))
    decision = rules.evaluate(draft, EDIT_RULES)
    if decision.action == "reject":
        raise Rejected(decision.reason)
    now = config.now()
    comment.body_source, comment.body_html, comment.edited_at = body, html, now
    counters.thread_changed(session, comment.article_id)
    events.comment_changed(session, comment, "edited")
    if decision.action == "hold" and comment.status == APPROVED:
        comment.status, comment.moderation_reason = PENDING, decision.reason
        counters.status_changed(session, comment, APPROVED, now)
        audit.record(session, site_id=article.site_id, actor=audit.RULES_ACTOR, action="hold",
                     comment=comment, reason=f"edited: {decision.reason}", before=APPROVED,
                     after=PENDING, now=now)
    session.commit()
    return comment


def delete(session: Session, config: ServiceConfig, comment_id: int,
           bearer: str | None) -> None:
    comment = _own_comment(session, config, comment_id, bearer)
    old_status = comment.status
    comment.status = DELETED
    counters.status_changed(session, comment, old_status)
    session.commit()


def _own_comment(session: Session, config: ServiceConfig, comment_id: int,
                 bearer: str | None) -> Comment:
    """The comment, if the bearer is its edit token or its signed-in author, inside the window."""
    comment = session.get(Comment, comment_id)
    if comment is None or comment.status == DELETED:
        raise NotFound(f"no comment {comment_id}", code="comment_not_found")
    site = session.scalar(select(Site).join(Article).where(Article.id == comment.article_id))
    settings = SiteSettings.of(site, config)
    if not bearer:
        raise Unauthorized("send the edit token as 'Authorization: Bearer <token>'",
                           code="edit_token_missing")
    if looks_like_jwt(bearer):
        reader = reader_from_jwt(config.secret_key, site.key, settings.jwt_secret, bearer, None)
        if reader.key != comment.reader_hash:
            raise Forbidden("this is not your comment", code="not_author")
    elif not token_matches(config.secret_key, bearer, comment.edit_token_hash):
        raise Unauthorized("the edit token does not match this comment",
                           code="invalid_edit_token")
    if config.now() - comment.created_at > timedelta(seconds=settings.edit_window_seconds):
        raise Forbidden("the time for editing or deleting this comment has passed",
                        code="edit_window_closed")
    return comment


def ensure_article(session: Session, site: Site, key: str, now: datetime, *,
                   title: str | None = None, url: str | None = None) -> Article:
    """Articles come into being with their first comment; concurrent first posts are safe."""
    query = select(Article).where(Article.site_id == site.id, Article.key == key)
    article = session.scalar(query)
    if article is None:
        _insert_article(session, site.id, key, now, title, url)
        article = session.scalar(query)
    if title and not article.title:
        article.title = title
    if url and not article.url:
        article.url = url
    return article


def _insert_article(session: Session, site_id: int, key: str, now: datetime,
                    title: str | None, url: str | None) -> None:
    insert_or_skip = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[
        session.get_bind().dialect.name
    ]
    session.execute(
        insert_or_skip(Article)
        .values(site_id=site_id, key=key, url=url or "", title=title or "", closed=False,
                premoderated=False, comment_count=0, created_at=now)
        .on_conflict_do_nothing(index_elements=["site_id", "key"])
    )


_ARTICLE_FOR_POST = select(
    Article.id, Article.closed, Article.premoderated, Article.title, Article.url,
).where(Article.site_id == bindparam("site_id"), Article.key == bindparam("key"))


def _article_for_post(session: Session, site_id: int, new: NewComment, now: datetime) -> Row:
    """As ensure_article, as a Core row; a title or link the article lacks is filled in."""
    params = {"site_id": site_id, "key": new.article}
    article = session.connection().execute(_ARTICLE_FOR_POST, params).first()
    if article is None:
        _insert_article(session, site_id, new.article, now, new.article_title, new.article_url)
        return session.connection().execute(_ARTICLE_FOR_POST, params).one()
    missing = {name: value for name, value, stored in (
        ("title", new.article_title, article.title), ("url", new.article_url, article.url),
    ) if value and not stored}
    if missing:
        session.execute(update(Article).where(Article.id == article.id).values(**missing))
    return article


_PARENT = select(
    Comment.id, Comment.article_id, Comment.root_id, Comment.ancestry, Comment.depth,
    Comment.status,
).where(Comment.id == bindparam("id"))


def _parent_for_reply(session: Session, article: Row, parent_id: int | None) -> Row | None:
    if parent_id is None:
        return None
    parent = session.connection().execute(_PARENT, {"id": parent_id}).first()
    if parent is None or parent.article_id != article.id:
        raise Invalid("parent_id", "no such comment in this article", code="invalid_parent")
    if parent.status != APPROVED:
        raise Invalid("parent_id", "that comment cannot be replied to", code="invalid_parent")
    if parent.depth + 1 >= MAX_DEPTH:
        raise Invalid("parent_id", f"replies cannot nest more than {MAX_DEPTH} levels deep",
                      code="too_deep")
    return parent


def _posted_within_hour(session: Session, reader: Reader, article: Article, body: str,
                        now: datetime) -> bool:
    """The same text from this reader anywhere, or from this address under this article.

    Not from this address anywhere: readers behind one address (an office, a school) may all
    say "Thanks for the article!" under their own articles.
    """
    if not (reader.key or reader.ip_hash):
        return False
    return session.connection().execute(_SAME_TEXT_WITHIN_HOUR, {
        "reader": reader.key, "ip": reader.ip_hash, "article_id": article.id, "body": body,
        "since": now - timedelta(hours=1)}).first() is not None


# Built once: every post runs it. A missing reader key or address is bound as NULL, which
# equals nothing.
_SAME_TEXT_WITHIN_HOUR = (
    select(Comment.id)
    .where(or_(Comment.reader_hash == bindparam("reader"),
               and_(Comment.ip_hash == bindparam("ip"),
                    Comment.article_id == bindparam("article_id"))),
           Comment.body_source == bindparam("body"), Comment.created_at > bindparam("since"))
    .limit(1)
)


def _has_approved_comment(session: Session, site_id: int, reader: Reader) -> bool:
    if not reader.key:
        return False
    return session.scalar(
        select(Comment.id).join(Article)
        .where(Article.site_id == site_id, Comment.reader_hash == reader.key,
               Comment.status == APPROVED)
        .limit(1)
    ) is not None


def stored_email_hash(config: ServiceConfig, email: str | None) -> str | None:
    return email_hash(config.secret_key, email) if email else None


def avatar_seed(config: ServiceConfig, reader: Reader, email: str | None, name: str) -> str:
    identity = reader.key or (email or "").strip().lower() or name or reader.ip_hash or ""
    return keyed_hash(config.secret_key, "avatar", identity)[:16]
