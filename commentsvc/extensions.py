"""Flask extensions, created unbound and initialised in create_app."""

from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


def _client_address() -> str:
    # Imported lazily: the limiter's key functions live with the HTTP layer.
    from commentsvc.api.requests import client_ip

    return client_ip()


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
limiter = Limiter(key_func=_client_address, headers_enabled=True)
api = Api()
