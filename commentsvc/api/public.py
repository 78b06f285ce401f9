"""Public routes: what the widget and the count script call."""

from __future__ import annotations

from functools import wraps
from types import SimpleNamespace
from typing import Any

from flask import Response, current_app, request
from flask_smorest import Blueprint

from commentsvc import live, posting, reactions, render, threads
from commentsvc.api import counts_cache, page_cache, quick_query, quota, reads
from commentsvc.api.requests import (
    bearer_token,
    client_ip,
    current_reader,
    rate_limit_reader_key,
    reader_key_for_reading,
    service_config,
)
from commentsvc.errors import Invalid, NotFound
from commentsvc.extensions import db, limiter
from commentsvc.identity import Reader, identicon_svg
from commentsvc.notify import setup as mail_setup
from commentsvc.notify import subscriptions
from commentsvc.schemas import (
    ArticleRef,
    CommentOut,
    CountsOut,
    CountsQuery,
    EditIn,
    FlagIn,
    FlagReceivedOut,
    NewCommentIn,
    OwnVotesOut,
    PageOut,
    PostedOut,
    PreviewIn,
    PreviewOut,
    RepliesOut,
    RepliesQuery,
    StreamQuery,
    ThreadQuery,
    VoteIn,
    VoteOut,
    normalise_key,
)

blp = Blueprint("public", __name__, url_prefix="/api/v1",
                description="Threads, posting and counts: what the widget uses")


def _limit(name: str) -> Any:
    return lambda: current_app.config[name]


def _succeeded(response: Response) -> bool:
    # Invalid input does not use up a reader's posting quota; a comment the rules refused does.
    if response.status_code == 422 and response.is_json:
        return (response.get_json(silent=True) or {}).get("error", {}).get("code") == (
            "comment_rejected")
    return response.status_code < 400


def _while_limits_are_on(limit: Any) -> Any:
    """flask-limiter's decorator, not even entered while limits are off: it would find no limit
    to apply, after a tenth of a cached read's time spent looking."""
    def decorator(view: Any) -> Any:
        limited = limit(view)

        @wraps(view)
        def maybe_limited(*args: Any, **kwargs: Any) -> Any:
            return (limited if limiter.enabled else view)(*args, **kwargs)

        return maybe_limited

    return decorator


read_limit = _while_limits_are_on(limiter.shared_limit(
    _limit("COMMENTSVC_RATELIMIT_READ_IP"), scope="read", key_func=client_ip))
# Counted before the view runs, so bursts cannot overshoot; given back by _give_back_unused.
POSTING_SCOPES = ("post-reader", "post-ip")
post_reader_limit = limiter.shared_limit(
    _limit("COMMENTSVC_RATELIMIT_POST_READER"), scope="post-reader",
    key_func=rate_limit_reader_key,
)
post_ip_limit = limiter.shared_limit(_limit("COMMENTSVC_RATELIMIT_POST_IP"), scope="post-ip",
                                     key_func=client_ip)
# Votes and reports are cheap to send and change what others see: their own limits, counted
# for every attempt.
vote_reader_limit = limiter.shared_limit(_limit("COMMENTSVC_RATELIMIT_VOTE_READER"),
                                         scope="vote-reader", key_func=rate_limit_reader_key)
vote_ip_limit = limiter.shared_limit(_limit("COMMENTSVC_RATELIMIT_VOTE_IP"), scope="vote-ip",
                                     key_func=client_ip)
flag_reader_limit = limiter.shared_limit(_limit("COMMENTSVC_RATELIMIT_FLAG_READER"),
                                         scope="flag-reader", key_func=rate_limit_reader_key)
flag_ip_limit = limiter.shared_limit(_limit("COMMENTSVC_RATELIMIT_FLAG_IP"), scope="flag-ip",
                                     key_func=client_ip)


@blp.after_request
def _give_back_unused(response: Response) -> Response:
    # Runs before the limiter's app-wide hook, so the RateLimit-* headers see the refund.
    if not _succeeded(response):
        quota.give_back(POSTING_SCOPES)
    return response


@blp.route("/comments", methods=["GET"])
@reads.read_only
@read_limit
@quick_query.query_arguments(blp, ThreadQuery(), quick_query.thread_query)
@blp.response(200, PageOut)
def list_comments(args: dict) -> Response:
    """One page of a thread: top-level comments by keyset cursor, each with its first replies.

    Pinned comments lead the first page. Answers carry an ETag; pages are served from a cache
    keyed by the thread's version, so a busy thread costs one small query per read."""
    site, article, config = args["site"], args["article"], service_config()
    head = reads.read(lambda c: threads.thread_head(c, config, site, article))
    options = {"sort": args["sort"], "limit": args["limit"], "cursor": args["cursor"]}

    def build() -> bytes:
        # Compact, as Flask writes every other answer (marshmallow's default adds spaces).
        page = threads.thread_page(db.session, head, **options)
        return PageOut().dumps(page, separators=(",", ":")).encode()

    if head.version is None:  # no comment yet: nothing worth caching
        return page_cache.json_response(build())
    # The host is in the key because avatar URLs in the page are absolute.
    key = (head.version, head.display_depth, request.scheme, request.host, *options.values())
    return page_cache.serve(current_app.extensions["commentsvc_pages"], key, build)


