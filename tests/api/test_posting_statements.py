"""What a post costs the database: every check it makes before writing is one statement (which
also reads what its event's listeners would ask: webhooks, reply e-mail), and the writes are
the comment, its counters and the live event.

Each statement is a round trip on PostgreSQL, so this is the posting budget BENCHMARKS.md
measures; a change that adds one should say why."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from commentsvc.extensions import db
from commentsvc.models import Site
from commentsvc.sites import update_site
from tests.conftest import post


@pytest.fixture
def statements(app):
    seen: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.split(None, 3)[:3])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    yield seen
    event.remove(engine, "before_cursor_execute", remember)


def kinds(seen: list[list[str]]) -> list[str]:
    return [" ".join(words[:3] if words[0] != "SELECT" else words[:1]) for words in seen]


def test_a_top_level_comment_costs_four_statements(client, statements):
    post(client)  # the article exists from now on
    statements.clear()
    assert post(client).status_code == 201
    # What posting needs to know (one SELECT, which also tells the webhooks that the site has
    # none), the row, the article's counters and version, the live event.
    assert kinds(statements) == ["SELECT", "INSERT INTO comment", "UPDATE article SET",
                                 "INSERT INTO live_event"], statements


def test_a_reply_adds_its_parent_counters(client, statements):
    parent = post(client).json["id"]
    statements.clear()
    assert post(client, parent_id=parent).status_code == 201
    # A reply to a top-level comment: both of its counters in one statement; nobody waits
    # for e-mail of its replies, which the first SELECT read too.
    assert kinds(statements) == ["SELECT", "INSERT INTO comment", "UPDATE article SET",
                                 "UPDATE comment SET", "INSERT INTO live_event"], statements


def test_a_deeper_reply_moves_its_parent_and_its_top_level_comment(client, statements):
    top = post(client).json["id"]
    parent = post(client, parent_id=top).json["id"]
    statements.clear()
    assert post(client, parent_id=parent).status_code == 201
    assert kinds(statements)[3:5] == ["UPDATE comment SET", "UPDATE comment SET"], statements


def test_the_first_comment_of_an_article_also_creates_it(client, statements):
    post(client)  # the site's settings are parsed once per process; not this test's subject
    statements.clear()
    assert post(client, article="brand-new").status_code == 201
    assert kinds(statements)[:3] == ["SELECT", "INSERT INTO article", "SELECT"], statements



def test_a_post_from_a_page_of_the_site_costs_no_more_once_its_origins_are_known(
        app, client, statements):
    browser = {"Origin": "https://news.example"}
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == "default"))
        update_site(db.session, site, origins=[browser["Origin"]])
        db.session.commit()
    post(client, headers=browser)  # the site's origins are read once, then kept a while
    statements.clear()
    assert post(client, headers=browser).status_code == 201
    assert len(statements) == 4, statements
