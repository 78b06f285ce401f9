"""The write side: post, reply, edit and delete a comment."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, exists, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, aliased, make_transient_to_detached

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
from commentsvc.models import (
    APPROVED,
    DELETED,
    PENDING,
    REJECTED,
    SPAM,
    Article,
    Comment,
    Site,
    Webhook,
)
from commentsvc.notify.models import ReplyWatch
from commentsvc.sites import ServiceConfig, SiteSettings


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
    now = config.now()
    email_hash = stored_email_hash(config, reader.email or new.author_email)
    known = _what_posting_needs(session, reader, email_hash, new, now)
    settings = SiteSettings.of_site(session, config, known.site_id, known.settings_version)
    if known.ban_id is not None:
        bans.refuse(session, known.ban_id)
    article = known if known.article_id is not None else _new_article(session, known, new, now)
    if article.closed:
        raise ThreadClosed("this thread is closed for new comments")
    _fill_in_article(session, article, new)
    parent = _parent_for_reply(known, article.article_id, new.parent_id)
    events.tell(session, events.SITE_HAS_WEBHOOKS, article.article_id, known.has_webhooks)
    if parent is not None:
        events.tell(session, events.REPLIES_WATCHED, parent.id, known.parent_watched)
    name = reader.name or new.author_name or ""
    html = render.to_html(new.body)
    decision = rules.evaluate(rules.Draft(
        new.body, html, name, reader, article, settings,
        honeypot=new.honeypot, form_seconds=new.form_seconds,
        posted_before_within_hour=known.repeated,
        reader_has_approved_comment=(settings.moderation == "first"
                                     and _has_approved_comment(session, known.site_id, reader)),
    ))
    token = new_edit_token()
    comment = _insert_comment(
        session, article_id=article.article_id, **_place_under(parent), author_name=name,
        reader_hash=reader.key, email_hash=email_hash, ip_hash=reader.ip_hash,
        author_verified=reader.verified, author_avatar=reader.avatar,
        avatar_seed=avatar_seed(config, reader, new.author_email, name),
        body_source=new.body, body_digest=body_digest(new.body), body_html=html,
        status=STATUS_FOR[decision.action],
        moderation_reason=decision.reason or None, created_at=now,
        edit_token_hash=keyed_hash(config.secret_key, "edit-token", token),
    )
    counters.status_changed(session, comment, None, now)
    if decision.action != "allow":
        # Announced below as the post's decision, not a second time as an audit entry.
        audit.record(session, site_id=known.site_id, actor=audit.RULES_ACTOR,
                     action=decision.action,
                     comment=comment, reason=decision.reason, after=comment.status, now=now,
                     announce=False)
    events.note(session, events.PostDecided(known.site_id, comment.id, decision.action,
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
    """Commit, keeping the comment as written: a commit expires what the session holds, and
    answering the poster would then read back the row this transaction has just written."""
    session.expunge(comment)
    session.commit()


def _place_under(parent: _ParentRef | None) -> dict:
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
    comment.body_digest = body_digest(body)
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


# --- what a post must know before it is written: one statement, one round trip -------------

_Parent = aliased(Comment, name="parent")

# The same text within the hour from this reader anywhere, or from this address under this
# article. Not from this address anywhere: readers behind one address (an office, a school)
# may all say "Thanks for the article!" under their own articles.
# Read through the digest of the text and the time, so only this very text is looked at.
_REPEATED = exists().where(
    Comment.body_digest == bindparam("digest"), Comment.created_at > bindparam("since"),
    Comment.body_source == bindparam("body"),
    or_(Comment.reader_hash == bindparam("reader"),
        and_(Comment.ip_hash == bindparam("ip"), Comment.article_id == Article.id)))

# Built once. A reader key, address or parent the post does not have is bound as NULL, which
# matches nothing; an article that has no comment yet comes back as NULLs.
_POST_CONTEXT = (
    select(
        Site.id.label("site_id"), Site.settings_version,
        bans.active_ban_id(Site.id).label("ban_id"),
        Article.id.label("article_id"), Article.closed, Article.premoderated, Article.title,
        Article.url,
        _Parent.id.label("parent_id"), _Parent.article_id.label("parent_article_id"),
        _Parent.root_id.label("parent_root_id"), _Parent.ancestry.label("parent_ancestry"),
        _Parent.depth.label("parent_depth"), _Parent.status.label("parent_status"),
        _REPEATED.label("repeated"),
        # For the listeners of the post's event, which would otherwise each ask (events.tell).
        exists().where(Webhook.site_id == Site.id, Webhook.disabled_at.is_(None))
        .label("has_webhooks"),
        exists().where(ReplyWatch.comment_id == bindparam("parent_id")).label("parent_watched"),
    )
    .select_from(Site)
    .outerjoin(Article, and_(Article.site_id == Site.id, Article.key == bindparam("article")))
    .outerjoin(_Parent, _Parent.id == bindparam("parent_id"))
    .where(Site.key == bindparam("site"))
)


def _what_posting_needs(session: Session, reader: Reader, email_hash: str | None,
                        new: NewComment, now: datetime) -> Row:
    """The site and its settings version, a ban on the poster, the article, the parent, and
    whether this text was sent within the hour: everything checked before writing."""
    known = session.connection().execute(_POST_CONTEXT, {
        "site": new.site, "article": new.article, "parent_id": new.parent_id,
        "reader": reader.key, "email": email_hash, "ip": reader.ip_hash, "now": now,
        "body": new.body, "digest": body_digest(new.body), "since": now - timedelta(hours=1),
    }).first()
    if known is None:
        raise NotFound(f"no site called {new.site!r}", code="site_not_found")
    return known


_ARTICLE_FOR_POST = select(
    Article.id.label("article_id"), Article.closed, Article.premoderated, Article.title,
    Article.url,
).where(Article.site_id == bindparam("site_id"), Article.key == bindparam("key"))


def _new_article(session: Session, known: Row, new: NewComment, now: datetime) -> Row:
    """The article of its first comment (another first comment may be creating it too)."""
    _insert_article(session, known.site_id, new.article, now, new.article_title,
                    new.article_url)
    return session.connection().execute(
        _ARTICLE_FOR_POST, {"site_id": known.site_id, "key": new.article}).one()


def _fill_in_article(session: Session, article: Row, new: NewComment) -> None:
    """A title or link the article still lacks comes from the first post that sends one."""
    missing = {name: value for name, value, stored in (
        ("title", new.article_title, article.title), ("url", new.article_url, article.url),
    ) if value and not stored}
    if missing:
        session.execute(update(Article).where(Article.id == article.article_id)
                        .values(**missing))


class _ParentRef(NamedTuple):
    id: int
    root_id: int | None
    ancestry: str
    depth: int


def _parent_for_reply(known: Row, article_id: int, parent_id: int | None) -> _ParentRef | None:
    if parent_id is None:
        return None
    if known.parent_id is None or known.parent_article_id != article_id:
        raise Invalid("parent_id", "no such comment in this article", code="invalid_parent")
    if known.parent_status != APPROVED:
        raise Invalid("parent_id", "that comment cannot be replied to", code="invalid_parent")
    if known.parent_depth + 1 >= MAX_DEPTH:
        raise Invalid("parent_id", f"replies cannot nest more than {MAX_DEPTH} levels deep",
                      code="too_deep")
    return _ParentRef(known.parent_id, known.parent_root_id, known.parent_ancestry,
                      known.parent_depth)


def _has_approved_comment(session: Session, site_id: int, reader: Reader) -> bool:
    if not reader.key:
        return False
    return session.scalar(
        select(Comment.id).join(Article)
        .where(Article.site_id == site_id, Comment.reader_hash == reader.key,
               Comment.status == APPROVED)
        .limit(1)
    ) is not None


def body_digest(body: str) -> str:
    """What the repeated-post rule looks a text up by (the text itself is compared too)."""
    return hashlib.blake2b(body.encode(), digest_size=16).hexdigest()


def stored_email_hash(config: ServiceConfig, email: str | None) -> str | None:
    return email_hash(config.secret_key, email) if email else None


def avatar_seed(config: ServiceConfig, reader: Reader, email: str | None, name: str) -> str:
    identity = reader.key or (email or "").strip().lower() or name or reader.ip_hash or ""
    return keyed_hash(config.secret_key, "avatar", identity)[:16]
