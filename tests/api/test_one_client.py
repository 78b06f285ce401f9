"""One client rotating reader tokens can neither buy a score nor hide a comment."""

import jwt
import pytest

from commentsvc.reactions import ANONYMOUS_VOTES_PER_IP
from tests.conftest import THREAD, set_site_settings

ONE_IP = {"REMOTE_ADDR": "198.51.100.9"}
JWT_SECRET = "publisher-secret-0123456789abcdef"


def token(n):
    return {"X-Reader-Token": f"rotating-reader-{n:06}"}


def vote(client, comment_id, value, headers, environ=ONE_IP):
    return client.post(f"/api/v1/comments/{comment_id}/vote", json={"value": value},
                       headers=headers, environ_base=environ)


def flag(client, comment_id, headers, environ=ONE_IP):
    return client.post(f"/api/v1/comments/{comment_id}/flag", json={"reason": "abuse"},
                       headers=headers, environ_base=environ)


def signed_in(sub):
    value = jwt.encode({"sub": sub}, JWT_SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture
def comment(client):
    return client.post("/api/v1/comments", json={**THREAD, "body": "An opinion"},
                       headers={"X-Reader-Token": "author-reader-token"},
                       environ_base={"REMOTE_ADDR": "192.0.2.1"}).json["id"]


def score(client, comment_id):
    return client.get(f"/api/v1/comments/{comment_id}").json["score"]


def test_a_hundred_rotating_tokens_from_one_address_move_the_score_by_the_cap(client, comment):
    statuses = [vote(client, comment, 1, token(n)).status_code for n in range(100)]
    assert statuses == [200] * ANONYMOUS_VOTES_PER_IP + [403] * (100 - ANONYMOUS_VOTES_PER_IP)
    assert score(client, comment) == ANONYMOUS_VOTES_PER_IP


def test_a_vote_over_the_cap_is_refused_with_a_clear_envelope(client, comment):
    for n in range(ANONYMOUS_VOTES_PER_IP):
        vote(client, comment, -1, token(n))
    refused = vote(client, comment, -1, token(99))
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "vote_cap_reached"
    assert "address" in refused.json["error"]["message"]


def test_readers_at_the_cap_can_still_change_and_withdraw_their_votes(client, comment):
    for n in range(ANONYMOUS_VOTES_PER_IP):
        vote(client, comment, 1, token(n))
    assert vote(client, comment, -1, token(0)).json == {"score": 1, "my_vote": -1}
    assert vote(client, comment, 0, token(1)).json == {"score": 0, "my_vote": 0}
    # The withdrawn vote freed its place for another reader at that address.
    assert vote(client, comment, 1, token(50)).status_code == 200


def test_the_cap_is_per_address(client, comment):
    for n in range(ANONYMOUS_VOTES_PER_IP):
        vote(client, comment, 1, token(n))
    other_address = {"REMOTE_ADDR": "203.0.113.4"}
    assert vote(client, comment, 1, token(99), other_address).status_code == 200


def test_signed_in_readers_are_not_capped_by_their_address(app, client, comment):
    set_site_settings(app, {"jwt_secret": JWT_SECRET})
    for n in range(ANONYMOUS_VOTES_PER_IP):
        vote(client, comment, 1, token(n))
    statuses = [vote(client, comment, 1, signed_in(f"user-{n}")).status_code for n in range(5)]
    assert statuses == [200] * 5
    assert score(client, comment) == ANONYMOUS_VOTES_PER_IP + 5


def test_a_hundred_reports_from_one_address_do_not_hide_a_comment(client, comment):
    statuses = [flag(client, comment, token(n)).status_code for n in range(100)]
    assert statuses == [201] * 100
    assert client.get(f"/api/v1/comments/{comment}").status_code == 200


def test_reports_from_distinct_addresses_hide_a_comment(client, comment):
    for n in range(3):
        flag(client, comment, token(n), {"REMOTE_ADDR": f"203.0.113.{n + 1}"})
    assert client.get(f"/api/v1/comments/{comment}").status_code == 404


def test_signed_in_reporters_count_one_each_behind_one_address(app, client, comment):
    set_site_settings(app, {"jwt_secret": JWT_SECRET})
    flag(client, comment, signed_in("user-1"))
    flag(client, comment, signed_in("user-2"))
    assert client.get(f"/api/v1/comments/{comment}").status_code == 200
    flag(client, comment, token(1))
    assert client.get(f"/api/v1/comments/{comment}").status_code == 404


def test_the_limiter_sees_a_signed_in_voter_as_signed_in(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    set_site_settings(app, {"jwt_secret": JWT_SECRET})
    client = app.test_client()
    comment = client.post("/api/v1/comments", json={**THREAD, "body": "An opinion"},
                          headers={"X-Reader-Token": "author-reader-token"},
                          environ_base={"REMOTE_ADDR": "192.0.2.1"}).json["id"]
    statuses = [vote(client, comment, 1, signed_in(f"user-{n}")).status_code
                for n in range(ANONYMOUS_VOTES_PER_IP + 2)]
    assert statuses == [200] * (ANONYMOUS_VOTES_PER_IP + 2)