# One server-sent event, as OpenAPI tools (and the fuzz test) read a text/event-stream.
SSE_EVENT = {"type": "object", "properties": {
    "event": {"type": "string"}, "data": {"type": "string"}, "id": {"type": "string"},
    "retry": {"type": "integer"}}}


@blp.route("/stream", methods=["GET"])
@read_limit
@blp.arguments(StreamQuery(), location="query", error_status_code=400)
@blp.doc(responses={"200": {"description": (
    "Server-sent events: `comment`, `edited`, `removed` (data: the comment's `id`, "
    "`parent_id` and the thread `version`; the event id is the version). Resume with "
    "`Last-Event-ID` or `since`. Answered at once (then reconnect) unless a stream server "
    "runs: see `307`."), "content": {"text/event-stream": {"schema": SSE_EVENT}}},
    "307": {"description": "Streams are served by the live-stream server named in Location"}})
def stream(args: dict) -> Response:
    """Live changes to a thread as `text/event-stream`; resumable without loss."""
    target = live_stream_url()
    if target:
        query = request.query_string.decode()
        response = Response(status=307, headers={"Location": f"{target}/api/v1/stream?{query}",
                                                 "Cache-Control": "no-store"})
        return response
    found, article_id, version = live.article_of(db.session, args["site"], args["article"])
    if not found:
        raise NotFound(f"no site called {args['site']!r}", code="site_not_found")
    since = args["since"] if args["since"] is not None else last_event_id()
    changes = []
    if since is not None and article_id is not None:
        changes = live.changes_since(db.session, article_id, since)
    body = live.ready(version if since is None else min(since, version), live.RETRY_MS)
    body += "".join(c.sse() for c in changes)
    # Votes move the version too, without an event: the next reconnect starts from here.
    body += f"id: {max([version, *(c.version for c in changes)])}\n\n"
    return Response(body, mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def last_event_id() -> int | None:
    raw = request.headers.get("Last-Event-ID", "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def live_stream_url() -> str:
    """Where browsers find the stream server: the configured URL, or serve's own process."""
    config = current_app.config
    if config["COMMENTSVC_LIVE_URL"]:
        return config["COMMENTSVC_LIVE_URL"]
    port = config.get("COMMENTSVC_LIVE_SERVED_PORT")
    if not port:
        return ""
    host = request.host
    if not host.endswith("]") and ":" in host:
        host = host.rpartition(":")[0]
    return f"{request.scheme}://{host}:{port}"


@blp.route("/comments", methods=["POST"])
@post_reader_limit
@post_ip_limit
@blp.arguments(NewCommentIn())
@blp.response(201, PostedOut)
@blp.alt_response(202, schema=PostedOut, description="Held for moderation")
def post_comment(data: dict) -> tuple[SimpleNamespace, int]:
    """Post a comment, or a reply with `parent_id`. 201 when published, 202 when held."""
    notify, lang = data.pop("notify_replies"), data.pop("lang")
    reader = current_reader(data["site"])
    address = data["author_email"] or reader.email
    if notify and not address:
        raise Invalid("author_email", "an e-mail address is needed to hear of replies",
                      code="email_required")
    config = service_config()
    posted = posting.create(db.session, config, reader, posting.NewComment(**data))
    if notify:
        subscriptions.watch_replies(db.session, config.secret_key, posted.comment, address,
                                    lang or "", config.now(), mail_setup.base_url())
    view = SimpleNamespace(
        comment=posted.comment, depth=posted.display_depth, replies=[], replies_cursor=None,
        replies_remaining=0, thread_cursor=None, edit_token=posted.edit_token,
        public_status=posted.public_status, editable_until=posted.editable_until,
    )
    return view, 201 if posted.public_status == "approved" else 202


@blp.route("/comments/<id:comment_id>", methods=["GET"])
@read_limit
@blp.response(200, CommentOut)
def get_comment(comment_id: int) -> threads.Node:
    """One comment, for permalinks."""
    return threads.single_comment(db.session, service_config(), comment_id)


@blp.route("/comments/<id:comment_id>", methods=["PATCH"])
@post_ip_limit
@blp.arguments(EditIn())
@blp.response(200, CommentOut)
def edit_comment(data: dict, comment_id: int) -> threads.Node:
    """Edit your own comment within the edit window (`Authorization: Bearer <edit_token>`)."""
    config = service_config()
    comment = posting.edit(db.session, config, comment_id, bearer_token(), data["body"])
    node = threads.as_node(db.session, config, comment)
    node.public_status = posting.public_status(comment)
    return node


@blp.route("/comments/<id:comment_id>", methods=["DELETE"])
@post_ip_limit
@blp.response(204)
def delete_comment(comment_id: int) -> None:
    """Delete your own comment within the edit window. With replies it stays as "[deleted]"."""
    posting.delete(db.session, service_config(), comment_id, bearer_token())


@blp.route("/comments/<id:comment_id>/replies", methods=["GET"])
@read_limit
@blp.arguments(RepliesQuery(), location="query", error_status_code=400)
@blp.response(200, RepliesOut)
def list_replies(args: dict, comment_id: int) -> threads.RepliesPage:
    """More replies under a comment, oldest first; each one's `parent_id` says where it goes."""
    return threads.replies_page(db.session, service_config(), comment_id,
                                limit=args["limit"], cursor=args["cursor"])


@blp.route("/votes", methods=["GET"])
@read_limit
@blp.arguments(ArticleRef(), location="query", error_status_code=400)
@blp.response(200, OwnVotesOut)
def own_votes(args: dict) -> tuple[dict, int, dict]:
    """This reader's votes in a thread, so pages themselves stay the same for everyone."""
    key = reader_key_for_reading(args["site"])
    votes = reactions.own_votes(db.session, args["site"], args["article"], key)
    # One reader's answer: no shared cache may keep it, and it is not worth a browser's.
    return {"votes": votes}, 200, {"Cache-Control": "private, no-store"}


@blp.route("/comments/<id:comment_id>/vote", methods=["POST"])
@vote_reader_limit
@vote_ip_limit
@blp.arguments(VoteIn())
@blp.response(200, VoteOut)
def vote(data: dict, comment_id: int) -> reactions.VoteResult:
    """Vote +1 or -1 on a comment, or 0 to take your vote back; one vote per reader."""
    return reactions.vote(db.session, service_config(), _reader_of(comment_id), comment_id,
                          data["value"])


@blp.route("/comments/<id:comment_id>/flag", methods=["POST"])
@flag_reader_limit
@flag_ip_limit
@blp.arguments(FlagIn())
@blp.response(201, FlagReceivedOut)
def flag(data: dict, comment_id: int) -> dict:
    """Report a comment to the moderators, once per reader."""
    count = reactions.flag(db.session, service_config(), _reader_of(comment_id), comment_id,
                           data["reason"], data["note"])
    return {"flag_count": count}


def _reader_of(comment_id: int) -> Reader:
    """The reader, with a JWT checked against the site of the comment acted upon."""
    return current_reader(threads.site_key_of(db.session, comment_id))


@blp.route("/preview", methods=["POST"])
@read_limit
@blp.arguments(PreviewIn())
@blp.response(200, PreviewOut)
def preview(data: dict) -> dict:
    """Render a body exactly as it would be stored, without saving it."""
    return {"html": render.to_html(data["body"])}


@blp.route("/counts", methods=["GET"])
@reads.read_only
@read_limit
@quick_query.query_arguments(blp, CountsQuery, quick_query.counts_query)
@blp.response(200, CountsOut)
def counts(args: dict) -> Response:
    """Approved-comment counts for many articles of one site, for listing pages.

    Answers carry an ETag of the counts themselves and a short shared-cache lifetime."""
    # Looked up under the normalised keys, answered under the keys the client sent.
    keys = {sent: normalise_key(sent) for sent in args["article"]}
    site, wanted = args["site"], tuple(sorted(set(keys.values())))
    found = counts_cache.cached((site, wanted),
                                lambda: reads.read(lambda c: threads.counts(c, site, wanted)))
    answer = {sent: found[key] for sent, key in keys.items()}
    etag = page_cache.etag_of((site, *answer.items()))
    unchanged = page_cache.not_modified(etag)
    if unchanged is not None:
        return unchanged
    # What CountsOut would dump (str keys, int counts), without a marshmallow round trip.
    response = current_app.json.response({"counts": answer})
    response.headers["ETag"] = f'"{etag}"'
    response.headers["Cache-Control"] = page_cache.shared_cache_control()
    return response


@blp.route("/avatars/<string:seed>.svg", methods=["GET"])
@blp.doc(responses={"200": {"description": "An SVG image", "content": {
    "image/svg+xml": {"schema": {"type": "string"}}}}})
def avatar(seed: str) -> Response:
    """A generated identicon: avatars never come from a third party."""
    response = Response(identicon_svg(seed[:32]), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response

