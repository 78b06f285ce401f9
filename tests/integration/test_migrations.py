"""The schema is built by the migrations, so they are what gets tested."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from commentsvc.extensions import db
from commentsvc.models import Site


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_the_first_migration_creates_the_default_site(app):
    with app.app_context():
        assert db.session.scalar(select(Site.key).where(Site.key == "default")) == "default"


def test_migrations_go_down_and_up_again(app, migrated):
    from tests.conftest import reset_database

    with app.app_context():
        downgrade(revision="base")
        assert "comment" not in inspect(db.engine).get_table_names()
        upgrade()
        assert {"site", "article", "comment"} <= set(inspect(db.engine).get_table_names())
        reset_database(migrated)
