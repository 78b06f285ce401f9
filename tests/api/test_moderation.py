"""Moderators at work through the admin API: queues, actions, counters, threads, bans, audit."""

from datetime import timedelta

import pytest

from tests.api.admin_support import bearer, keys  # noqa: F401
from tests.conftest import THREAD, post, set_site_settings


@pytest.fixture
def mod(client, keys):  # noqa: F811
    """Call the admin API as the default site's moderator."""
    def call(method, path, **kwargs):
        return getattr(client, method)(f"/api/v1/admin{path}", headers=bearer(keys.moderator),
                                       **kwargs)
    return call


def hold_everything(app):
    set_site_settings(app, {"moderation": "pre"})


def queue(mod, status="pending", **query):
    response = mod("get", "/comments", query_string={"site": "default", "status": status,
                                                     **query})
    assert response.status_code == 200, response.json
    return response.json


def count(client, article="news-42"):
    query = {"site": "default", "article": article}
    return client.get("/api/v1/counts", query_string=query).json["counts"][article]


def act(mod, comment_id, action, reason=""):
    return mod("post", f"/comments/{comment_id}/moderate",
               json={"action": action, "reason": reason})


def test_the_pending_queue_shows_held_comments_with_the_rule_reason(app, client, mod):
    hold_everything(app)
    held = post(client, "wait for me", author_name="Ada").json["id"]
    [item] = queue(mod)["comments"]
    assert item["id"] == held
    assert item["moderation_reason"] == "site moderation mode is 'pre'"
    assert item["body_source"] == "wait for me"
    assert item["author"]["name"] == "Ada"
    assert item["history"][0]["actor"] == "rules"


def test_approving_a_held_comment_publishes_and_counts_it(app, client, mod):
    hold_everything(app)
    held = post(client).json["id"]
    assert count(client) == 0
    response = act(mod, held, "approve")
    assert response.status_code == 200
    assert response.json["comments"][0]["status"] == "approved"
    assert count(client) == 1
    assert client.get(f"/api/v1/comments/{held}").status_code == 200


@pytest.mark.parametrize("action", ["reject", "spam", "delete"])
def test_removing_a_published_comment_lowers_the_count(client, mod, action):
    comment = post(client).json["id"]
    assert act(mod, comment, action).json["comments"][0]["status"] in {
        "rejected", "spam", "deleted"}
    assert count(client) == 0
    assert client.get(f"/api/v1/comments/{comment}").status_code == 404


def test_removing_a_parent_keeps_its_replies_visible(client, mod):
    parent = post(client).json["id"]
    post(client, parent_id=parent)
    act(mod, parent, "reject")
    [shown] = client.get("/api/v1/comments", query_string=THREAD).json["comments"]
    assert shown["status"] == "rejected"
    assert shown["html"] == "" and shown["author"] is None
    assert count(client) == 1


def test_counters_stay_exact_through_every_transition(client, mod):
    parent = post(client).json["id"]
    child = post(client, parent_id=parent).json["id"]
    for action, expected in [("reject", 1), ("approve", 2), ("spam", 1), ("delete", 1),
                             ("approve", 2)]:
        act(mod, parent, action)
        assert count(client) == expected, action
    act(mod, child, "reject")
    act(mod, parent, "delete")
    assert count(client) == 0
    assert client.get("/api/v1/comments", query_string=THREAD).json["comments"] == []


def test_bulk_actions_apply_to_all_in_one_go(client, mod):
    ids = [post(client).json["id"] for _ in range(4)]
    response = mod("post", "/comments/moderate", json={"ids": ids, "action": "reject"})
    assert response.status_code == 200
    assert {c["status"] for c in response.json["comments"]} == {"rejected"}
    assert count(client) == 0


def test_a_bulk_action_with_an_unknown_id_changes_nothing(client, mod):
    ids = [post(client).json["id"] for _ in range(2)]
    response = mod("post", "/comments/moderate", json={"ids": [*ids, 999999],
                                                        "action": "reject"})
    assert response.status_code == 404
    assert count(client) == 2


def test_bulk_actions_take_at_most_500_ids(mod):
    response = mod("post", "/comments/moderate", json={"ids": list(range(1, 502)),
                                                        "action": "approve"})
    assert response.status_code == 422


def test_an_unknown_action_is_422(client, mod):
    assert act(mod, post(client).json["id"], "obliterate").status_code == 422


def test_pinned_comments_come_first(client, clock, mod):
    first = post(client).json["id"]
    clock.advance(seconds=1)
    second = post(client).json["id"]
    act(mod, second, "pin")
    comments = client.get("/api/v1/comments", query_string=THREAD).json["comments"]
    assert [c["id"] for c in comments] == [second, first]
    assert comments[0]["pinned"] is True
    act(mod, second, "unpin")
    comments = client.get("/api/v1/comments", query_string=THREAD).json["comments"]
    assert [c["id"] for c in comments] == [first, second]


