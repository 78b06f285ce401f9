"""What a writer tells its listeners lasts as long as its transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from commentsvc import events


@pytest.fixture
def session():
    with Session(create_engine("sqlite://")) as session:
        yield session


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_a_fact_is_forgotten_when_its_transaction_ends(session, end):
    session.execute(text("SELECT 1"))
    events.tell(session, events.SITE_HAS_WEBHOOKS, 7, False)
    assert events.told(session, events.SITE_HAS_WEBHOOKS, 7) is False
    assert events.told(session, events.SITE_HAS_WEBHOOKS, 8) is None
    getattr(session, end)()
    assert events.told(session, events.SITE_HAS_WEBHOOKS, 7) is None


def test_a_savepoint_ending_keeps_the_facts_of_its_transaction(session):
    session.execute(text("SELECT 1"))
    events.tell(session, events.REPLIES_WATCHED, 3, True)
    with session.begin_nested():
        session.execute(text("SELECT 1"))
    assert events.told(session, events.REPLIES_WATCHED, 3) is True
