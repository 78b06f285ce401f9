import itertools
import json
import re
import subprocess
import sys

import pytest

from commentsvc import posting
from commentsvc.extensions import limiter
from tests.conftest import THREAD


@pytest.fixture
def limited(make_app):
    return make_app(RATELIMIT_ENABLED=True, COMMENTSVC_RATELIMIT_POST_READER="3/minute",
                    COMMENTSVC_RATELIMIT_POST_IP="5/minute",
                    COMMENTSVC_RATELIMIT_READ_IP="4/minute").test_client()


_bodies = itertools.count()


def post_as(client, reader, ip="198.51.100.1", **extra):
    body = f"hi number {next(_bodies)}"
    return client.post("/api/v1/comments", json={**THREAD, "body": body, **extra},
                       headers={"X-Reader-Token": reader, **extra.pop("headers", {})},
                       environ_base={"REMOTE_ADDR": ip})


def test_a_reader_over_the_posting_limit_gets_429_with_retry_after(limited):
    for _ in range(3):
        assert post_as(limited, "reader-a-token-0000").status_code == 201
    response = post_as(limited, "reader-a-token-0000")
    assert response.status_code == 429
    assert response.json["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["X-RateLimit-Limit"] == "3"
    assert response.headers["RateLimit-Limit"] == "3"
    assert response.headers["RateLimit-Remaining"] == "0"
    assert 0 <= int(response.headers["RateLimit-Reset"]) <= 60


def test_the_posting_limit_is_per_reader(limited):
    for _ in range(3):
        post_as(limited, "reader-a-token-0000")
    assert post_as(limited, "reader-b-token-0000").status_code == 201


def test_the_per_ip_limit_catches_readers_who_change_tokens(limited):
    statuses = [post_as(limited, f"rotating-reader-{n}").status_code for n in range(6)]
    assert statuses == [201] * 5 + [429]


def test_invalid_posts_do_not_use_up_the_quota(limited):
    for _ in range(10):
        assert post_as(limited, "reader-a-token-0000", body="").status_code == 422
    assert post_as(limited, "reader-a-token-0000").status_code == 201


def test_reads_are_limited_per_ip(limited):
    statuses = [limited.get("/api/v1/comments", query_string=THREAD,
                            environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code
                for _ in range(5)]
    assert statuses == [200] * 4 + [429]


def test_successful_answers_carry_ratelimit_headers_but_no_retry_after(limited):
    response = post_as(limited, "reader-a-token-0000")
    assert response.headers["RateLimit-Remaining"]
    assert "Retry-After" not in response.headers


def test_x_forwarded_for_cannot_spoof_the_client_ip_without_trusted_proxies(limited):
    statuses = [
        limited.post("/api/v1/comments", json={**THREAD, "body": f"hi {n}"},
                     headers={"X-Reader-Token": f"rotating-{n:09}",
                              "X-Forwarded-For": f"203.0.113.{n}"},
                     environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code
        for n in range(6)
    ]
    assert statuses[-1] == 429


def test_x_forwarded_for_is_believed_behind_a_trusted_proxy(make_app):
    client = make_app(RATELIMIT_ENABLED=True, COMMENTSVC_RATELIMIT_POST_IP="5/minute",
                      COMMENTSVC_TRUSTED_PROXIES=1).test_client()
    statuses = [
        client.post("/api/v1/comments", json={**THREAD, "body": f"hi {n}"},
                    headers={"X-Reader-Token": f"rotating-{n:09}",
                             "X-Forwarded-For": f"203.0.113.{n}"},
                    environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code
        for n in range(6)
    ]
    assert statuses == [201] * 6


def test_limits_can_be_switched_off(make_app):
    client = make_app(RATELIMIT_ENABLED=False, COMMENTSVC_RATELIMIT_POST_READER="1/minute")
    client = client.test_client()
    assert [post_as(client, "reader-a-token-0000").status_code for _ in range(3)] == [201] * 3


@pytest.fixture
def reacting(make_app):
    app = make_app(RATELIMIT_ENABLED=True, COMMENTSVC_RATELIMIT_VOTE_READER="2/minute",
                   COMMENTSVC_RATELIMIT_VOTE_IP="4/minute",
                   COMMENTSVC_RATELIMIT_FLAG_READER="1/hour",
                   COMMENTSVC_RATELIMIT_FLAG_IP="3/hour")
    client = app.test_client()
    ids = [post_as(client, f"author-reader-{n:04}", ip=f"192.0.2.{n + 1}").json["id"]
           for n in range(5)]
    return client, ids


def react(client, comment_id, reader, what="vote", ip="198.51.100.20"):
    body = {"value": 1} if what == "vote" else {"reason": "spam"}
    return client.post(f"/api/v1/comments/{comment_id}/{what}", json=body,
                       headers={"X-Reader-Token": reader}, environ_base={"REMOTE_ADDR": ip})


def test_votes_have_their_own_per_reader_limit(reacting):
    client, ids = reacting
    statuses = [react(client, ids[n], "one-voter-token-0").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    assert react(client, ids[0], "other-voter-token").status_code == 200


def test_votes_have_their_own_per_ip_limit(reacting):
    client, ids = reacting
    statuses = [react(client, ids[n % 5], f"rotating-{n:09}").status_code for n in range(5)]
    assert statuses == [200] * 4 + [429]
    assert react(client, ids[0], "voter-elsewhere-0", ip="203.0.113.50").status_code == 200


def test_reports_have_their_own_per_reader_limit(reacting):
    client, ids = reacting
    statuses = [react(client, ids[n], "one-flagger-token", "flag").status_code for n in range(2)]
    assert statuses == [201, 429]
    assert int(client.post(f"/api/v1/comments/{ids[0]}/flag", json={"reason": "spam"},
                           headers={"X-Reader-Token": "one-flagger-token"},
                           environ_base={"REMOTE_ADDR": "198.51.100.20"})
               .headers["Retry-After"]) > 0


def test_reports_have_their_own_per_ip_limit(reacting):
    client, ids = reacting
    statuses = [react(client, ids[n], f"rotating-{n:09}", "flag").status_code for n in range(4)]
    assert statuses == [201] * 3 + [429]


def test_voting_does_not_use_up_the_posting_quota(reacting):
    client, ids = reacting
    react(client, ids[0], "reader-a-token-0000")
    react(client, ids[1], "reader-a-token-0000")
    assert post_as(client, "reader-a-token-0000").status_code == 201


def test_a_post_is_counted_before_the_work_is_done(limited, monkeypatch):
    seen = {}
    create = posting.create

    def spy(*args, **kwargs):
        seen.update({spent.request_args[-1]: spent.remaining
                     for spent in limiter.current_limits})
        return create(*args, **kwargs)

    monkeypatch.setattr(posting, "create", spy)
    assert post_as(limited, "reader-a-token-0000").status_code == 201
    assert seen == {"post-reader": 2, "post-ip": 4}


@pytest.mark.parametrize("bad", [
    {"json": {**THREAD, "body": ""}},
    {"json": {**THREAD, "body": "hi", "parent_id": 99999}},
    {"data": "body=hi", "content_type": "application/x-www-form-urlencoded"},
    {"json": {**THREAD, "body": "x" * 70_000}},
])
def test_invalid_posts_do_not_use_up_the_per_ip_quota(limited, bad):
    for n in range(8):
        response = limited.post("/api/v1/comments", headers={"X-Reader-Token": f"bad-{n:012}"},
                                environ_base={"REMOTE_ADDR": "198.51.100.3"}, **bad)
        assert 400 <= response.status_code < 429
    statuses = [post_as(limited, f"good-{n:012}", ip="198.51.100.3").status_code
                for n in range(6)]
    assert statuses == [201] * 5 + [429]


def test_an_invalid_post_leaves_the_remaining_quota_as_it_was(limited):
    post_as(limited, "reader-a-token-0000")
    refused = post_as(limited, "reader-a-token-0000", body="")
    assert refused.status_code == 422
    assert refused.headers["RateLimit-Limit"] == "5"  # the per-IP limit, one post used
    assert refused.headers["RateLimit-Remaining"] == "4"


def test_a_429_says_what_the_reader_can_do_and_when(limited):
    for _ in range(3):
        post_as(limited, "reader-a-token-0000")
    response = post_as(limited, "reader-a-token-0000")
    wait = int(response.headers["Retry-After"])
    message = response.json["error"]["message"]
    assert message.startswith(
        "You are posting too fast: at most 3 comments a minute. Try again in ")
    seconds = int(re.search(r"Try again in (\d+) seconds?\.$", message).group(1))
    assert abs(seconds - wait) <= 1
    assert response.json["error"]["code"] == "rate_limited"
    assert response.headers["RateLimit-Limit"] == "3"


def test_a_429_on_reads_names_reading_and_the_limit_that_was_hit(limited):
    for _ in range(4):
        limited.get("/api/v1/comments", query_string=THREAD)
    response = limited.get("/api/v1/comments", query_string=THREAD)
    assert response.status_code == 429
    assert response.json["error"]["message"].startswith(
        "You are reading too fast: at most 4 requests a minute from one address. Try again in ")


@pytest.mark.parametrize(("limit", "scope", "seconds", "expected"), [
    ("1/second", "vote-reader", 1,
     "You are voting too fast: at most 1 vote a second. Try again in 1 second."),
    ("10/hour", "flag-ip", 1800, "You are reporting too fast: at most 10 reports an hour from "
     "one address. Try again in 30 minutes."),
    ("100/day", "post-reader", 7300,
     "You are posting too fast: at most 100 comments a day. Try again in 2 hours."),
    ("600/5 minutes", "admin", 61,
     "You are sending too many requests: at most 600 requests every 5 minutes. "
     "Try again in 61 seconds."),
])
def test_the_429_message_reads_well_for_any_limit(limit, scope, seconds, expected):
    from limits import parse

    from commentsvc.api.rate_limited import too_fast_message

    assert too_fast_message(parse(limit), scope, seconds) == expected


def test_with_limits_switched_off_a_refused_post_still_gets_its_own_answer(tmp_path):
    # Only in a fresh process: once any app here has started the (process-wide) limiter with
    # limits on, it has a strategy, and this path no longer fails the way it did.
    script = """
import json, sys
from commentsvc import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "RATELIMIT_ENABLED": False})
with app.app_context():
    from flask_migrate import upgrade
    upgrade()
client = app.test_client()
refused = client.post("/api/v1/comments", json={"site": "nope", "article": "a", "body": "hi"})
print(json.dumps([refused.status_code, refused.json["error"]["code"]]))
"""
    done = subprocess.run([sys.executable, "-c", script, f"sqlite:///{tmp_path / 'off.db'}"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [404, "site_not_found"]
