"""marshmallow schemas for requests and responses; they also make the OpenAPI document."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from flask import url_for
from marshmallow import Schema, ValidationError, fields, validate

from commentsvc.cursors import INT_MAX as MAX_ID
from commentsvc.models import APPROVED, FLAG_REASONS, PENDING
from commentsvc.render import clean_text
from commentsvc.threads import SORTS

BODY_MAX, NAME_MAX, ARTICLE_MAX, SITE_MAX = 10_000, 80, 512, 64


class CleanText(fields.String):
    """Text from a reader: normalised (NFC, no controls or bidi overrides) before validation."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return clean_text(super()._deserialize(value, attr, data, **kwargs))


class UTCTime(fields.DateTime):
    """ISO 8601 in UTC with a Z, as the API contract shows."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be empty")


def _http_url(value: str) -> None:
    if not value.lower().startswith(("http://", "https://")):
        raise ValidationError("must be an http or https URL")


def normalise_key(value: str) -> str:
    """The one normalisation of site and article keys, on every route that takes them: a key a
    widget can post under (posting stores it cleaned) is the key it reads back by."""
    return clean_text(value)


class Key(fields.String):
    """A site or article key, normalised by normalise_key before validation."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return normalise_key(super()._deserialize(value, attr, data, **kwargs))


def site_field(**kwargs: Any) -> Key:
    # The example is the site every installation starts with (it also guides the fuzz test).
    return Key(validate=validate.Length(min=1, max=SITE_MAX), metadata={"example": "default"},
               **kwargs)


def article_field(**kwargs: Any) -> Key:
    return Key(validate=[_not_blank, validate.Length(max=ARTICLE_MAX)],
               metadata={"example": "news-42"}, **kwargs)


