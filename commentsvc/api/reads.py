"""Where the hottest reads run: one connection per worker thread, kept between requests.

A cached thread page, or counts, is one or two small SELECTs. Around them, a session checks a
pooled connection out and in again: its transaction, the liveness check and the reset on
return cost more than the SELECTs themselves (on PostgreSQL also BEGIN and ROLLBACK, two more
round trips). So views marked @read_only read through a connection that their worker thread
keeps, outside any transaction: AUTOCOMMIT on PostgreSQL, and SQLite's driver starts none for a
SELECT. Nothing stays open between requests, and each statement sees the latest commit, as any
statement at READ COMMITTED does. Views that write never use it: they read through their session.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from sqlalchemy import Connection, Dialect, Engine, Select, event
from sqlalchemy.exc import DBAPIError

from commentsvc.extensions import db

READ_ONLY = "commentsvc_read_only"
KEPT = "commentsvc_kept_connections"
T = TypeVar("T")
_making = threading.Lock()  # one KeptConnections per app, whichever thread asks first
View = TypeVar("View", bound=Callable[..., Any])


def read_only(view: View) -> View:
    """Marks a view that never writes: what it reads goes through `read`."""
    setattr(view, READ_ONLY, True)
    return view


def read(query: Callable[[Connection], T]) -> T:
    """`query(connection)`: on the thread's kept connection in a @read_only view, else on the
    request's session. A kept connection may have died with its server since the last request:
    then the query runs once more on a new one, as the pool's check would have made sure."""
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, READ_ONLY, False):
        return query(db.session.connection())
    return read_kept(query)


def read_kept(query: Callable[[Connection], T]) -> T:
    """`query(connection)` on the thread's kept connection (needs only an app context)."""
    kept = _kept()
    try:
        return query(kept.connection())
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        kept.discard()
        return query(kept.connection())


class DriverQuery:
    """A small SELECT handed straight to the database driver on the thread's kept connection.

    A kept answer checks its thread's version on every request (api/kept_answers.py), and
    SQLAlchemy's execution around that one-row SELECT (its context, the transaction it begins
    and the rollback that ends it) costs several times the query itself. So the statement is
    compiled once per dialect and sent as the driver's own SQL, its cursor closed at once so
    that SQLite keeps no read lock. Its bound values must be plain strings and numbers: no
    SQLAlchemy type processes them on the way."""

    def __init__(self, statement: Select) -> None:
        self.statement = statement
        self.compiled: dict[str, tuple[str, tuple[str, ...] | None]] = {}

    def rows(self, app: Flask, params: dict[str, Any]) -> list[tuple]:
        """The rows, read on a kept connection. Errors are raised (the caller lets
        SQLAlchemy's path answer, which retries on a new connection); a connection that
        died is dropped first, so the next read opens a new one."""
        kept = kept_for(app)
        connection = kept.connection()
        dialect = connection.dialect
        sql, order = self._sql(dialect)
        values = tuple(params[name] for name in order) if order is not None else params
        driver = connection.connection.dbapi_connection
        try:
            cursor = driver.cursor()
            try:
                cursor.execute(sql, values)
                return cursor.fetchall()
            finally:
                cursor.close()
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, driver, None):
                connection.invalidate()
                kept.discard()
            raise

    def _sql(self, dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
        known = self.compiled.get(dialect.name)
        if known is None:
            compiled = self.statement.compile(dialect=dialect)
            order = tuple(compiled.positiontup or ()) if compiled.positional else None
            known = self.compiled[dialect.name] = (str(compiled), order)
        return known


class KeptConnections:
    """A connection per thread to one app's database, closed when its engine is disposed."""

    def __init__(self, engine: Engine) -> None:
        reading = engine
        if engine.dialect.name == "postgresql":
            reading = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.engine = reading
        self.local = threading.local()
        # Each kept connection with the thread that keeps it: a server that starts a thread per
        # client connection (werkzeug's) would otherwise leave one checked out per ended thread
        # until the pool ran dry.
        self.opened: dict[Connection, threading.Thread] = {}
        self.lock = threading.Lock()
        event.listen(engine, "engine_disposed", self.close_all)

    def connection(self) -> Connection:
        connection = getattr(self.local, "connection", None)
        if connection is None or connection.closed:  # closed: its engine was disposed
            self._close_for_ended_threads()
            connection = self.local.connection = self.engine.connect()
            with self.lock:
                self.opened[connection] = threading.current_thread()
        return connection

    def _close_for_ended_threads(self) -> None:
        with self.lock:
            ended = [c for c, thread in self.opened.items() if not thread.is_alive()]
            for connection in ended:
                del self.opened[connection]
        for connection in ended:
            connection.close()  # back to the pool; nobody else uses it

    def end_request(self) -> None:
        """Leave nothing open for the next request (SQLAlchemy's own transaction marker)."""
        connection = getattr(self.local, "connection", None)
        if connection is not None and connection.in_transaction():
            try:
                connection.rollback()
            except DBAPIError:
                self.discard()

    def discard(self) -> None:
        connection = getattr(self.local, "connection", None)
        self.local.connection = None
        if connection is not None:
            with self.lock:
                self.opened.pop(connection, None)
            connection.close()

    def close_all(self, _engine: Engine | None = None) -> None:
        """engine_disposed: the pool is gone by now, so the driver's connections are closed
        rather than handed back to it."""
        with self.lock:
            opened, self.opened = list(self.opened), {}
        for connection in opened:
            connection.invalidate()
            connection.close()


def kept_for(app: Flask) -> KeptConnections:
    """The app's kept connections, whether or not its context is pushed."""
    kept = app.extensions.get(KEPT)
    if kept is None:
        with app.app_context():
            kept = _kept()
    return kept


def _kept() -> KeptConnections:
    kept = current_app.extensions.get(KEPT)
    if kept is None:
        with _making:
            kept = current_app.extensions.get(KEPT)
            if kept is None:
                kept = current_app.extensions[KEPT] = KeptConnections(db.engine)
    return kept


def end_request(_error: BaseException | None = None) -> None:
    """teardown_request: the kept connection ends the request outside any transaction."""
    kept = current_app.extensions.get(KEPT)
    if kept is not None:
        kept.end_request()


def init_app(app: Flask) -> None:
    app.teardown_request(end_request)
