import json

import pytest
from sqlalchemy import event

from commentsvc.extensions import db
from tests.conftest import THREAD, post, set_site_settings


def page(client, **params):
    response = client.get("/api/v1/comments", query_string={**THREAD, **params})
    assert response.status_code == 200, response.json
    return response.json


def all_pages(client, **params):
    ids, cursor = [], None
    while True:
        body = page(client, **params, **({"cursor": cursor} if cursor else {}))
        ids += [c["id"] for c in body["comments"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


def test_an_article_without_comments_answers_an_empty_thread(client):
    body = page(client, article="never-commented")
    assert body["article"]["comment_count"] == 0
    assert body["comments"] == []
    assert body["next_cursor"] is None


def test_an_unknown_site_is_404(client):
    response = client.get("/api/v1/comments", query_string={**THREAD, "site": "nope"})
    assert response.status_code == 404


@pytest.mark.parametrize("sort", ["oldest", "newest", "top"])
def test_cursor_pages_walk_every_top_level_comment_once(client, clock, sort):
    posted = []
    for n in range(7):
        posted.append(post(client, f"comment {n}").json["id"])
        clock.advance(seconds=1)
    ids = all_pages(client, sort=sort, limit=3)
    assert sorted(ids) == sorted(posted)
    if sort == "oldest":
        assert ids == posted
    if sort == "newest":
        assert ids == posted[::-1]


def test_the_last_page_has_no_cursor(client):
    for _ in range(4):
        post(client)
    first = page(client, limit=2)
    second = page(client, limit=2, cursor=first["next_cursor"])
    assert len(second["comments"]) == 2
    assert second["next_cursor"] is None


def test_comments_with_the_same_timestamp_are_not_skipped_between_pages(client):
    posted = [post(client, f"same time {n}").json["id"] for n in range(5)]  # clock stands still
    assert all_pages(client, limit=2) == posted


@pytest.mark.parametrize("cursor", ["garbage", "e30", "WyJvbGRlc3QiXQ", "%%%"])
def test_a_malformed_cursor_is_400(client, cursor):
    response = client.get("/api/v1/comments", query_string={**THREAD, "cursor": cursor})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_cursor"


def test_a_cursor_from_another_sort_is_400(client):
    for _ in range(3):
        post(client)
    cursor = page(client, limit=1, sort="top")["next_cursor"]
    response = client.get("/api/v1/comments",
                          query_string={**THREAD, "cursor": cursor, "sort": "oldest"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "params",
    [{"limit": "many"}, {"limit": 0}, {"limit": 101}, {"sort": "random"}, {"site": None},
     {"article": "a" * 513}],
)
def test_bad_query_parameters_are_400(client, params):
    query = {k: v for k, v in {**THREAD, **params}.items() if v is not None}
    response = client.get("/api/v1/comments", query_string=query)
    assert response.status_code == 400
    assert response.json["error"]["fields"]


def test_top_sort_orders_by_score(client, app):
    low, high = post(client, "low").json["id"], post(client, "high").json["id"]
    with app.app_context():
        from commentsvc.models import Comment

        db.session.get(Comment, high).score = 5
        db.session.commit()
    assert [c["id"] for c in page(client, sort="top")["comments"]] == [high, low]


def test_replies_are_nested_under_their_parents(client):
    root = post(client, "root").json["id"]
    child = post(client, "child", parent_id=root).json["id"]
    grandchild = post(client, "grandchild", parent_id=child).json["id"]
    [shown] = page(client)["comments"]
    assert shown["reply_count"] == 1
    assert shown["replies"][0]["id"] == child
    assert shown["replies"][0]["replies"][0]["id"] == grandchild
    assert shown["replies"][0]["replies"][0]["depth"] == 2


def test_replies_deeper_than_the_display_depth_are_shown_at_that_depth(client):
    ids = [post(client, "root").json["id"]]
    for level in range(1, 6):
        ids.append(post(client, f"level {level}", parent_id=ids[-1]).json["id"])
    [root] = page(client)["comments"]
    level1 = root["replies"][0]
    level2 = level1["replies"][0]
    shown_at_3 = level2["replies"]
    assert [c["id"] for c in shown_at_3] == ids[3:6]
    assert [c["depth"] for c in shown_at_3] == [3, 3, 3]
    assert [c["parent_id"] for c in shown_at_3] == ids[2:5]


def test_more_replies_continue_where_the_page_stopped(client, clock):
    root = post(client, "root").json["id"]
    replies = []
    for n in range(12):
        clock.advance(seconds=1)
        replies.append(post(client, f"reply {n}", parent_id=root).json["id"])
    [shown] = page(client)["comments"]
    first = [c["id"] for c in shown["replies"]]
    assert shown["replies_remaining"] == 12 - len(first)
    cursor, rest = shown["replies_cursor"], []
    while cursor:
        more = client.get(f"/api/v1/comments/{root}/replies",
                          query_string={"cursor": cursor, "limit": 4}).json
        rest += [c["id"] for c in more["comments"]]
        cursor = more["next_cursor"]
    assert first + rest == replies


def test_replies_of_a_nested_comment_cover_only_its_subtree(client):
    root = post(client, "root").json["id"]
    a = post(client, "a", parent_id=root).json["id"]
    b = post(client, "b", parent_id=root).json["id"]
    a1 = post(client, "a1", parent_id=a).json["id"]
    a2 = post(client, "a2", parent_id=a1).json["id"]
    post(client, "b1", parent_id=b)
    body = client.get(f"/api/v1/comments/{a}/replies").json
    assert [c["id"] for c in body["comments"]] == [a1, a2]


def test_replies_of_an_unknown_comment_are_404(client):
    assert client.get("/api/v1/comments/424242/replies").status_code == 404


def test_a_deleted_comment_with_replies_keeps_its_place(client):
    parent = post(client, "parent", author_name="Ada").json
    post(client, "child", parent_id=parent["id"])
    client.delete(f"/api/v1/comments/{parent['id']}",
                  headers={"Authorization": f"Bearer {parent['edit_token']}"})
    body = page(client)
    [shown] = body["comments"]
    assert shown["status"] == "deleted"
    assert shown["html"] == ""
    assert shown["author"] is None
    assert shown["replies"][0]["html"] == "<p>child</p>"
    assert body["article"]["comment_count"] == 1


def test_a_deleted_comment_without_replies_leaves_the_thread(client):
    comment = post(client).json
    client.delete(f"/api/v1/comments/{comment['id']}",
                  headers={"Authorization": f"Bearer {comment['edit_token']}"})
    body = page(client)
    assert body["comments"] == []
    assert body["article"]["comment_count"] == 0


def test_deleting_the_last_reply_of_a_deleted_comment_removes_both(client):
    parent = post(client, "parent").json
    child = post(client, "child", parent_id=parent["id"]).json
    for comment in (parent, child):
        client.delete(f"/api/v1/comments/{comment['id']}",
                      headers={"Authorization": f"Bearer {comment['edit_token']}"})
    assert page(client)["comments"] == []


def test_counts_are_exact_for_many_articles(client):
    for article, n in (("a", 3), ("b", 1)):
        for _ in range(n):
            post(client, article=article)
    response = client.get("/api/v1/counts",
                          query_string=[("site", "default"), ("article", "a"),
                                        ("article", "b"), ("article", "c")])
    assert response.json == {"counts": {"a": 3, "b": 1, "c": 0}}


def test_counts_include_replies_but_not_held_comments(client):
    root = post(client).json["id"]
    post(client, parent_id=root)
    counts = client.get("/api/v1/counts", query_string={"site": "default", "article": "news-42"})
    assert counts.json["counts"]["news-42"] == 2


@pytest.mark.parametrize(
    "query",
    [{"site": "default"}, {"article": "a"}, {"site": "default", "article": [""]},
     {"site": "default", "article": [f"a{n}" for n in range(201)]}],
)
def test_bad_counts_queries_are_400(client, query):
    assert client.get("/api/v1/counts", query_string=query).status_code == 400


def test_counts_for_an_unknown_site_are_404(client):
    query = {"site": "nope", "article": "a"}
    assert client.get("/api/v1/counts", query_string=query).status_code == 404


def test_a_single_comment_is_served_for_permalinks(client):
    root = post(client, "root").json["id"]
    reply = post(client, "reply", parent_id=root).json["id"]
    body = client.get(f"/api/v1/comments/{reply}").json
    assert body["id"] == reply
    assert body["root_id"] == root
    landing = page(client, cursor=body["thread_cursor"])
    assert landing["comments"][0]["id"] == root


def test_an_unknown_comment_is_404(client):
    response = client.get("/api/v1/comments/999999")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "comment_not_found"


def test_a_held_comment_is_not_public(client, app):

    set_site_settings(app, {"moderation": "pre"})
    held = post(client).json["id"]
    assert client.get(f"/api/v1/comments/{held}").status_code == 404
    assert page(client)["comments"] == []


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


def queries_for_first_page(app, client, article):
    counter = QueryCounter()
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            page(client, article=article)
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
    return counter.count


def test_a_page_costs_the_same_queries_for_a_small_and_a_big_thread(app, client):
    post(client, article="small")
    roots = [post(client, f"top {n}", article="big").json["id"] for n in range(25)]
    for root in roots:
        child = post(client, article="big", parent_id=root).json["id"]
        for _ in range(5):
            child = post(client, article="big", parent_id=child).json["id"]
    small = queries_for_first_page(app, client, "small")
    big = queries_for_first_page(app, client, "big")
    assert small == big
    assert big <= 5


def test_replies_cannot_nest_beyond_the_deepest_level(app, client):
    from commentsvc.models import Comment
    from commentsvc.posting import MAX_DEPTH

    parent = post(client).json["id"]
    with app.app_context():
        db.session.get(Comment, parent).depth = MAX_DEPTH - 1
        db.session.commit()
    response = post(client, parent_id=parent)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "too_deep"


def test_a_thread_page_is_compact_json_like_every_other_answer(client):
    first = post(client, "Grüße aus Köln").get_json()
    post(client, parent_id=first["id"])
    thread = client.get("/api/v1/comments", query_string=THREAD)
    one = client.get(f"/api/v1/comments/{first['id']}")
    for response in (thread, one):
        body = response.get_data(as_text=True)
        assert body.strip() == json.dumps(response.get_json(), separators=(",", ":"))
