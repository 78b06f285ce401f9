"""Every change readers could see is announced as a CommentChanged, after its commit.

Live updates, e-mails and webhooks hear these; a change that is not announced would be missed
by all three, so each kind of write is checked here through the HTTP API."""

from __future__ import annotations

import pytest

from commentsvc import events
from commentsvc.extensions import db
from commentsvc.models import Comment
from tests.api.admin_support import bearer, keys  # noqa: F401 (fixture)
from tests.conftest import post

READER = {"X-Reader-Token": "reader-events-token-0"}


@pytest.fixture
def changes():
    got: list[events.Event] = []
    events.listen(got.append)
    yield lambda: [(e.comment_id, e.change, e.status, e.before) for e in got
                   if isinstance(e, events.CommentChanged)]
    events._listeners.remove(got.append)


def test_a_post_a_reply_an_edit_and_a_deletion_are_announced(client, changes):
    top = post(client).json
    reply = post(client, parent_id=top["id"]).json
    token = {"Authorization": f"Bearer {reply['edit_token']}"}
    assert client.patch(f"/api/v1/comments/{reply['id']}", json={"body": "Better words"},
                        headers=token).status_code == 200
    assert client.delete(f"/api/v1/comments/{reply['id']}", headers=token).status_code == 204
    assert changes() == [(top["id"], "created", "approved", None),
                         (reply["id"], "created", "approved", None),
                         (reply["id"], "edited", "approved", None),
                         (reply["id"], "status", "deleted", "approved")]


def test_moderation_reports_and_pins_are_announced(client, keys, changes):  # noqa: F811
    comment = post(client).json
    url = f"/api/v1/admin/comments/{comment['id']}/moderate"
    for action in ("reject", "approve", "pin"):
        assert client.post(url, json={"action": action},
                           headers=bearer(keys.moderator)).status_code == 200
    assert client.post(f"/api/v1/comments/{comment['id']}/flag", json={"reason": "spam"},
                       headers=READER).status_code in (200, 201)
    assert changes()[1:] == [(comment["id"], "status", "rejected", "approved"),
                             (comment["id"], "status", "approved", "rejected"),
                             (comment["id"], "pinned", "approved", None),
                             (comment["id"], "flagged", "approved", None)]


def test_a_post_that_fails_to_commit_is_never_announced(app, changes):
    with app.app_context():
        db.session.connection()
        events.note(db.session, events.CommentChanged(1, 1, "created", "approved"))
        db.session.rollback()
        db.session.commit()
    assert changes() == []


def test_a_listener_in_the_transaction_hears_the_change_with_its_session(client):
    heard = []

    def listener(session, event):
        if isinstance(event, events.CommentChanged):
            heard.append((session.get(Comment, event.comment_id).status, event.change))

    events.listen_in_transaction(listener)
    try:
        post(client)
    finally:
        events._in_transaction.remove(listener)
    assert heard == [("approved", "created")]


def test_every_listener_hears_the_changes_without_failing(client, caplog):
    post(client)
    assert "listener" not in caplog.text
