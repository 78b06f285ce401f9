"""Reader keys cannot be forged: anonymous tokens and signed-in readers never share a key."""

import jwt
import pytest

from commentsvc.identity import anonymous_reader, signed_in_reader_key
from tests.api.admin_support import bearer, keys  # noqa: F401
from tests.conftest import THREAD, post, set_site_settings

JWT_SECRET = "publisher-secret-0123456789abcdef"
SPOOF = {"X-Reader-Token": "jwt:default:alice"}  # the old hash input of signed-in "alice"
SPOOFER = {"X-Reader-Token": "spoofer-reader-token-0001"}


@pytest.fixture
def signed_in(app):
    set_site_settings(app, {"jwt_secret": JWT_SECRET, "moderation": "first"})
    token = jwt.encode({"sub": "alice", "name": "Alice"}, JWT_SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def vote(client, comment_id, value, headers):
    return client.post(f"/api/v1/comments/{comment_id}/vote", json={"value": value},
                       headers=headers)


def test_a_crafted_token_cannot_see_or_flip_a_signed_in_readers_vote(client, app, signed_in):
    set_site_settings(app, {"jwt_secret": JWT_SECRET})
    comment = post(client, headers={"X-Reader-Token": "author-reader-token-01"}).json["id"]
    assert vote(client, comment, 1, signed_in).json == {"score": 1, "my_vote": 1}
    seen = client.get("/api/v1/votes", query_string=THREAD, headers=SPOOF)
    assert seen.status_code == 200
    assert seen.json["votes"] == {}
    flipped = vote(client, comment, -1, SPOOF)
    assert flipped.status_code == 400
    assert flipped.json["error"]["code"] == "invalid_reader_token"
    mine = client.get("/api/v1/votes", query_string=THREAD, headers=signed_in).json["votes"]
    assert mine == {str(comment): 1}


def test_a_crafted_token_does_not_inherit_first_comment_trust(client, app, keys,  # noqa: F811
                                                              signed_in):
    held = post(client, headers=signed_in)
    assert held.status_code == 202
    client.post(f"/api/v1/admin/comments/{held.json['id']}/moderate",
                json={"action": "approve"}, headers=bearer(keys.moderator))
    assert post(client, headers=signed_in).status_code == 201
    refused = post(client, headers=SPOOF)
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "invalid_reader_token"
    assert post(client, headers=SPOOFER).status_code == 202


def test_a_reader_ban_on_a_spoofer_does_not_ban_the_signed_in_reader(client, keys,  # noqa: F811
                                                                     signed_in):
    set_site_settings(client.application, {"jwt_secret": JWT_SECRET})
    spoofed = post(client, headers=SPOOFER).json["id"]
    banned = client.post("/api/v1/admin/bans", headers=bearer(keys.moderator),
                         json={"site": "default", "comment_id": spoofed, "by": ["reader"]})
    assert banned.status_code == 201
    assert post(client, headers=SPOOFER).status_code == 403
    assert post(client, headers=signed_in).status_code == 201


@pytest.mark.parametrize("token", ["jwt:default:alice", "short", "x" * 129, "has space inside!!",
                                   "ünïcödé-reader-token", "a.b.c-reader-token-0"])
def test_reader_tokens_that_the_widget_would_never_make_are_400(client, token):
    response = post(client, headers={"X-Reader-Token": token})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_reader_token"
    flag = client.post("/api/v1/comments/1/flag", json={"reason": "spam"},
                       headers={"X-Reader-Token": token})
    assert flag.status_code in {400, 404}


def test_a_malformed_token_only_means_no_reader_when_reading(client):
    response = client.get("/api/v1/votes", query_string=THREAD,
                          headers={"X-Reader-Token": "jwt:default:alice"})
    assert response.status_code == 200
    assert response.json["votes"] == {}


def test_a_widget_token_is_accepted(client):
    assert post(client, headers={"X-Reader-Token": "Ab3_-" * 6 + "xy"}).status_code == 201


def test_anonymous_and_signed_in_keys_live_in_separate_hash_spaces():
    secret = "test-secret"
    token = "jwtdefaultalice0"
    assert anonymous_reader(secret, token, None).key != signed_in_reader_key(secret, "default",
                                                                             "alice")
    # Site and subject are bound unambiguously: no splitting of one string two ways collides.
    assert signed_in_reader_key(secret, "a:b", "c") != signed_in_reader_key(secret, "a", "b:c")
