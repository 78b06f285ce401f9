"""Property: paging through a thread while it changes lists every comment that stayed
approved exactly once, anything new at most once, and never a duplicate; the same for replies,
through each page's first replies and the replies cursor.

Each example uses a fresh article, because the database is reset per test, not per example.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import APPROVED, Article, Comment
from commentsvc.threads import MAX_PINNED
from tests.api.admin_support import bearer, keys  # noqa: F401
from tests.conftest import set_site_settings

HELD_WORD = "holdme"  # a suspect word: a comment containing it is held for moderation
_articles = itertools.count(1)
_bodies = itertools.count(1)

# What can happen to a thread; the number picks which comment (modulo those there are).
GROW = st.one_of(
    st.tuples(st.just("post"), st.sampled_from([False, False, False, True])),  # True: held
    st.tuples(st.just("reply"), st.integers(0, 50)),      # under an approved comment
    st.tuples(st.just("reply"), st.integers(0, 2)),       # long reply lists under a few
    st.tuples(st.just("reply_held"), st.integers(0, 50)),
)
ACTIONS = st.one_of(
    GROW,
    st.tuples(st.sampled_from(["approve", "reject", "spam", "delete"]), st.integers(0, 50)),
    st.tuples(st.just("author_delete"), st.integers(0, 50)),
    st.tuples(st.just("wait"), st.integers(1, 3)),
)
# Pins lead the first page and are left out of the cursor pages: only pinned before paging.
SETUP = st.one_of(ACTIONS, st.tuples(st.just("pin"), st.integers(0, 50)))


@dataclass
class Thread:
    """One article, driven through the API; remembers what it needs to drive it further."""

    client: object
    clock: object
    moderator_key: str
    article: str
    ids: list[int] = field(default_factory=list)
    tokens: dict[int, str] = field(default_factory=dict)
    touched: set[int] = field(default_factory=set)  # status changed while paging

    def post(self, held: bool, parent_id: int | None = None) -> None:
        body = f"comment {next(_bodies)}" + (f" {HELD_WORD}" if held else "")
        response = self.client.post("/api/v1/comments", json={
            "site": "default", "article": self.article, "body": body, "parent_id": parent_id})
        assert_answer(response)
        if response.status_code in (201, 202):
            self.ids.append(response.json["id"])
            self.tokens[response.json["id"]] = response.json["edit_token"]

    def apply(self, action: tuple[str, int | bool]) -> None:
        name, arg = action
        if name == "wait":
            self.clock.advance(seconds=arg)
        elif name == "post":
            self.post(held=bool(arg))
        elif not self.ids:
            return
        elif name in ("reply", "reply_held"):
            approved = self.approved()
            if approved:
                self.post(name == "reply_held", approved[arg % len(approved)])
        elif name == "author_delete":
            target = self.ids[arg % len(self.ids)]
            self.touched.add(target)
            response = self.client.delete(f"/api/v1/comments/{target}",
                                          headers=bearer(self.tokens[target]))
            assert_answer(response)
        else:
            target = self.ids[arg % len(self.ids)]
            self.touched.add(target)
            response = self.client.post(f"/api/v1/admin/comments/{target}/moderate",
                                        json={"action": name},
                                        headers=bearer(self.moderator_key))
            assert_answer(response)

    def approved(self) -> list[int]:
        with self.client.application.app_context():
            return list(db.session.scalars(
                select(Comment.id).join(Article)
                .where(Article.key == self.article, Comment.status == APPROVED)
                .order_by(Comment.id)))


def assert_answer(response) -> None:
    """Any 4xx is a fair answer to a random action if it is the error envelope; 5xx never."""
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code >= 400:
        assert set(response.json["error"]) >= {"code", "message"}, response.json


def flatten(nodes: list[dict]) -> list[dict]:
    return [n for node in nodes for n in (node, *flatten(node.get("replies") or []))]


def walk(thread: Thread, sort: str, limit: int,
         data: st.DataObject | None) -> tuple[list, list]:
    """Every page, then every replies page, with random changes between any two fetches."""
    client, top_level, replies, cursor = thread.client, [], [], None
    more_replies: list[tuple[int, str]] = []
    while True:
        query = {"site": "default", "article": thread.article, "sort": sort, "limit": limit}
        response = client.get("/api/v1/comments",
                              query_string={**query, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.json
        for node in response.json["comments"]:
            top_level.append(node["id"])
            replies += [n["id"] for n in flatten(node["replies"])]
            if node["replies_cursor"]:
                more_replies.append((node["id"], node["replies_cursor"]))
        change(thread, data)
        cursor = response.json["next_cursor"]
        if cursor is None:
            break
    for root_id, replies_cursor in more_replies:
        while replies_cursor:
            response = client.get(f"/api/v1/comments/{root_id}/replies",
                                  query_string={"cursor": replies_cursor, "limit": limit})
            assert response.status_code == 200, response.json
            replies += [n["id"] for n in response.json["comments"]]
            replies_cursor = response.json["next_cursor"]
            change(thread, data)
    return top_level, replies


def change(thread: Thread, data: st.DataObject | None) -> None:
    if data is None:
        return
    for action in data.draw(st.lists(ACTIONS, max_size=2), label="changes"):
        thread.apply(action)


@pytest.fixture
def held_word(app):
    set_site_settings(app, {"suspect_words": [HELD_WORD]})


@pytest.mark.parametrize("sort", ["oldest", "newest", "top"])
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(setup=st.tuples(st.lists(GROW, min_size=3, max_size=24), st.lists(SETUP, max_size=6))
       .map(lambda parts: parts[0] + parts[1]), limit=st.integers(1, 7),
       data=st.data())
def test_paging_while_the_thread_changes_lists_every_steady_comment_exactly_once(
        client, clock, keys, held_word, sort, setup, limit, data):  # noqa: F811
    thread = Thread(client, clock, keys.moderator, f"paging-{next(_articles)}")
    for action in setup:
        thread.apply(action)
    thread.touched.clear()
    approved_before = set(thread.approved())

    top_level, replies = walk(thread, sort, limit, data)

    steady = approved_before & set(thread.approved()) - thread.touched
    with client.application.app_context():
        roots = dict(db.session.execute(select(Comment.id, Comment.root_id)
                                        .where(Comment.id.in_(steady))).all())
    assert len(top_level) == len(set(top_level)), f"duplicate top-level comments {top_level}"
    assert len(replies) == len(set(replies)), f"duplicate replies {replies}"
    assert {i for i in steady if roots[i] is None} <= set(top_level)
    assert {i for i in steady if roots[i] is not None} <= set(replies)
    assert set(top_level) <= set(thread.ids) and set(replies) <= set(thread.ids)


def test_every_pinned_comment_is_listed_or_the_pin_is_refused(client, keys):  # noqa: F811
    thread = Thread(client, None, keys.moderator, "many-pins")
    for _ in range(MAX_PINNED + 1):
        thread.post(held=False)
    pins = [thread.client.post(f"/api/v1/admin/comments/{comment_id}/moderate",
                               json={"action": "pin"}, headers=bearer(keys.moderator))
            for comment_id in thread.ids]
    pinned = {i for i, r in zip(thread.ids, pins, strict=True) if r.status_code == 200}
    assert [r.status_code for r in pins] == [200] * MAX_PINNED + [409]
    assert pins[-1].json["error"]["code"] == "too_many_pinned"
    listed = []
    for sort in ("oldest", "newest", "top"):
        top_level, _ = walk(thread, sort, 3, None)
        listed.append(sorted(top_level))
    assert listed == [sorted(thread.ids)] * 3
    assert pinned == set(thread.ids[:MAX_PINNED])
