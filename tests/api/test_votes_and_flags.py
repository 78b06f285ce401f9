import pytest

from tests.api.admin_support import bearer, keys  # noqa: F401
from tests.conftest import THREAD, post, set_site_settings

AUTHOR, READER, OTHER = ({"X-Reader-Token": f"{t}-reader-token"}
                         for t in ("author", "reader", "other"))


def vote(client, comment_id, value, headers=READER):
    return client.post(f"/api/v1/comments/{comment_id}/vote", json={"value": value},
                       headers=headers)


def own_votes(client, headers=READER):
    response = client.get("/api/v1/votes", query_string=THREAD, headers=headers)
    assert response.status_code == 200
    return response.json["votes"]


def flag(client, comment_id, headers=READER, reason="abuse", note="", ip="127.0.0.1"):
    return client.post(f"/api/v1/comments/{comment_id}/flag",
                       json={"reason": reason, "note": note}, headers=headers,
                       environ_base={"REMOTE_ADDR": ip})


@pytest.fixture
def comment(client):
    return post(client, headers=AUTHOR).json["id"]


def test_a_vote_moves_the_score_and_is_remembered(client, comment):
    assert vote(client, comment, 1).json == {"score": 1, "my_vote": 1}
    assert vote(client, comment, 1, OTHER).json == {"score": 2, "my_vote": 1}
    shown = client.get("/api/v1/comments", query_string=THREAD, headers=READER).json
    assert shown["comments"][0]["score"] == 2
    assert own_votes(client) == {str(comment): 1}


def test_voting_again_changes_the_vote_instead_of_adding_one(client, comment):
    vote(client, comment, 1)
    vote(client, comment, 1)
    assert vote(client, comment, -1).json == {"score": -1, "my_vote": -1}


def test_a_zero_vote_takes_it_back(client, comment):
    vote(client, comment, -1)
    assert vote(client, comment, 0).json == {"score": 0, "my_vote": 0}
    assert own_votes(client) == {}


def test_the_top_sort_follows_votes(client, clock):
    first = post(client, headers=AUTHOR).json["id"]
    clock.advance(seconds=1)
    second = post(client, headers=AUTHOR).json["id"]
    vote(client, second, 1)
    top = client.get("/api/v1/comments", query_string={**THREAD, "sort": "top"}).json
    assert [c["id"] for c in top["comments"]] == [second, first]


@pytest.mark.parametrize("value", [2, -2, "1", None, 0.5])
def test_a_vote_must_be_one_minus_one_or_zero(client, comment, value):
    assert vote(client, comment, value).status_code == 422


def test_voting_needs_a_reader_token(client, comment):
    response = vote(client, comment, 1, headers={})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "reader_required"


def test_you_cannot_vote_on_your_own_comment(client, comment):
    assert vote(client, comment, 1, AUTHOR).status_code == 403


def test_voting_on_a_missing_comment_is_404(client):
    assert vote(client, 999999, 1).status_code == 404


def test_a_report_reaches_the_flagged_queue_with_its_note(client, comment, keys):  # noqa: F811
    assert flag(client, comment, note="insults people").status_code == 201
    flag(client, comment, OTHER, reason="spam")
    queue = client.get("/api/v1/admin/comments", query_string={"site": "default",
                                                               "status": "flagged"},
                       headers=bearer(keys.moderator)).json["comments"]
    assert queue[0]["flag_count"] == 2
    assert {(f["reason"], f["note"]) for f in queue[0]["flags"]} == {
        ("abuse", "insults people"), ("spam", "")}


def test_the_flagged_queue_shows_the_most_reported_first(client, keys):  # noqa: F811
    once = post(client, headers=AUTHOR).json["id"]
    twice = post(client, headers=AUTHOR).json["id"]
    flag(client, once)
    flag(client, twice)
    flag(client, twice, OTHER)
    queue = client.get("/api/v1/admin/comments", query_string={"site": "default",
                                                               "status": "flagged"},
                       headers=bearer(keys.moderator)).json["comments"]
    assert [c["id"] for c in queue] == [twice, once]


def test_reporting_twice_is_409(client, comment):
    flag(client, comment)
    assert flag(client, comment).status_code == 409


def test_an_unknown_reason_is_422(client, comment):
    assert flag(client, comment, reason="boring").status_code == 422


def test_enough_reports_hide_a_comment_until_a_moderator_decides(app, client, comment,
                                                                 keys):  # noqa: F811
    set_site_settings(app, {"flag_threshold": 2})
    flag(client, comment)
    assert client.get(f"/api/v1/comments/{comment}").status_code == 200
    flag(client, comment, OTHER, ip="203.0.113.2")  # reporters count by address
    assert client.get(f"/api/v1/comments/{comment}").status_code == 404
    held = client.get("/api/v1/admin/comments", query_string={"site": "default"},
                      headers=bearer(keys.moderator)).json["comments"]
    assert held[0]["moderation_reason"] == "2 open reports"
    client.post(f"/api/v1/admin/comments/{comment}/moderate", json={"action": "approve"},
                headers=bearer(keys.moderator))
    assert client.get(f"/api/v1/comments/{comment}").status_code == 200
    flagged = client.get("/api/v1/admin/comments", query_string={"site": "default",
                                                                 "status": "flagged"},
                         headers=bearer(keys.moderator)).json["comments"]
    assert flagged == []


def test_an_expired_sign_in_does_not_stop_a_reader_from_reading(client, comment):
    headers = {"Authorization": "Bearer a.b.c", **READER}
    vote(client, comment, 1)
    assert client.get("/api/v1/comments", query_string=THREAD, headers=headers).status_code == 200
    assert own_votes(client, headers) == {str(comment): 1}


def test_a_reader_without_a_token_has_no_votes(client, comment):
    assert own_votes(client, {}) == {}
