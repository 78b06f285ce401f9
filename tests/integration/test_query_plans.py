"""On PostgreSQL, the list queries read an index in the order they return rows: a page costs
what the page holds, not what the thread or the queue holds (see benchmarks/scale.py).

The tables here are small, so the planner is told to avoid sequential scans and sorts if it
can; a query that no index can serve in order still shows a Sort, and the test fails."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event, text

from commentsvc.extensions import db
from tests.api.admin_support import bearer, keys  # noqa: F401
from tests.conftest import TEST_DATABASE_URL, THREAD, post

pytestmark = pytest.mark.skipif(not (TEST_DATABASE_URL or "").startswith("postgresql"),
                                reason="query plans are PostgreSQL's (SQLite has no EXPLAIN "
                                       "in this form)")


def captured(app, call) -> list[tuple[str, Any]]:
    statements: list[tuple[str, Any]] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        response = call()
        assert response.status_code == 200, response.get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    return statements


def plan_of(app, statement: str, parameters: Any) -> dict[str, Any]:
    with app.app_context(), db.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        conn.execute(text("SET enable_sort = off"))
        plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
        conn.rollback()
    return plan[0]["Plan"]


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found += nodes(child)
    return found


def the_statement(statements, *markers: str) -> tuple[str, Any]:
    matching = [(s, p) for s, p in statements if all(m in s for m in markers)]
    assert len(matching) == 1, [s for s, _ in statements]
    return matching[0]


@pytest.fixture
def busy(app, client, keys):  # noqa: F811
    """Two threads with replies, some comments held and some reported; statistics fresh."""
    first = [post(client).json["id"] for _ in range(6)]
    for parent in first[:3]:
        post(client, parent_id=parent)
    # Most comments are elsewhere, as on any real site: reading the site-wide status index
    # for one thread's feed would be the wrong plan, and the planner can see that.
    for _ in range(40):
        post(client, article="news-43")
    for comment_id in first[:2]:
        client.post(f"/api/v1/comments/{comment_id}/flag", json={"reason": "spam"},
                    headers={"X-Reader-Token": f"reporter-{comment_id}-token-long-enough"})
    client.patch("/api/v1/admin/articles", query_string=THREAD, json={"premoderated": True},
                 headers=bearer(keys.moderator))
    post(client)
    with app.app_context():
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return keys


def assert_ordered_index_scan(app, statement: tuple[str, Any], index: str) -> None:
    plan = nodes(plan_of(app, *statement))
    used = {n.get("Index Name") for n in plan if n["Node Type"].startswith("Index")}
    assert index in used, plan
    assert not [n for n in plan if "Sort" in n["Node Type"]], plan
    assert not [n for n in plan if n["Node Type"] == "Seq Scan"
                and n.get("Relation Name") == "comment"], plan


@pytest.mark.parametrize(("sort", "order", "index"), [
    ("oldest", "ORDER BY comment.created_at ASC", "ix_comment_top_time"),
    ("newest", "ORDER BY comment.created_at DESC", "ix_comment_top_time"),
    ("top", "ORDER BY comment.score DESC", "ix_comment_top_score"),
])
def test_thread_pages_read_top_level_comments_in_index_order(app, client, busy, sort, order,
                                                             index):
    def page(cursor=None):
        query = {**THREAD, "sort": sort, "limit": 2, **({"cursor": cursor} if cursor else {})}
        return client.get("/api/v1/comments", query_string=query)

    first = captured(app, page)
    assert_ordered_index_scan(app, the_statement(first, "root_id IS NULL", order), index)
    cursor = page().json["next_cursor"]
    later = captured(app, lambda: page(cursor))
    assert_ordered_index_scan(app, the_statement(later, "root_id IS NULL", order), index)


def test_the_first_replies_of_a_page_are_index_ranges(app, client, busy):
    statements = captured(app, lambda: client.get("/api/v1/comments", query_string=THREAD))
    plan = plan_of(app, *the_statement(statements, "UNION ALL"))
    # One short range per top-level comment; only the page's own few replies are sorted after.
    limits = [n for n in nodes(plan) if n["Node Type"] == "Limit"]
    assert len(limits) == 6  # the six top-level comments on the page
    for limit in limits:
        under = nodes(limit)
        assert [n["Index Name"] for n in under if n["Node Type"].startswith("Index")] == [
            "ix_comment_root"]
        assert not [n for n in under if "Sort" in n["Node Type"]]


@pytest.mark.parametrize(("status", "order", "index"), [
    ("pending", "ORDER BY comment.created_at DESC", "ix_comment_status"),
    ("flagged", "ORDER BY comment.flag_count DESC", "ix_comment_flags"),
])
def test_moderation_queues_read_in_index_order(app, client, busy, status, order, index):
    statements = captured(app, lambda: client.get(
        "/api/v1/admin/comments", query_string={"site": "default", "status": status},
        headers=bearer(busy.moderator)))
    assert_ordered_index_scan(app, the_statement(statements, order), index)


def test_a_thread_feed_reads_its_newest_published_comments_in_index_order(app, client, busy):
    statements = captured(app, lambda: client.get("/api/v1/feed.atom", query_string=THREAD))
    assert_ordered_index_scan(app, the_statement(statements, "ORDER BY comment.created_at DESC"),
                              "ix_comment_published")


def test_what_a_post_checks_is_read_through_indexes(app, client, busy):
    parent = post(client, article="news-43").json["id"]  # news-42 holds new comments

    def reply():
        response = post(client, article="news-43", parent_id=parent,
                        headers={"X-Reader-Token": "a-reader-with-a-long-token"})
        return SimpleNamespace(status_code=200 if response.status_code == 201 else 500,
                               get_data=response.get_data)

    statements = captured(app, reply)
    plan = nodes(plan_of(app, *the_statement(statements, "ban.id", "EXISTS")))
    # The ban, the article, the parent and the repeated-text check: index lookups only, never a
    # pass over the comment table, however many comments the site has.
    assert not [n for n in plan if n["Node Type"] == "Seq Scan"], plan
    used = {n.get("Index Name") for n in plan if n["Node Type"].startswith(("Index", "Bitmap"))}
    assert {"ix_ban_lookup", "uq_article_site_key", "comment_pkey",
            "ix_comment_text_recent"} <= used, used