def test_pinned_comments_are_not_repeated_on_later_pages(client, clock, mod):
    ids = []
    for _ in range(5):
        ids.append(post(client).json["id"])
        clock.advance(seconds=1)
    act(mod, ids[3], "pin")
    seen, cursor = [], None
    while True:
        query = {**THREAD, "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/comments", query_string=query).json
        seen += [c["id"] for c in body["comments"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [ids[3], ids[0], ids[1], ids[2], ids[4]]


def test_only_top_level_comments_can_be_pinned(client, mod):
    parent = post(client).json["id"]
    reply = post(client, parent_id=parent).json["id"]
    assert act(mod, reply, "pin").status_code == 422


def test_closing_a_thread_stops_new_comments_but_keeps_old_ones(client, mod):
    post(client)
    response = mod("patch", "/articles", query_string=THREAD, json={"closed": True})
    assert response.status_code == 200
    assert response.json["closed"] is True
    assert post(client).status_code == 409
    page = client.get("/api/v1/comments", query_string=THREAD).json
    assert page["article"]["closed"] is True
    assert len(page["comments"]) == 1


def test_a_thread_can_be_closed_before_its_first_comment(client, mod):
    mod("patch", "/articles", query_string={"site": "default", "article": "fresh"},
        json={"closed": True})
    assert post(client, article="fresh").status_code == 409


def test_premoderating_a_thread_holds_new_comments(client, mod):
    mod("patch", "/articles", query_string=THREAD, json={"premoderated": True})
    assert post(client).status_code == 202


def test_thread_settings_can_be_read(client, mod):
    query = {"site": "default", "article": "never-commented"}
    fresh = mod("get", "/articles", query_string=query).json
    assert (fresh["closed"], fresh["premoderated"], fresh["comment_count"]) == (False, False, 0)
    mod("patch", "/articles", query_string=THREAD, json={"premoderated": True})
    assert mod("get", "/articles", query_string=THREAD).json["premoderated"] is True


def test_a_moderators_reason_does_not_replace_the_rules(app, client, mod):
    hold_everything(app)
    held = post(client).json["id"]
    act(mod, held, "reject", reason="off topic")
    [item] = queue(mod, "rejected")["comments"]
    assert item["moderation_reason"] == "site moderation mode is 'pre'"
    assert item["history"][-1]["reason"] == "off topic"


def test_thread_settings_need_something_to_change(mod):
    assert mod("patch", "/articles", query_string=THREAD, json={}).status_code == 422


def test_queues_filter_by_article_author_and_text(client, mod):
    post(client, "about cats", author_name="Ada")
    post(client, "about dogs", author_name="Grace", article="other")
    assert [c["body_source"] for c in queue(mod, "approved", article="other")["comments"]] == [
        "about dogs"]
    assert [c["author"]["name"] for c in queue(mod, "approved", author="ad")["comments"]] == [
        "Ada"]
    assert [c["body_source"] for c in queue(mod, "approved", q="CATS")["comments"]] == [
        "about cats"]
    assert queue(mod, "approved", q="100%_")["comments"] == []


def test_queues_page_with_cursors(client, clock, mod):
    for _ in range(5):
        post(client)
        clock.advance(seconds=1)
    first = queue(mod, "approved", limit=3)
    second = queue(mod, "approved", limit=3, cursor=first["next_cursor"])
    assert len(first["comments"]) == 3 and len(second["comments"]) == 2
    assert second["next_cursor"] is None


def test_a_queue_with_a_bad_status_is_400(mod):
    assert mod("get", "/comments", query_string={"site": "default",
                                                 "status": "lost"}).status_code == 400


def test_every_moderator_action_is_in_the_audit_log(client, mod, keys):  # noqa: F811
    comment = post(client).json["id"]
    act(mod, comment, "reject", reason="rude")
    entries = mod("get", "/audit", query_string={"site": "default"}).json["entries"]
    # Making the test's keys is in the log too; this is about the comment.
    [entry] = [e for e in entries if e["comment_id"] == comment]
    assert entry["action"] == "reject"
    assert entry["reason"] == "rude"
    assert (entry["before_status"], entry["after_status"]) == ("approved", "rejected")
    assert entry["actor"].startswith("key:")
    assert entry["comment_id"] == comment


def test_the_audit_log_pages_newest_first(client, mod):
    comment = post(client).json["id"]
    for action in ("reject", "approve", "pin"):
        act(mod, comment, action)
    first = mod("get", "/audit", query_string={"site": "default", "limit": 2}).json
    assert [e["action"] for e in first["entries"]] == ["pin", "approve"]
    rest = mod("get", "/audit", query_string={"site": "default", "limit": 2,
                                              "cursor": first["next_cursor"]}).json
    assert [e["action"] for e in rest["entries"] if e["comment_id"]] == ["reject"]


# --- bans ------------------------------------------------------------------------------------

def ban(mod, **body):
    return mod("post", "/bans", json={"site": "default", **body})


def test_banning_the_author_of_a_comment_stops_their_posts(client, mod):
    reader = {"X-Reader-Token": "troll-reader-token-0"}
    comment = post(client, headers=reader).json["id"]
    response = ban(mod, comment_id=comment, by=["reader"], reason="trolling")
    assert response.status_code == 201
    refused = post(client, headers=reader)
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "banned"
    assert "trolling" in refused.json["error"]["message"]
    assert post(client, headers={"X-Reader-Token": "someone-else-reader"}).status_code == 201


def test_a_ban_by_ip_catches_a_new_reader_token(client, mod):
    comment = post(client, headers={"X-Reader-Token": "a-reader-token-0"}).json["id"]
    ban(mod, comment_id=comment, by=["ip"])
    assert post(client, headers={"X-Reader-Token": "b-reader-token-0"}).status_code == 403


def test_a_ban_by_email_value(client, mod):
    ban(mod, email="Troll@Example.org")
    assert post(client, author_email="troll@example.org").status_code == 403


def test_an_email_ban_ignores_case_and_plus_tags(client, mod):
    ban(mod, email="ada@example.org")
    refused = post(client, author_email="Ada+x@EXAMPLE.org")
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "banned"
    assert post(client, author_email="bob+ada@example.org").status_code == 201


def test_an_email_ban_naming_a_plus_tag_bans_the_whole_address(client, mod):
    assert ban(mod, email="Ada+news@Example.org").status_code == 201
    assert post(client, author_email="ada@example.org").status_code == 403


def test_a_ban_by_the_email_of_a_comment_catches_other_tags(client, mod):
    comment = post(client, author_email="ada+first@example.org").json["id"]
    ban(mod, comment_id=comment, by=["email"])
    assert post(client, author_email="ADA+second@example.org").status_code == 403


def test_a_ban_can_reject_the_authors_earlier_comments(client, mod):
    reader = {"X-Reader-Token": "spammer-reader-token-0"}
    ids = [post(client, headers=reader).json["id"] for _ in range(3)]
    post(client, headers={"X-Reader-Token": "innocent-reader-token-0"})
    ban(mod, comment_id=ids[0], by=["reader"], reject_comments=True)
    assert count(client) == 1
    assert {c["id"] for c in queue(mod, "rejected")["comments"]} == set(ids)


def test_a_ban_expires(client, clock, mod):
    reader = {"X-Reader-Token": "hothead-reader-token-0"}
    comment = post(client, headers=reader).json["id"]
    ban(mod, comment_id=comment, by=["reader"],
        expires_at=(clock() + timedelta(hours=1)).isoformat())
    assert post(client, headers=reader).status_code == 403
    clock.advance(hours=1, seconds=1)
    assert post(client, headers=reader).status_code == 201


def test_a_ban_in_the_past_is_422(clock, mod):
    response = ban(mod, ip="192.0.2.1", expires_at=(clock() - timedelta(hours=1)).isoformat())
    assert response.status_code == 422


def test_a_ban_needs_exactly_one_target(mod):
    assert ban(mod).status_code == 422
    assert ban(mod, ip="192.0.2.1", email="a@b.example").status_code == 422


def test_bans_are_listed_and_lifted(client, mod):
    created = ban(mod, ip="192.0.2.1", reason="flood").json["bans"][0]
    listed = mod("get", "/bans", query_string={"site": "default"}).json["bans"]
    assert [b["id"] for b in listed] == [created["id"]]
    assert "192.0.2.1" not in str(listed)
    assert mod("delete", f"/bans/{created['id']}").status_code == 204
    assert mod("get", "/bans", query_string={"site": "default"}).json["bans"] == []
    assert mod("delete", f"/bans/{created['id']}").status_code == 404
    again = ban(mod, ip="192.0.2.1").json["bans"][0]
    assert again["id"] != created["id"]


def test_bans_page_with_cursors(mod):
    for n in range(3):
        ban(mod, ip=f"192.0.2.{n}")
    first = mod("get", "/bans", query_string={"site": "default", "limit": 2}).json
    rest = mod("get", "/bans", query_string={"site": "default", "limit": 2,
                                             "cursor": first["next_cursor"]}).json
    assert len(first["bans"]) == 2 and len(rest["bans"]) == 1
    assert rest["next_cursor"] is None


def test_moderators_never_see_raw_emails_or_ips(client, mod):
    post(client, author_email="ada@example.org")
    text = mod("get", "/comments", query_string={"site": "default",
                                                 "status": "approved"}).get_data(as_text=True)
    assert "ada@example.org" not in text
    assert "127.0.0.1" not in text
