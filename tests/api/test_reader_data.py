"""A reader's data rights through the admin API: export, erase, hard delete; and retention."""

import json

import jwt
import pytest
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import Article, AuditEntry, Comment, Flag, Vote
from tests.api.admin_support import bearer, keys  # noqa: F401
from tests.api.privacy_support import stored_and_recounted
from tests.conftest import THREAD, post, set_site_settings

ADA, BOB, CY = ({"X-Reader-Token": f"{name}-reader-token-0"} for name in ("ada", "bob", "cy"))
JWT_SECRET = "publisher-secret-0123456789abcdef"


@pytest.fixture
def admin(client, keys):  # noqa: F811
    """Call the reader routes as the default site's admin."""
    def call(method, path, key=None, **kwargs):
        return getattr(client, method)(f"/api/v1/admin/readers{path}",
                                       headers=bearer(key or keys.admin), **kwargs)
    return call


def export(admin, **selector):
    response = admin("get", "/export", query_string={"site": "default", **selector})
    assert response.status_code == 200, response.json
    return response.json


def erase(admin, **selector):
    response = admin("post", "/erase", json={"site": "default", **selector})
    assert response.status_code == 200, response.json
    return response.json


def vote(client, comment_id, value, headers):
    assert client.post(f"/api/v1/comments/{comment_id}/vote", json={"value": value},
                       headers=headers).status_code == 200


def report(client, comment_id, headers, note=""):
    assert client.post(f"/api/v1/comments/{comment_id}/flag",
                       json={"reason": "abuse", "note": note}, headers=headers).status_code == 201


def thread(client):
    return client.get("/api/v1/comments", query_string=THREAD).json


