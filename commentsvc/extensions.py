"""Flask extensions, created unbound and initialised in create_app."""

from typing import Any

from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
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
