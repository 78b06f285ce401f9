"""Flask extensions, created unbound and initialised in create_app."""

import select
from typing import Any

from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase

from commentsvc.api.inputs import IdConverter, id_parameter_schema
from commentsvc.api.openapi import ErrorResponsesPlugin
from commentsvc.errors import ErrorOut


class Base(DeclarativeBase):
    pass


def _client_address() -> str:
    # Imported lazily: the limiter's key functions live with the HTTP layer.
    from commentsvc.api.requests import client_ip

    return client_ip()


class DocumentedApi(Api):
    """flask-smorest, with our error envelope in the document instead of its own."""

    ERROR_SCHEMA = ErrorOut
    DEFAULT_ERROR_RESPONSE_NAME = None  # every status is listed; no catch-all "default"


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
limiter = Limiter(key_func=_client_address, headers_enabled=True)
api = DocumentedApi(spec_kwargs={"extra_plugins": [ErrorResponsesPlugin()]})
api.register_converter(IdConverter, id_parameter_schema)


@event.listens_for(Engine, "connect")
def _tune_sqlite(connection: Any, _record: Any) -> None:
    """SQLite only: enforce foreign keys like PostgreSQL does; WAL lets readers run during a
    write, and NORMAL sync makes a commit cost microseconds instead of milliseconds."""
    if type(connection).__module__.startswith("sqlite3"):
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "checkout")
def _check_server_connection(connection: Any, _record: Any, _proxy: Any) -> None:
    """PostgreSQL: is a pooled connection still alive? Instead of pool_pre_ping's round trip
    on every checkout (a tenth of a post), look at its socket, which has nothing to say
    between two statements unless the server went away (a restart or a kill sends a goodbye
    and closes it). Only then ask the server, as pool_pre_ping would; a dead connection is
    replaced by the pool (DisconnectionError), so the service recovers by itself."""
    if type(connection).__module__.partition(".")[0] != "psycopg":  # others: pool_pre_ping
        return
    if connection.closed or connection.broken:
        raise DisconnectionError("the connection to PostgreSQL is closed")
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN)
    if poller.poll(0) and not _answers(connection):
        raise DisconnectionError("PostgreSQL closed the connection")


def _answers(connection: Any) -> bool:
    """SELECT 1 outside any transaction (as SQLAlchemy's own ping does)."""
    import psycopg

    autocommit = connection.autocommit
    try:
        connection.autocommit = True
        connection.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False
    finally:
        if not connection.closed:
            connection.autocommit = autocommit