def signed_in(sub):
    token = jwt.encode({"sub": sub, "name": sub.title()}, JWT_SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def stored_comment(app, comment_id):
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        db.session.expunge(comment)
        return comment


def assert_counters_exact(app):
    stored, recounted = stored_and_recounted(app)
    assert stored == recounted


# --- export --------------------------------------------------------------------------------------

def test_export_by_comment_id_holds_the_readers_comments_votes_and_reports(client, admin):
    first = post(client, "my first words", author_name="Ada", headers=ADA).json["id"]
    second = post(client, "my second words", headers=ADA).json["id"]
    bobs = post(client, "Bob here", headers=BOB).json["id"]
    vote(client, bobs, 1, ADA)
    report(client, bobs, ADA, note="rude")
    document = export(admin, comment_id=first)
    assert document["format"] == "commentsvc-reader-export" and document["version"] == 1
    assert document["selected_by"] == "comment_id"
    assert [c["id"] for c in document["comments"]] == [first, second]
    assert document["comments"][0]["body"] == "my first words"
    assert document["comments"][0]["html"] == "<p>my first words</p>"
    assert document["comments"][0]["author_name"] == "Ada"
    assert document["comments"][0]["article"]["id"] == "news-42"
    assert document["comments"][0]["status"] == "approved"
    assert "edit_token_hash" not in json.dumps(document)  # a credential, not the reader's data
    assert document["votes"] == [{"comment_id": bobs, "value": 1,
                                  "created_at": document["votes"][0]["created_at"]}]
    assert [(r["comment_id"], r["note"]) for r in document["reports"]] == [(bobs, "rude")]


def test_export_by_sub_finds_a_signed_in_readers_comments(app, client, admin):
    set_site_settings(app, {"jwt_secret": JWT_SECRET})
    mine = post(client, "signed words", headers=signed_in("grace")).json["id"]
    post(client, "someone else", headers=signed_in("mallory"))
    document = export(admin, sub="grace")
    assert [c["id"] for c in document["comments"]] == [mine]
    assert document["comments"][0]["verified"] is True
    assert document["reader_key"] == stored_comment(app, mine).reader_hash


def test_export_by_email_finds_the_comments_that_gave_it(client, admin):
    mine = post(client, author_email="Ada@Example.org", headers=ADA).json["id"]
    post(client, author_email="bob@example.org", headers=BOB)
    document = export(admin, email="ada@example.org")
    assert [c["id"] for c in document["comments"]] == [mine]
    assert document["comments"][0]["hashes"]["email"]
    assert "Ada@Example.org" not in json.dumps(document)


def test_export_lists_the_bans_that_name_the_reader(client, admin, keys):  # noqa: F811
    mine = post(client, headers=ADA).json["id"]
    client.post("/api/v1/admin/bans", json={"site": "default", "comment_id": mine,
                                            "by": ["reader"], "reason": "trolling"},
                headers=bearer(keys.moderator))
    [ban] = export(admin, comment_id=mine)["bans"]
    assert (ban["kind"], ban["reason"], ban["active"]) == ("reader", "trolling", True)


def test_an_unknown_reader_has_an_empty_export(client, admin):
    post(client, headers=ADA)
    document = export(admin, sub="nobody")
    assert (document["comments"], document["votes"], document["reports"]) == ([], [], [])


def test_an_unknown_comment_id_is_404(client, admin):
    response = admin("get", "/export", query_string={"site": "default", "comment_id": 999})
    assert response.status_code == 404
    assert response.json["error"]["code"] == "comment_not_found"


def test_a_comment_of_another_site_is_404(app, client, admin, keys):  # noqa: F811
    mine = post(client, headers=ADA).json["id"]
    response = admin("get", "/export", query_string={"site": "other", "comment_id": mine},
                     key=keys.global_admin)
    assert response.status_code == 404


@pytest.mark.parametrize("selector", [{}, {"sub": "a", "email": "a@example.org"}])
def test_export_needs_exactly_one_selector(admin, selector):
    response = admin("get", "/export", query_string={"site": "default", **selector})
    assert response.status_code == 400
    assert "comment_id" in response.json["error"]["fields"]


def test_erase_needs_exactly_one_selector(admin):
    response = admin("post", "/erase", json={"site": "default", "comment_id": 1, "sub": "a"})
    assert response.status_code == 422


@pytest.mark.parametrize(("method", "path", "request_args"), [
    ("get", "/export", {"query_string": {"site": "default", "sub": "a"}}),
    ("post", "/erase", {"json": {"site": "default", "sub": "a"}}),
])
def test_moderators_may_not_export_or_erase(admin, keys, method, path,  # noqa: F811
                                            request_args):
    response = admin(method, path, key=keys.moderator, **request_args)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "admin_only"


# --- erase ---------------------------------------------------------------------------------------

def test_erasing_keeps_a_placeholder_above_another_readers_reply(app, client, admin):
    parent = post(client, "secret parent text", author_name="Ada", headers=ADA).json["id"]
    reply = post(client, "Bob answers", parent_id=parent, headers=BOB).json["id"]
    assert erase(admin, comment_id=parent) == {"comments": 1, "placeholders": 1, "votes": 0,
                                               "reports": 0, "threads": 1}
    [shown] = thread(client)["comments"]
    assert (shown["id"], shown["status"], shown["html"], shown["author"]) == (
        parent, "deleted", "", None)
    assert [r["id"] for r in shown["replies"]] == [reply]
    assert thread(client)["article"]["comment_count"] == 1
    assert_counters_exact(app)


def test_an_erased_comment_without_replies_disappears_everywhere(app, client, admin):
    gone = post(client, "forget me", headers=ADA).json["id"]
    kept = post(client, headers=BOB).json["id"]
    assert erase(admin, comment_id=gone)["placeholders"] == 0
    assert [c["id"] for c in thread(client)["comments"]] == [kept]
    assert client.get(f"/api/v1/comments/{gone}").status_code == 404
    counts = client.get("/api/v1/counts", query_string=THREAD).json["counts"]
    assert counts["news-42"] == 1


def test_erasing_removes_text_names_and_every_hash(app, client, admin):
    gone = post(client, "forget me", author_name="Ada", author_email="ada@example.org",
                headers=ADA).json["id"]
    erase(admin, comment_id=gone)
    comment = stored_comment(app, gone)
    assert (comment.body_source, comment.body_html, comment.author_name) == ("", "", "")
    assert (comment.reader_hash, comment.email_hash, comment.ip_hash, comment.edit_token_hash,
            comment.author_avatar, comment.avatar_seed) == (None, None, None, None, None, "")
    assert export(admin, email="ada@example.org")["comments"] == []


def test_a_cached_thread_page_does_not_show_erased_text(client, admin):
    gone = post(client, "cached words", headers=ADA).json["id"]
    before = client.get("/api/v1/comments", query_string=THREAD)
    assert "cached words" in before.get_data(as_text=True)
    erase(admin, comment_id=gone)
    after = client.get("/api/v1/comments", query_string=THREAD,
                       headers={"If-None-Match": before.headers.get("ETag", "")})
    assert after.status_code == 200
    assert "cached words" not in after.get_data(as_text=True)


def test_erasing_drops_the_readers_votes_and_reports_and_moves_the_counts(app, client, admin):
    bobs = post(client, headers=BOB).json["id"]
    cys = post(client, headers=CY).json["id"]
    adas = post(client, headers=ADA).json["id"]
    vote(client, bobs, 1, ADA)
    vote(client, bobs, 1, CY)
    vote(client, cys, -1, ADA)
    report(client, cys, ADA)
    report(client, cys, BOB)
    done = erase(admin, comment_id=adas)
    assert (done["votes"], done["reports"], done["threads"]) == (2, 1, 1)
    scores = {c["id"]: c["score"] for c in thread(client)["comments"]}
    assert scores == {bobs: 1, cys: 0}
    with app.app_context():
        assert db.session.get(Comment, cys).flag_count == 1
        assert len(db.session.scalars(select(Vote)).all()) == 1
        assert len(db.session.scalars(select(Flag)).all()) == 1
    assert_counters_exact(app)


def test_erasing_renews_the_cached_pages_of_every_thread_the_reader_touched(app, client,
                                                                            admin):
    mine = post(client, headers=ADA).json["id"]
    elsewhere = post(client, headers=BOB, article="news-43").json["id"]
    vote(client, elsewhere, 1, ADA)
    with app.app_context():
        before = {a.key: a.version for a in db.session.scalars(select(Article))}
    erase(admin, comment_id=mine)
    with app.app_context():
        after = {a.key: a.version for a in db.session.scalars(select(Article))}
    assert after["news-42"] > before["news-42"] and after["news-43"] > before["news-43"]


def test_votes_and_reports_on_an_erased_comment_go_with_it(app, client, admin):
    gone = post(client, headers=ADA).json["id"]
    vote(client, gone, 1, BOB)
    report(client, gone, CY, note="quotes the text")
    erase(admin, comment_id=gone)
    with app.app_context():
        assert db.session.scalars(select(Vote)).all() == []
        assert db.session.scalars(select(Flag)).all() == []
    assert_counters_exact(app)


def test_counters_equal_a_recount_after_erasing_a_reader_across_a_deep_thread(app, client,
                                                                               admin):
    top = post(client, headers=ADA).json["id"]
    bob_reply = post(client, parent_id=top, headers=BOB).json["id"]
    ada_reply = post(client, parent_id=bob_reply, headers=ADA).json["id"]
    post(client, parent_id=ada_reply, headers=CY)
    lone = post(client, headers=BOB).json["id"]
    ada_leaf = post(client, parent_id=lone, headers=ADA).json["id"]
    other = post(client, headers=CY).json["id"]
    post(client, parent_id=other, headers=ADA)
    vote(client, lone, 1, ADA)
    vote(client, ada_leaf, -1, CY)
    done = erase(admin, comment_id=top)
    assert (done["comments"], done["placeholders"]) == (4, 2)
    assert_counters_exact(app)
    shown = {c["id"]: c for c in thread(client)["comments"]}
    assert shown[top]["status"] == "deleted"
    assert shown[lone]["replies"] == [] and shown[lone]["reply_count"] == 0
    assert thread(client)["article"]["comment_count"] == 4


def test_the_audit_log_records_the_erasure_without_the_erased_data(app, client, admin,
                                                                   keys):  # noqa: F811
    gone = post(client, "very private words", author_name="Ada Lovelace",
                author_email="ada@example.org", headers=ADA).json["id"]
    hashes = stored_comment(app, gone)
    erase(admin, email="ada@example.org")
    entries = client.get("/api/v1/admin/audit", query_string={"site": "default"},
                         headers=bearer(keys.admin)).json["entries"]
    entry = entries[0]
    assert entry["action"] == "erase_reader"
    assert entry["actor"].startswith("key:")
    assert entry["details"]["comments"] == 1 and entry["details"]["selected_by"] == "email"
    text = json.dumps(entry)
    for erased in ("very private words", "Ada Lovelace", "ada@example.org", hashes.reader_hash,
                   hashes.email_hash, hashes.ip_hash):
        assert erased not in text


# --- hard delete by a moderator -------------------------------------------------------------------

def test_a_moderator_can_hard_delete_a_comment(app, client, keys):  # noqa: F811
    gone = post(client, "regrettable", author_name="Ada", headers=ADA).json["id"]
    reply = post(client, parent_id=gone, headers=BOB).json["id"]
    response = client.post(f"/api/v1/admin/comments/{gone}/moderate",
                           json={"action": "erase", "reason": "doxxing"},
                           headers=bearer(keys.moderator))
    assert response.status_code == 200, response.json
    assert response.json["comments"][0]["status"] == "deleted"
    assert response.json["comments"][0]["body_source"] == ""
    comment = stored_comment(app, gone)
    assert (comment.body_source, comment.author_name, comment.reader_hash, comment.ip_hash,
            comment.edit_token_hash) == ("", "", None, None, None)
    assert [r["id"] for r in thread(client)["comments"][0]["replies"]] == [reply]
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.action, entry.comment_id, entry.reason) == ("erase", gone, "doxxing")
    assert_counters_exact(app)


