"""Databases made by each released schema revision (see README.md here)."""

from flask_migrate import upgrade
from sqlalchemy import text

from inyett.extensions import db
from tests.upgrade_fixtures import rows


def upgraded_from(revision: str) -> dict:
    """Load the revision's fixture into an emptied database at that revision, upgrade it to
    head as `flask db upgrade` does, and return the fixture. Needs an app context."""
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(revision=revision)
    fixture = rows.read(revision)
    with db.engine.begin() as connection:
        rows.load(connection, fixture)
    upgrade()
    return fixture
