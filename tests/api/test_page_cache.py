"""Thread pages are cached by the thread's version: every visible change shows at once."""

import pytest

from tests.api.admin_support import bearer, keys  # noqa: F401
from tests.conftest import THREAD, post, set_site_settings

READER = {"X-Reader-Token": "reader-reader-token-0"}


def page(client):
    response = client.get("/api/v1/comments", query_string=THREAD)
    assert response.status_code == 200
    return response.json


@pytest.fixture
def thread(client):
    first = post(client, "first", headers={"X-Reader-Token": "author-reader-token-0"}).json
    page(client)  # warm the cache
    return first


def moderate(client, keys, comment_id, action):  # noqa: F811
    return client.post(f"/api/v1/admin/comments/{comment_id}/moderate",
                       json={"action": action}, headers=bearer(keys.moderator))


def test_a_new_comment_shows_at_once(client, thread):
    post(client, "second")
    assert len(page(client)["comments"]) == 2


def test_a_reply_shows_at_once(client, thread):
    post(client, "reply", parent_id=thread["id"])
    assert page(client)["comments"][0]["reply_count"] == 1


def test_an_edit_shows_at_once(client, thread):
    client.patch(f"/api/v1/comments/{thread['id']}", json={"body": "changed"},
                 headers=bearer(thread["edit_token"]))
    assert page(client)["comments"][0]["html"] == "<p>changed</p>"


def test_a_deletion_shows_at_once(client, thread):
    client.delete(f"/api/v1/comments/{thread['id']}", headers=bearer(thread["edit_token"]))
    assert page(client)["comments"] == []


def test_a_vote_shows_at_once(client, thread):
    client.post(f"/api/v1/comments/{thread['id']}/vote", json={"value": 1}, headers=READER)
    assert page(client)["comments"][0]["score"] == 1


def test_moderation_shows_at_once(client, thread, keys):  # noqa: F811
    moderate(client, keys, thread["id"], "reject")
    assert page(client)["comments"] == []
    moderate(client, keys, thread["id"], "approve")
    assert len(page(client)["comments"]) == 1


def test_a_pin_shows_at_once(client, thread, keys):  # noqa: F811
    moderate(client, keys, thread["id"], "pin")
    assert page(client)["comments"][0]["pinned"] is True


def test_closing_the_thread_shows_at_once(client, thread, keys):  # noqa: F811
    client.patch("/api/v1/admin/articles", query_string=THREAD, json={"closed": True},
                 headers=bearer(keys.moderator))
    assert page(client)["article"]["closed"] is True


def test_a_comment_hidden_by_reports_disappears_at_once(app, client, thread):
    set_site_settings(app, {"flag_threshold": 1})
    client.post(f"/api/v1/comments/{thread['id']}/flag", json={"reason": "spam"},
                headers=READER)
    assert page(client)["comments"] == []


def test_a_new_display_depth_shows_at_once(app, client, thread):
    parent = thread["id"]
    for _ in range(3):
        parent = post(client, parent_id=parent).json["id"]
    page(client)
    set_site_settings(app, {"display_depth": 1})
    [root] = page(client)["comments"]
    assert [reply["depth"] for reply in root["replies"]] == [1, 1, 1]


def test_an_unchanged_page_answers_304_to_its_etag(client, thread):
    first = client.get("/api/v1/comments", query_string=THREAD)
    etag = first.headers["ETag"]
    again = client.get("/api/v1/comments", query_string=THREAD,
                       headers={"If-None-Match": etag})
    assert again.status_code == 304
    post(client, "news")
    changed = client.get("/api/v1/comments", query_string=THREAD,
                         headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