def test_the_bulk_route_hard_deletes_too(app, client, keys):  # noqa: F811
    ids = [post(client, headers=ADA).json["id"] for _ in range(2)]
    response = client.post("/api/v1/admin/comments/moderate",
                           json={"ids": ids, "action": "erase"}, headers=bearer(keys.moderator))
    assert response.status_code == 200
    assert thread(client)["comments"] == []
    assert_counters_exact(app)


# --- reply e-mails in the export --------------------------------------------------------------

def subscribe_confirmed(app, client, address, headers):
    """A comment whose author asked for reply e-mails, their subscription confirmed."""
    from commentsvc.notify.models import MailSubscription

    comment_id = post(client, author_email=address, notify_replies=True,
                      headers=headers).json["id"]
    with app.app_context():
        for subscription in db.session.scalars(select(MailSubscription)):
            subscription.confirmed_at = subscription.confirmed_at or subscription.created_at
        db.session.commit()
    return comment_id


def test_export_lists_the_readers_confirmed_subscription_and_watched_comment(app, client,
                                                                            admin):
    mine = subscribe_confirmed(app, client, "ada@example.org", ADA)
    subscribe_confirmed(app, client, "bob@example.org", BOB)
    for selector in ({"comment_id": mine}, {"email": "ada@example.org"}):
        document = export(admin, **selector)
        [subscription] = document["mail_subscriptions"]
        assert subscription["kind"] == "replies"
        assert subscription["address"] == "ada@example.org"
        assert subscription["confirmed"] is True and subscription["confirmed_at"]
        assert subscription["watched_comments"] == [mine]
        assert subscription["queued_reply_notices"] == 0
        assert "bob@example.org" not in json.dumps(document)


def test_an_address_subscribed_without_comments_left_is_found_by_email(app, client, admin):
    subscribe_confirmed(app, client, "ada@example.org", ADA)
    assert export(admin, email="bob@example.org")["mail_subscriptions"] == []
    assert len(export(admin, email="ada@example.org")["mail_subscriptions"]) == 1


def test_after_erasure_the_export_holds_no_subscription(app, client, admin):
    from commentsvc.notify.models import MailSubscription, ReplyWatch

    mine = subscribe_confirmed(app, client, "ada@example.org", ADA)
    subscribe_confirmed(app, client, "bob@example.org", BOB)
    erase(admin, comment_id=mine)
    assert export(admin, email="ada@example.org")["mail_subscriptions"] == []
    assert len(export(admin, email="bob@example.org")["mail_subscriptions"]) == 1
    with app.app_context():
        assert db.session.scalar(select(ReplyWatch).where(ReplyWatch.comment_id == mine)) is None
        assert len(list(db.session.scalars(select(MailSubscription)))) == 1
