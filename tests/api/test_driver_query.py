"""reads.DriverQuery: a SELECT sent straight to the driver answers as SQLAlchemy would, holds
nothing open afterwards, and gets past a connection that died."""

from __future__ import annotations

import pytest
from sqlalchemy import column, select, table

from commentsvc import threads
from commentsvc.api import reads
from commentsvc.extensions import db
from tests.conftest import post

VERSION = reads.DriverQuery(threads.THREAD_VERSION)


@pytest.mark.parametrize("site, article", [("default", "news-42"), ("default", "no-such"),
                                           ("nope", "news-42")])
def test_it_reads_what_sqlalchemy_reads(app, client, site, article):
    post(client)
    params = {"site_key": site, "article_key": article}
    with app.app_context():
        expected = [tuple(row) for row in db.session.execute(threads.THREAD_VERSION, params)]
    assert [tuple(row) for row in VERSION.rows(app, params)] == expected


def test_it_leaves_no_transaction_open(app, client):
    post(client)
    VERSION.rows(app, {"site_key": "default", "article_key": "news-42"})
    driver = app.extensions[reads.KEPT].local.connection.connection.driver_connection
    if hasattr(driver, "info"):  # psycopg
        assert driver.info.transaction_status.name == "IDLE"
    else:  # sqlite3: a statement left unfinished would hold a read lock
        assert not driver.in_transaction
    assert post(client).status_code == 201


def test_a_connection_that_died_is_dropped_and_the_next_read_gets_a_new_one(app, client):
    post(client)
    params = {"site_key": "default", "article_key": "news-42"}
    first = VERSION.rows(app, params)
    kept = app.extensions[reads.KEPT]
    kept.local.connection.connection.dbapi_connection.close()  # as a database restart would
    with pytest.raises(Exception) as failed:
        VERSION.rows(app, params)
    assert "closed" in str(failed.value).lower()
    assert VERSION.rows(app, params) == first


def test_a_query_that_fails_keeps_its_connection(app, client):
    post(client)
    VERSION.rows(app, {"site_key": "default", "article_key": "news-42"})
    kept = app.extensions[reads.KEPT].local.connection
    with pytest.raises(Exception, match="no_such_table"):
        reads.DriverQuery(select(column("id")).select_from(table("no_such_table"))).rows(app, {})
    assert app.extensions[reads.KEPT].local.connection is kept
    assert VERSION.rows(app, {"site_key": "default", "article_key": "news-42"})