def id_field(**kwargs: Any) -> fields.Integer:
    """An id in a body: one that fits the id columns, else 422 naming the field."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class Body(CleanText):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=True, validate=[_not_blank, validate.Length(max=BODY_MAX)],
                         metadata={"description": "Markdown: emphasis, code, quotes, lists, links",
                                   "example": "Thanks, *very* clear."},
                         **kwargs)


# --- requests -------------------------------------------------------------------------------

PAGE_LIMIT_MAX = 100  # comments per page a client may ask for
COUNTS_ARTICLES_MAX = 200  # articles one counts request may name


class ThreadQuery(Schema):
    site = site_field(required=True)
    article = article_field(required=True)
    sort = fields.String(load_default="oldest", validate=validate.OneOf(SORTS))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=PAGE_LIMIT_MAX))
    cursor = fields.String(load_default=None)


class ArticleRef(Schema):
    site = site_field(required=True)
    article = article_field(required=True)


class FeedQuery(Schema):
    site = site_field(required=True)
    article = Key(load_default=None, validate=[_not_blank, validate.Length(max=ARTICLE_MAX)],
                  metadata={"example": "news-42", "description":
                            "One thread's feed; without it, the site's latest comments"})


class StreamQuery(Schema):
    site = site_field(required=True)
    article = article_field(required=True)
    # The thread version the reader has (a page's article.version, or the last event id).
    since = fields.Integer(load_default=None, validate=validate.Range(min=0, max=2**31 - 1))


class RepliesQuery(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=PAGE_LIMIT_MAX))
    cursor = fields.String(load_default=None)


class CountsQuery(Schema):
    """Articles stay as the client spelled them: count.js looks answers up by its own keys."""

    site = site_field(required=True)
    article = fields.List(
        fields.String(validate=validate.Length(min=1, max=ARTICLE_MAX)),
        required=True, validate=validate.Length(min=1, max=COUNTS_ARTICLES_MAX),
    )


class NewCommentIn(Schema):
    site = site_field(required=True)
    article = article_field(required=True)
    parent_id = id_field(load_default=None, allow_none=True)
    body = Body()
    author_name = CleanText(load_default=None, allow_none=True,
                            validate=validate.Length(max=NAME_MAX))
    author_email = fields.Email(load_default=None, allow_none=True,
                                validate=validate.Length(max=254),
                                metadata={"description": "stored only as a keyed hash"})
    article_title = CleanText(load_default=None, allow_none=True,
                              validate=validate.Length(max=300))
    article_url = fields.String(load_default=None, allow_none=True,
                                validate=[validate.Length(max=2048), _http_url])
    honeypot = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(max=500),
                             metadata={"description": "a form field hidden from people; "
                                       "bots fill it in"})
    notify_replies = fields.Boolean(
        load_default=False,
        metadata={"description": "e-mail the author when someone replies (needs `author_email` "
                  "or a signed-in reader's e-mail); the address confirms once per site first"})
    lang = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=16),
                         metadata={"description": "the reader's language, for e-mails "
                                   "(en, de; others get English)", "example": "en"})
    form_seconds = fields.Float(load_default=None, allow_none=True,
                                validate=validate.Range(min=0, max=10**7),
                                metadata={"description": "seconds between showing the form "
                                          "and sending it, as the widget measured"})


class EditIn(Schema):
    body = Body()


class PreviewIn(Schema):
    body = Body()


# --- responses ------------------------------------------------------------------------------

class AuthorOut(Schema):
    name = fields.String()
    avatar_url = fields.String()
    verified = fields.Boolean()


class CommentOut(Schema):
    """A comment as the public sees it; removed comments keep their place but not their words."""

    id = fields.Integer(attribute="comment.id")
    parent_id = fields.Integer(attribute="comment.parent_id", allow_none=True)
    root_id = fields.Integer(attribute="comment.root_id", allow_none=True)
    depth = fields.Integer()
    status = fields.Method("dump_status", metadata={"type": "string"})
    author = fields.Method("dump_author", allow_none=True,
                           metadata={"type": "object", "nullable": True})
    html = fields.Method("dump_html", metadata={"type": "string"})
    created_at = UTCTime(attribute="comment.created_at")
    edited_at = UTCTime(attribute="comment.edited_at", allow_none=True)
    score = fields.Integer(attribute="comment.score")
    reply_count = fields.Integer(attribute="comment.reply_count")
    pinned = fields.Boolean(attribute="comment.pinned")
    replies = fields.List(fields.Nested(lambda: CommentOut()))
    replies_cursor = fields.String(allow_none=True)
    replies_remaining = fields.Integer()
    thread_cursor = fields.String(
        allow_none=True,
        metadata={"description": "single-comment answers only: the `cursor` (sort=oldest) of "
                  "the thread page that starts with this comment's top-level comment"},
    )

    def dump_status(self, node: Any) -> str:
        return getattr(node, "public_status", None) or node.comment.status

    def dump_author(self, node: Any) -> dict[str, Any] | None:
        comment = node.comment
        if not _shows_content(node):
            return None
        avatar = comment.author_avatar or url_for(
            "public.avatar", seed=comment.avatar_seed, _external=True
        )
        return {"name": comment.author_name, "avatar_url": avatar,
                "verified": comment.author_verified}

    def dump_html(self, node: Any) -> str:
        return node.comment.body_html if _shows_content(node) else ""


def _shows_content(node: Any) -> bool:
    status = getattr(node, "public_status", None) or node.comment.status
    return status in {APPROVED, PENDING}


class PostedOut(CommentOut):
    edit_token = fields.String(metadata={"description": "shown once; send as Bearer to edit"})
    editable_until = UTCTime(metadata={"description": "edit and delete work until then"})


class ArticleOut(Schema):
    site = fields.String()
    id = fields.String(attribute="key")
    title = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    closed = fields.Boolean()
    comment_count = fields.Integer()
    # The thread's version: a live stream opened with `since` = this misses nothing.
    version = fields.Integer()


class PageOut(Schema):
    article = fields.Nested(ArticleOut)
    comments = fields.List(fields.Nested(CommentOut))
    next_cursor = fields.String(allow_none=True)


class RepliesOut(Schema):
    comments = fields.List(fields.Nested(CommentOut))
    next_cursor = fields.String(allow_none=True)


class VoteIn(Schema):
    value = fields.Integer(required=True, strict=True, validate=validate.OneOf([-1, 0, 1]))


class OwnVotesOut(Schema):
    votes = fields.Dict(keys=fields.String(), values=fields.Integer(),
                        metadata={"description": "comment id -> 1 or -1"})


class VoteOut(Schema):
    score = fields.Integer()
    my_vote = fields.Integer()


class FlagIn(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(FLAG_REASONS))
    note = CleanText(load_default="", validate=validate.Length(max=500))


class FlagReceivedOut(Schema):
    flag_count = fields.Integer(metadata={"description": "open reports on this comment"})


class PreviewOut(Schema):
    html = fields.String()


class CountsOut(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class HealthOut(Schema):
    status = fields.String()



class ReadyOut(Schema):
    status = fields.String()
    checked = fields.List(fields.String())
