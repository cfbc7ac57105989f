"""An installed site upgrades with `flask db upgrade`: the migrations must build exactly the
schema the models describe, on SQLite and on PostgreSQL (INYETT_DATABASE_URL)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade
from flask_migrate import upgrade
from sqlalchemy import inspect
from sqlalchemy import text

from inyett.extensions import db


def test_migrations_build_the_schema_of_the_models_and_downgrade_removes_it(app):
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))

        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []

        downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
