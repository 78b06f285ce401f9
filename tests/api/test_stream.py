"""GET /api/v1/stream: a thread's changes as server-sent events, resumable without loss.

Here the app answers a stream at once (what changed since the version given, then the browser
reconnects); the long-lived stream server sends the same events (tests/integration/test_live.py).
"""

from __future__ import annotations

import json

import pytest

from commentsvc import events, live
from tests.api.admin_support import bearer, keys  # noqa: F401 (fixture)
from tests.conftest import THREAD, post, set_site_settings


def stream(client, since=None, headers=None, **query):
    params = {**THREAD, **query}
    if since is not None:
        params["since"] = since
    response = client.get("/api/v1/stream", query_string=params, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/event-stream"
    return parse(response.get_data(as_text=True))


def parse(text: str) -> list[tuple[str, dict | None, str | None]]:
    """(event, data, id) for each dispatched event; id-only blocks as ("", None, id)."""
    out = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines()
                      if ": " in line and not line.startswith(":"))
        if fields:
            data = json.loads(fields["data"]) if "data" in fields else None
            out.append((fields.get("event", ""), data, fields.get("id")))
    return out


def changes(items):
    return [(kind, data["id"]) for kind, data, _ in items if kind in live.KINDS]


def version_of(client) -> int:
    return client.get("/api/v1/comments", query_string=THREAD).json["article"]["version"]


def test_a_stream_without_since_starts_at_the_threads_version(client):
    post(client)
    version = version_of(client)
    items = stream(client)
    assert items[0][:2] == ("ready", {"version": version})
    assert changes(items) == []


def test_a_thread_without_comments_streams_from_version_zero(client):
    assert stream(client, article="nothing-yet")[0][:2] == ("ready", {"version": 0})


def test_new_edited_and_removed_comments_arrive_in_order_with_versions(client):
    since = version_of(client)
    first = post(client).json
    reply = post(client, parent_id=first["id"]).json
    token = {"Authorization": f"Bearer {reply['edit_token']}"}
    client.patch(f"/api/v1/comments/{reply['id']}", json={"body": "Better"}, headers=token)
    client.delete(f"/api/v1/comments/{reply['id']}", headers=token)
    items = stream(client, since=since)
    assert changes(items) == [("comment", first["id"]), ("comment", reply["id"]),
                              ("edited", reply["id"]), ("removed", reply["id"])]
    dispatched = [(d, i) for k, d, i in items if k in live.KINDS]
    assert [d["parent_id"] for d, _ in dispatched] == [None, first["id"], first["id"],
                                                       first["id"]]
    versions = [d["version"] for d, _ in dispatched]
    assert versions == sorted(versions) and [int(i) for _, i in dispatched] == versions
    # The last id the browser keeps is the thread's version now: it resumes from there.
    assert items[-1][2] == str(version_of(client))


@pytest.mark.parametrize("how", ["since", "last-event-id"])
def test_resuming_from_a_version_gets_exactly_what_came_after(client, how):
    post(client)
    middle = version_of(client)
    later = [post(client).json["id"] for _ in range(3)]
    if how == "since":
        items = stream(client, since=middle)
    else:
        items = stream(client, headers={"Last-Event-ID": str(middle)})
    assert changes(items) == [("comment", i) for i in later]


def test_held_comments_never_reach_the_stream(client, app):
    set_site_settings(app, {"moderation": "pre"})
    since = version_of(client)
    held = post(client, "A secret held comment")
    assert held.status_code == 202
    text = client.get("/api/v1/stream", query_string={**THREAD, "since": since}).get_data(
        as_text=True)
    assert changes(parse(text)) == []
    assert "secret" not in text


def test_a_held_comment_arrives_when_a_moderator_publishes_it(client, app, keys):  # noqa: F811
    set_site_settings(app, {"moderation": "pre"})
    held = post(client).json
    since = version_of(client)
    assert client.post(f"/api/v1/admin/comments/{held['id']}/moderate",
                       json={"action": "approve"},
                       headers=bearer(keys.moderator)).status_code == 200
    assert changes(stream(client, since=since)) == [("comment", held["id"])]


def test_a_moderator_removal_of_a_visible_comment_is_streamed(client, keys):  # noqa: F811
    comment = post(client).json
    since = version_of(client)
    client.post(f"/api/v1/admin/comments/{comment['id']}/moderate", json={"action": "reject"},
                headers=bearer(keys.moderator))
    assert changes(stream(client, since=since)) == [("removed", comment["id"])]


def test_votes_and_reports_are_not_stream_events(client):
    comment = post(client).json
    since = version_of(client)
    client.post(f"/api/v1/comments/{comment['id']}/vote", json={"value": 1},
                headers={"X-Reader-Token": "another-reader-token-1"})
    client.post(f"/api/v1/comments/{comment['id']}/flag", json={"reason": "spam"},
                headers={"X-Reader-Token": "another-reader-token-1"})
    assert changes(stream(client, since=since)) == []


def test_a_failed_write_leaves_no_event(app, client):
    from commentsvc.extensions import db
    from commentsvc.models import LiveEvent

    comment = post(client).json
    with app.app_context():
        before = db.session.query(LiveEvent).count()
        events.note(db.session, events.CommentChanged(1, comment["id"], "edited", "approved"))
        db.session.rollback()
        assert db.session.query(LiveEvent).count() == before


@pytest.mark.parametrize("query", [{"since": "-1"}, {"since": "x"}, {"site": ""},
                                   {"article": ""}])
def test_bad_stream_parameters_get_400(client, query):
    response = client.get("/api/v1/stream", query_string={**THREAD, **query})
    assert response.status_code == 400
    assert "error" in response.json


def test_an_unknown_site_gets_404(client):
    response = client.get("/api/v1/stream", query_string={"site": "nope", "article": "a"})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "site_not_found"


def test_with_a_stream_server_the_app_redirects_there(make_app):
    client = make_app(COMMENTSVC_LIVE_URL="https://live.example").test_client()
    response = client.get("/api/v1/stream", query_string={**THREAD, "since": 3})
    assert response.status_code == 307
    assert response.headers["Location"] == (
        "https://live.example/api/v1/stream?site=default&article=news-42&since=3")


def test_serve_s_own_stream_process_is_on_the_same_host(make_app):
    client = make_app(COMMENTSVC_LIVE_SERVED_PORT=8123).test_client()
    response = client.get("/api/v1/stream", query_string=THREAD,
                          base_url="http://news.example:8000")
    assert response.headers["Location"].startswith("http://news.example:8123/api/v1/stream?")


def test_events_older_than_a_day_are_forgotten(app, client):
    from datetime import timedelta

    from commentsvc.extensions import db
    from commentsvc.models import LiveEvent, utcnow

    post(client)
    with app.app_context():
        assert live.forget_old(db.session, utcnow() + timedelta(hours=1)) == 0
        assert live.forget_old(db.session, utcnow() + timedelta(days=2)) == 1
        db.session.commit()
        assert db.session.query(LiveEvent).count() == 0
