"""Comparing a migrated database with the models."""

import warnings
from contextlib import contextmanager

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from inyett.extensions import db


@contextmanager
def expression_indexes_unreflected():
    """Neither SQLAlchemy nor Alembic reflects an index on an expression (uq_suppliers_payee
    holds coalesce(orgnr, '')); the tests check that one by what it refuses."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
        warnings.filterwarnings("ignore", "autogenerate skipping .*expression-based index")
        yield


def schema_differences() -> list:
    """What the database's schema has other than the models say (nothing, after an upgrade)."""
    with expression_indexes_unreflected(), db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), db.metadata)
