"""Signed webhooks through the admin API, delivered by the outbox worker to a real receiver, and
checked with standardwebhooks' own verifier."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook as Verifier

from commentsvc import secretbox, webhooks, worker
from commentsvc.extensions import db
from commentsvc.models import AuditEntry, Webhook
from tests.api.admin_support import bearer, keys  # noqa: F401 (fixture)
from tests.conftest import post
from tests.webhook_support import no_dns, run_receiver

HOOKS = "/api/v1/admin/sites/default/webhooks"
READER = {"X-Reader-Token": "reader-webhooks-token-0"}
ALL_EVENTS = list(webhooks.WEBHOOK_EVENTS)


@pytest.fixture
def receiver():
    yield from run_receiver()


@pytest.fixture
def app(make_app):
    # The receiver listens on 127.0.0.1: the tests allow private addresses, as operators can.
    return make_app(COMMENTSVC_WEBHOOKS_ALLOW_PRIVATE=True)


def add_hook(client, key, url, events=None):
    return client.post(HOOKS, json={"url": url, "events": events or ALL_EVENTS},
                       headers=bearer(key))


def delivered(app, receiver, secret):
    """Run the worker once; what the receiver got, each verified, as (type, body)."""
    worker.run_once(app)
    verifier = Verifier(secret)
    return [(payload["type"], payload) for payload in
            (verifier.verify(r.body, r.headers) for r in receiver.requests)]


def test_a_new_webhook_shows_its_secret_once(client, keys, receiver):  # noqa: F811
    made = add_hook(client, keys.admin, receiver.url)
    assert made.status_code == 201, made.json
    assert made.json["secret"].startswith("whsec_")
    assert made.json["events"] == sorted(ALL_EVENTS)
    listed = client.get(HOOKS, headers=bearer(keys.admin)).json["webhooks"]
    assert [h["id"] for h in listed] == [made.json["id"]]
    assert "secret" not in listed[0]


def test_the_secret_is_stored_encrypted_under_the_service_key(app, client, keys,  # noqa: F811
                                                              receiver):
    secret = add_hook(client, keys.admin, receiver.url).json["secret"]
    with app.app_context():
        stored = db.session.scalars(select(Webhook)).one().secret_encrypted
    assert secret not in stored and secret[6:] not in stored
    assert secretbox.unseal("test-secret", stored) == secret
    assert secretbox.unseal("another-service-secret-key", stored) is None


def test_a_published_comment_is_delivered_signed(app, client, keys, receiver):  # noqa: F811
    secret = add_hook(client, keys.admin, receiver.url).json["secret"]
    comment = post(client, "Hello *hooks*").json
    got = delivered(app, receiver, secret)
    assert [kind for kind, _ in got] == ["comment.created", "comment.published"]
    data = got[0][1]["data"]
    assert data["site"] == "default" and data["article"]["key"] == "news-42"
    assert data["comment"]["id"] == comment["id"]
    assert data["comment"]["status"] == "approved"
    assert data["comment"]["html"] == comment["html"]
    first = receiver.requests[0]
    assert first.path == "/hooks/comments"
    assert first.headers["content-type"] == "application/json"
    assert first.headers["webhook-id"].startswith("msg_")
    assert first.headers["webhook-id"] != receiver.requests[1].headers["webhook-id"]


def test_a_wrong_secret_does_not_verify(app, client, keys, receiver):  # noqa: F811
    add_hook(client, keys.admin, receiver.url)
    post(client)
    worker.run_once(app)
    from standardwebhooks.webhooks import WebhookVerificationError

    with pytest.raises(WebhookVerificationError):
        Verifier("whsec_" + "A" * 32).verify(receiver.requests[0].body,
                                            receiver.requests[0].headers)


def test_a_webhook_hears_only_the_events_it_asked_for(app, client, keys,  # noqa: F811
                                                      receiver):
    secret = add_hook(client, keys.admin, receiver.url, ["comment.deleted"]).json["secret"]
    comment = post(client).json
    assert delivered(app, receiver, secret) == []
    token = {"Authorization": f"Bearer {comment['edit_token']}"}
    assert client.delete(f"/api/v1/comments/{comment['id']}", headers=token).status_code == 204
    got = delivered(app, receiver, secret)
    assert [kind for kind, _ in got] == ["comment.deleted"]
    removed = got[0][1]["data"]
    assert removed["comment"]["status"] == "deleted" and removed["comment"]["html"] == ""
    assert removed["previous_status"] == "approved"


def test_edits_reports_and_moderation_are_events(app, client, keys, receiver):  # noqa: F811
    secret = add_hook(client, keys.admin, receiver.url,
                      ["comment.edited", "comment.flagged", "comment.rejected",
                       "comment.published"]).json["secret"]
    comment = post(client).json
    token = {"Authorization": f"Bearer {comment['edit_token']}"}
    client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "Edited"}, headers=token)
    client.post(f"/api/v1/comments/{comment['id']}/flag", json={"reason": "spam"},
                headers=READER)
    for action in ("reject", "approve"):
        client.post(f"/api/v1/admin/comments/{comment['id']}/moderate",
                    json={"action": action}, headers=bearer(keys.moderator))
    assert [kind for kind, _ in delivered(app, receiver, secret)] == [
        "comment.published", "comment.edited", "comment.flagged", "comment.rejected",
        "comment.published"]


def test_a_held_comment_is_created_but_not_published(app, client, keys,  # noqa: F811
                                                     receiver):
    from tests.conftest import set_site_settings

    set_site_settings(app, {"moderation": "pre"})
    secret = add_hook(client, keys.admin, receiver.url).json["secret"]
    post(client)
    got = delivered(app, receiver, secret)
    assert [(kind, body["data"]["comment"]["status"]) for kind, body in got] == [
        ("comment.created", "pending")]


def test_a_failed_delivery_is_retried_with_backoff_and_logged(app, client, keys,  # noqa: F811
                                                              receiver, clock):
    hook = add_hook(client, keys.admin, receiver.url, ["comment.created"]).json
    receiver.answers = [(503, "busy " * 500, {})]
    post(client)
    worker.run_once(app)
    url = f"{HOOKS}/{hook['id']}/deliveries"
    first = client.get(url, headers=bearer(keys.admin)).json["deliveries"][0]
    assert (first["status"], first["attempts"], first["last_status_code"]) == (
        "retrying", 1, 503)
    assert first["last_error"] == "HTTP 503"
    assert len(first["response_excerpt"]) <= 300
    clock.advance(seconds=29)
    worker.run_once(app)
    assert len(receiver.requests) == 1
    clock.advance(seconds=1)
    worker.run_once(app)
    again = client.get(url, headers=bearer(keys.admin)).json["deliveries"][0]
    assert (again["status"], again["attempts"], again["last_status_code"]) == (
        "delivered", 2, 200)
    assert [r.headers["webhook-id"] for r in receiver.requests] == [first["message_id"]] * 2


def test_redirects_are_not_followed(app, client, keys, receiver):  # noqa: F811
    hook = add_hook(client, keys.admin, receiver.url, ["comment.created"]).json
    receiver.answers = [(302, "", {"Location": "http://169.254.169.254/latest/meta-data"})]
    post(client)
    worker.run_once(app)
    delivery = client.get(f"{HOOKS}/{hook['id']}/deliveries",
                          headers=bearer(keys.admin)).json["deliveries"][0]
    assert delivery["last_status_code"] == 302
    assert "redirects are not followed" in delivery["last_error"]
    assert len(receiver.requests) == 1


def test_a_delivery_can_be_retried_by_an_admin(app, client, keys, receiver):  # noqa: F811
    hook = add_hook(client, keys.admin, receiver.url, ["comment.created"]).json
    post(client)
    worker.run_once(app)
    base = f"{HOOKS}/{hook['id']}/deliveries"
    delivery = client.get(base, headers=bearer(keys.admin)).json["deliveries"][0]
    assert delivery["status"] == "delivered"
    retried = client.post(f"{base}/{delivery['id']}/retry", headers=bearer(keys.admin))
    assert retried.status_code == 200 and retried.json["status"] == "pending"
    worker.run_once(app)
    assert len(receiver.requests) == 2
    assert receiver.requests[0].headers["webhook-id"] == receiver.requests[1].headers[
        "webhook-id"]
    missing = client.post(f"{base}/999999/retry", headers=bearer(keys.admin))
    assert (missing.status_code, missing.json["error"]["code"]) == (404, "delivery_not_found")


def test_a_deleted_webhook_gets_nothing_more(app, client, keys, receiver):  # noqa: F811
    hook = add_hook(client, keys.admin, receiver.url).json
    post(client)
    gone = client.delete(f"{HOOKS}/{hook['id']}", headers=bearer(keys.admin))
    assert gone.status_code == 204
    worker.run_once(app)
    assert receiver.requests == []
    again = client.delete(f"{HOOKS}/{hook['id']}", headers=bearer(keys.admin))
    assert (again.status_code, again.json["error"]["code"]) == (404, "webhook_not_found")


@pytest.mark.parametrize(("key", "status", "code"), [
    ("moderator", 403, "admin_only"),
    ("other_admin", 403, "wrong_site"),
    ("other_site", 403, "admin_only"),
    (None, 401, "api_key_missing"),
])
def test_webhooks_need_an_admin_key_for_the_site(client, keys, receiver, key, status,  # noqa: F811
                                                 code):
    headers = bearer(getattr(keys, key)) if key else {}
    for answer in (client.post(HOOKS, json={"url": receiver.url, "events": ALL_EVENTS},
                               headers=headers),
                   client.get(HOOKS, headers=headers),
                   client.get(f"{HOOKS}/1/deliveries", headers=headers)):
        assert (answer.status_code, answer.json["error"]["code"]) == (status, code)


def test_an_admin_key_for_all_sites_may_add_webhooks(client, keys, receiver):  # noqa: F811
    assert add_hook(client, keys.global_admin, receiver.url).status_code == 201


@pytest.mark.parametrize("body", [
    {"url": "http://example.test/", "events": []},
    {"url": "http://example.test/", "events": ["comment.exploded"]},
    {"url": "", "events": ["comment.created"]},
    {"events": ["comment.created"]},
])
def test_bad_webhook_bodies_are_refused(client, keys, body):  # noqa: F811
    answer = client.post(HOOKS, json=body, headers=bearer(keys.admin))
    assert answer.status_code == 422
    assert answer.json["error"]["code"] == "validation_failed"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/hook",
    "http://localhost/hook",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://172.16.5.4/hook",
    "http://100.64.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/hook",
    "http://[fd00:ec2::254]/hook",
    "http://[fe80::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[64:ff9b::a00:1]/hook",
    "http://0.0.0.0/hook",
    "http://224.0.0.1/hook",
    "ftp://93.184.215.14/hook",
    "file:///etc/passwd",
    "http://user:pass@93.184.215.14/hook",
    "http://no-such-host.invalid/hook",
])
def test_webhook_urls_to_inside_addresses_are_refused(make_app, keys, url):  # noqa: F811
    # localhost is in /etc/hosts; every other name must fail without asking DNS.
    strict = make_app(COMMENTSVC_WEBHOOKS_ALLOW_PRIVATE=False,
                      COMMENTSVC_RESOLVER=None if "localhost" in url else no_dns)
    answer = strict.test_client().post(HOOKS, json={"url": url, "events": ALL_EVENTS},
                                       headers=bearer(keys.admin))
    assert answer.status_code == 422, answer.json
    assert answer.json["error"]["code"] == "webhook_url_refused"


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/",
                                 "http://0.0.0.0/hook", "http://[fd00:ec2::254]/"])
def test_metadata_and_unspecified_addresses_are_refused_even_when_private_is_allowed(
        client, keys, url):  # noqa: F811
    answer = add_hook(client, keys.admin, url)
    assert answer.json["error"]["code"] == "webhook_url_refused"


def test_the_address_is_checked_again_at_delivery(make_app, client, keys,  # noqa: F811
                                                  receiver):
    hook = add_hook(client, keys.admin, receiver.url, ["comment.created"]).json
    post(client)
    # The operator turns private addresses off: the queued delivery must not go out.
    strict = make_app(COMMENTSVC_WEBHOOKS_ALLOW_PRIVATE=False)
    worker.run_once(strict)
    assert receiver.requests == []
    delivery = client.get(f"{HOOKS}/{hook['id']}/deliveries",
                          headers=bearer(keys.admin)).json["deliveries"][0]
    assert delivery["status"] == "retrying"
    assert "loopback" in delivery["last_error"]


def test_a_secret_sealed_under_another_service_key_fails_for_good(
        make_app, client, keys, receiver):  # noqa: F811
    hook = add_hook(client, keys.admin, receiver.url, ["comment.created"]).json
    post(client)
    rekeyed = make_app(COMMENTSVC_WEBHOOKS_ALLOW_PRIVATE=True,
                       SECRET_KEY="a-different-service-secret-key-0123456789")
    worker.run_once(rekeyed)
    assert receiver.requests == []
    delivery = client.get(f"{HOOKS}/{hook['id']}/deliveries",
                          headers=bearer(keys.admin)).json["deliveries"][0]
    assert delivery["status"] == "failed" and "signing secret" in delivery["last_error"]


def test_a_receiver_that_never_answers_well_ends_as_failed(app, client, keys,  # noqa: F811
                                                           receiver, clock):
    hook = add_hook(client, keys.admin, receiver.url, ["comment.created"]).json
    receiver.answers = [(500, "no", {})] * 20
    post(client)
    for _ in range(10):
        worker.run_once(app)
        clock.advance(hours=1)
    delivery = client.get(f"{HOOKS}/{hook['id']}/deliveries",
                          headers=bearer(keys.admin)).json["deliveries"][0]
    assert (delivery["status"], delivery["attempts"]) == ("failed", 8)
    assert len(receiver.requests) == 8
    body = json.loads(receiver.requests[0].body)
    assert body["type"] == "comment.created"


def test_a_site_has_at_most_twenty_webhooks(client, keys, receiver):  # noqa: F811
    for _ in range(webhooks.MAX_PER_SITE):
        assert add_hook(client, keys.admin, receiver.url).status_code == 201
    answer = add_hook(client, keys.admin, receiver.url)
    assert (answer.status_code, answer.json["error"]["code"]) == (409, "too_many_webhooks")


def test_a_delivery_being_sent_cannot_be_retried(app, client, keys, receiver,  # noqa: F811
                                                 clock):
    from commentsvc import outbox

    hook = add_hook(client, keys.admin, receiver.url, ["comment.created"]).json
    post(client)
    with app.app_context():
        outbox.claim(db.session, clock(), "busy-worker")
    base = f"{HOOKS}/{hook['id']}/deliveries"
    delivery = client.get(base, headers=bearer(keys.admin)).json["deliveries"][0]
    answer = client.post(f"{base}/{delivery['id']}/retry", headers=bearer(keys.admin))
    assert (answer.status_code, answer.json["error"]["code"]) == (409, "delivery_in_progress")


def test_a_deleted_comments_words_leave_the_delivery_log(app, client, keys,  # noqa: F811
                                                          receiver):
    add_hook(client, keys.admin, receiver.url, ["comment.created"])
    comment = post(client, "Words I regret").json
    token = {"Authorization": f"Bearer {comment['edit_token']}"}
    assert client.delete(f"/api/v1/comments/{comment['id']}", headers=token).status_code == 204
    with app.app_context():
        from commentsvc.models import WebhookDelivery

        stored = db.session.scalars(select(WebhookDelivery)).one().body
    assert "regret" not in json.dumps(stored)
    assert stored["data"]["comment"]["status"] == "deleted"


def test_finished_deliveries_are_forgotten_after_30_days(app, client, keys, receiver,  # noqa: F811
                                                         clock):
    hook = add_hook(client, keys.admin, receiver.url, ["comment.created"]).json
    post(client)
    worker.run_once(app)
    clock.advance(days=30, seconds=1)
    worker.prune(app)
    assert client.get(f"{HOOKS}/{hook['id']}/deliveries",
                      headers=bearer(keys.admin)).json["deliveries"] == []


def _deliveries(client, key, hook_id):
    return client.get(f"{HOOKS}/{hook_id}/deliveries", headers=bearer(key)).json["deliveries"]


def _listed(client, key):
    return client.get(HOOKS, headers=bearer(key)).json["webhooks"]


def test_a_receiver_that_answers_410_gone_turns_its_webhook_off(app, client, keys,  # noqa: F811
                                                               receiver, clock):
    hook = add_hook(client, keys.admin, receiver.url, ["comment.created"]).json
    assert _listed(client, keys.admin)[0]["enabled"] is True
    receiver.answers = [(410, "gone", {})]
    post(client, "The first comment")
    worker.run_once(app)
    [delivery] = _deliveries(client, keys.admin, hook["id"])
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "failed", 1, 410)
    assert "turned off" in delivery["last_error"]
    [listed] = _listed(client, keys.admin)
    assert listed["enabled"] is False
    assert listed["disabled_reason"] == "the receiver answered 410 Gone"
    assert listed["disabled_at"]
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry)
                                   .where(AuditEntry.action == "webhook_disabled")).one()
    assert entry.actor == "webhooks" and entry.details["webhook_id"] == hook["id"]
    # Nothing is retried, and new comments make no deliveries for it.
    post(client, "A second comment")
    clock.advance(hours=2)
    worker.run_once(app)
    assert len(receiver.requests) == 1
    assert len(_deliveries(client, keys.admin, hook["id"])) == 1


def test_a_webhook_turned_on_again_hears_new_comments(app, client, keys,  # noqa: F811
                                                      receiver):
    hook = add_hook(client, keys.admin, receiver.url, ["comment.created"]).json
    receiver.answers = [(410, "gone", {})]
    post(client, "The first comment")
    worker.run_once(app)
    [failed] = _deliveries(client, keys.admin, hook["id"])
    retry = f"{HOOKS}/{hook['id']}/deliveries/{failed['id']}/retry"
    refused = client.post(retry, headers=bearer(keys.admin))
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "webhook_disabled")
    on = client.patch(f"{HOOKS}/{hook['id']}", json={"enabled": True},
                      headers=bearer(keys.admin))
    assert on.status_code == 200, on.json
    assert (on.json["enabled"], on.json["disabled_at"], on.json["disabled_reason"]) == (
        True, None, None)
    post(client, "A second comment")
    assert client.post(retry, headers=bearer(keys.admin)).status_code == 200
    worker.run_once(app)
    assert [d["status"] for d in _deliveries(client, keys.admin, hook["id"])] == [
        "delivered", "delivered"]
    assert len(receiver.requests) == 3


def test_deliveries_queued_before_a_webhook_was_turned_off_are_not_sent(
        app, client, keys, receiver):  # noqa: F811
    hook = add_hook(client, keys.admin, receiver.url, ["comment.created"]).json
    post(client, "The first comment")
    post(client, "A second comment")
    off = client.patch(f"{HOOKS}/{hook['id']}", json={"enabled": False},
                       headers=bearer(keys.admin))
    assert (off.status_code, off.json["enabled"]) == (200, False)
    assert off.json["disabled_reason"].startswith("turned off by ")
    worker.run_once(app)
    assert receiver.requests == []
    deliveries = _deliveries(client, keys.admin, hook["id"])
    assert [(d["status"], d["attempts"]) for d in deliveries] == [("failed", 0)] * 2
    assert all(d["last_error"].startswith("not sent: the webhook is turned off")
               for d in deliveries)
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)
                                     .where(AuditEntry.action.like("webhook_%"))).all()
    assert actions == ["webhook_created", "webhook_disabled"]
    again = client.patch(f"{HOOKS}/{hook['id']}", json={"enabled": False},
                         headers=bearer(keys.admin))
    assert again.status_code == 200  # already off: nothing changes, nothing is logged


@pytest.mark.parametrize("body", [{}, {"enabled": "maybe"}, {"enabled": 5},
                                  {"enabled": True, "url": "http://example.test/"}, []])
def test_bad_webhook_changes_are_refused(client, keys, receiver, body):  # noqa: F811
    hook = add_hook(client, keys.admin, receiver.url).json
    answer = client.patch(f"{HOOKS}/{hook['id']}", json=body, headers=bearer(keys.admin))
    assert answer.status_code == 422, answer.json
    assert _listed(client, keys.admin)[0]["enabled"] is True


def test_only_an_admin_of_the_site_turns_a_webhook_off(client, keys, receiver):  # noqa: F811
    hook = add_hook(client, keys.admin, receiver.url).json
    for key, status in ((keys.moderator, 403), (keys.other_admin, 403)):
        answer = client.patch(f"{HOOKS}/{hook['id']}", json={"enabled": False},
                              headers=bearer(key))
        assert answer.status_code == status
    missing = client.patch(f"{HOOKS}/999999", json={"enabled": False},
                           headers=bearer(keys.admin))
    assert (missing.status_code, missing.json["error"]["code"]) == (404, "webhook_not_found")
    assert _listed(client, keys.admin)[0]["enabled"] is True
