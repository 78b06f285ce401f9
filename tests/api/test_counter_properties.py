"""Property: whatever readers, authors and moderators do, in any order, every stored counter
equals a recount from the rows (counters.recount), after every single step.

Each example uses a fresh article, because the database is reset per test, not per example.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from commentsvc import counters
from commentsvc.extensions import db
from commentsvc.models import Article, Comment
from tests.api.admin_support import bearer, keys  # noqa: F401
from tests.conftest import set_site_settings

HELD_WORD = "holdme"  # a suspect word: a comment containing it is held for moderation
READERS = [f"propsreader{n:08d}" for n in range(5)]  # the widget's token format
ADDRESSES = ["192.0.2.1", "192.0.2.2", "198.51.100.7"]
_articles = itertools.count(1)
_bodies = itertools.count(1)

reader = st.integers(0, len(READERS) - 1)
address = st.integers(0, len(ADDRESSES) - 1)
# Which comment, modulo those there are: often the first or the latest few, so that chains of
# replies grow deep and the same comments go through many states.
target = st.one_of(st.integers(0, 2), st.integers(-3, -1), st.integers(0, 30))
held = st.sampled_from([False, False, True])
reply = st.tuples(st.just("reply"), reader, address, target, held)
new_post = st.tuples(st.just("post"), reader, address, held)
ACTIONS = st.one_of(
    new_post, reply, reply,
    st.tuples(st.just("edit"), target, st.booleans()),
    st.tuples(st.just("author_delete"), target),
    st.tuples(st.just("moderate"), target,
              st.sampled_from(["approve", "reject", "spam", "delete", "pin", "unpin"])),
    st.tuples(st.just("vote"), reader, address, target, st.sampled_from([1, -1, 0])),
    st.tuples(st.just("flag"), reader, address, target),
    st.tuples(st.just("wait"), st.sampled_from([1, 60, 1000])),  # 1000 s: past the edit window
)


@dataclass
class Thread:
    client: object
    clock: object
    moderator_key: str
    article: str
    ids: list[int] = field(default_factory=list)
    tokens: dict[int, str] = field(default_factory=dict)

    def send(self, method: str, path: str, who: tuple[int, int] | None = None, **kwargs):
        if who is not None:
            kwargs["headers"] = {"X-Reader-Token": READERS[who[0]], **kwargs.get("headers", {})}
            kwargs["environ_base"] = {"REMOTE_ADDR": ADDRESSES[who[1]]}
        response = getattr(self.client, method)(path, **kwargs)
        assert response.status_code < 500, response.get_data(as_text=True)[:500]
        if response.status_code >= 400:
            assert set(response.json["error"]) >= {"code", "message"}, response.json
        return response

    def post(self, who: tuple[int, int], held: bool, parent: int | None = None) -> None:
        body = f"comment {next(_bodies)}" + (f" {HELD_WORD}" if held else "")
        response = self.send("post", "/api/v1/comments", who, json={
            "site": "default", "article": self.article, "body": body, "parent_id": parent})
        if response.status_code in (201, 202):
            self.ids.append(response.json["id"])
            self.tokens[response.json["id"]] = response.json["edit_token"]

    def pick(self, index: int) -> int:
        return self.ids[index % len(self.ids)]

    def apply(self, action: tuple) -> None:
        name, *args = action
        if name == "wait":
            self.clock.advance(seconds=args[0])
        elif name == "post":
            self.post((args[0], args[1]), args[2])
        elif not self.ids:
            return
        elif name == "reply":
            self.post((args[0], args[1]), args[3], parent=self.pick(args[2]))
        elif name == "edit":
            comment_id = self.pick(args[0])
            body = f"edited {next(_bodies)}" + (f" {HELD_WORD}" if args[1] else "")
            self.send("patch", f"/api/v1/comments/{comment_id}", json={"body": body},
                      headers=bearer(self.tokens[comment_id]))
        elif name == "author_delete":
            comment_id = self.pick(args[0])
            self.send("delete", f"/api/v1/comments/{comment_id}",
                      headers=bearer(self.tokens[comment_id]))
        elif name == "moderate":
            self.send("post", f"/api/v1/admin/comments/{self.pick(args[0])}/moderate",
                      json={"action": args[1]}, headers=bearer(self.moderator_key))
        elif name == "vote":
            self.send("post", f"/api/v1/comments/{self.pick(args[2])}/vote",
                      (args[0], args[1]), json={"value": args[3]})
        elif name == "flag":
            self.send("post", f"/api/v1/comments/{self.pick(args[2])}/flag",
                      (args[0], args[1]), json={"reason": "abuse", "note": ""})


def stored(session, article_id: int) -> counters.Counts:
    article = session.get(Article, article_id)
    rows = session.scalars(select(Comment).where(Comment.article_id == article_id)).all()
    return counters.Counts(
        article.comment_count,
        {c.id: c.reply_count for c in rows},
        {c.id: c.descendant_count for c in rows if c.root_id is None},
        {c.id: c.score for c in rows},
        {c.id: c.flag_count for c in rows},
    )


def assert_counters_match_a_recount(thread: Thread, step: tuple) -> None:
    with thread.client.application.app_context():
        article_id = db.session.scalar(select(Article.id).where(Article.key == thread.article))
        if article_id is None:
            return
        expected = counters.recount(db.session, article_id)
        actual = stored(db.session, article_id)
        db.session.remove()
    for name in ("comment_count", "reply_count", "descendant_count", "score", "flag_count"):
        assert getattr(actual, name) == getattr(expected, name), f"{name} after {step}"


@pytest.fixture
def held_word(app):
    set_site_settings(app, {"suspect_words": [HELD_WORD]})


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.tuples(st.lists(st.one_of(new_post, reply), min_size=3, max_size=10),
                      st.lists(ACTIONS, min_size=10, max_size=40))
       .map(lambda parts: parts[0] + parts[1]))
# A removed reply stays shown while it has replies; hiding its last one hides it too, which
# must reach its own parent's counters (rarely drawn at random, so spelled out).
@example(steps=[("post", 0, 0, False), ("reply", 1, 1, -1, False), ("reply", 2, 2, -1, False),
                ("moderate", 1, "delete"), ("moderate", 2, "reject"), ("moderate", 2, "approve"),
                ("author_delete", 2), ("moderate", 0, "spam"), ("moderate", 1, "approve")])
def test_any_sequence_of_actions_keeps_every_counter_equal_to_a_recount(
        client, clock, keys, held_word, steps):  # noqa: F811
    thread = Thread(client, clock, keys.moderator, f"counters-{next(_articles)}")
    for step in steps:
        thread.apply(step)
        assert_counters_match_a_recount(thread, step)
