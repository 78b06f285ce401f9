"""The pages behind the links in e-mails: confirm, unsubscribe, approve / reject.

A GET only shows a page with one button; the POST acts. Mail scanners and link previews fetch
links, and must not confirm, unsubscribe or moderate for anyone. The unsubscribe POST is also
what mail clients send for RFC 8058 one-click unsubscribe (`List-Unsubscribe=One-Click`).
Plain HTML pages (a person follows them from a mail program), so not in the OpenAPI document;
the token in the path is the only credential, hence no-referrer and no-store.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, make_response, render_template, request

from commentsvc.errors import DomainError
from commentsvc.extensions import db
from commentsvc.notify import moderators, setup, subscriptions

bp = Blueprint("mail", __name__, url_prefix="/mail", template_folder="templates")

CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                           "base-uri 'none'; frame-ancestors 'none'")
ACTION_WORDS = {"approve": ("Approve this comment?", "Approve", "Approved: the comment is "
                            "published."),
                "reject": ("Reject this comment?", "Reject", "Rejected: the comment is hidden.")}


def _page(status: int = 200, **values: object) -> Response:
    values.setdefault("message", "")
    response = make_response(render_template("mail/page.html", **values), status)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _failed(title: str, error: DomainError) -> Response:
    db.session.rollback()
    return _page(error.status, title=title, message=error.message, error=True)


@bp.route("/confirm/<string:token>", methods=["GET", "POST"])
def confirm(token: str) -> Response:
    return _subscription_page(
        token, subscriptions.CONFIRM, subscriptions.confirm, title="Confirm e-mails",
        button="Yes, send me these e-mails", question="",
        done="Thank you: your address is confirmed. Every e-mail has a link to unsubscribe.")


@bp.route("/unsubscribe/<string:token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> Response:
    return _subscription_page(
        token, subscriptions.UNSUBSCRIBE, subscriptions.unsubscribe, title="Unsubscribe",
        button="Unsubscribe", question="Stop these e-mails to your address from this site?",
        done="You are unsubscribed: no more of these e-mails will come, and your address has "
             "been deleted.")


def _subscription_page(token: str, purpose: str, act: Callable[..., object], *, title: str,
                       button: str, question: str, done: str) -> Response:
    """GET checks the link and asks; POST acts."""
    secret = setup.service().secret_key
    try:
        if request.method == "GET":
            subscriptions.from_token(db.session, secret, purpose, token)
            db.session.rollback()
            return _page(title=title, button=button, message=question)
        act(db.session, secret, token, setup.now())
    except DomainError as error:
        return _failed(title, error)
    return _page(title=title, message=done)


@bp.route("/moderate/<string:token>", methods=["GET", "POST"])
def moderate(token: str) -> Response:
    title = "Moderate a comment"
    secret = setup.service().secret_key
    try:
        link, action = moderators.link_for(db.session, secret, token)
        question, button, done = ACTION_WORDS[action]
        if request.method == "GET":
            comment = moderators.check_usable(db.session, link)
            quote = comment.body_source
            db.session.rollback()
            return _page(title=question, quote=quote, button=button)
        moderators.act(db.session, secret, token)
    except DomainError as error:
        return _failed(title, error)
    return _page(title=title, message=done)
