"""A database's rows as engine-neutral JSON, and back: the upgrade fixtures are written by
make_fixture.py from a SQLite file and loaded into SQLite or PostgreSQL by the tests."""

import base64
import json
import warnings
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import MetaData
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine import Connection

FIXTURES = Path(__file__).parent
SKIPPED_TABLES = {"alembic_version"}


def fixture_path(revision: str) -> Path:
    return FIXTURES / f"{revision}.json"


def _reflected(connection: Connection) -> MetaData:
    metadata = MetaData()
    with warnings.catch_warnings():
        # SQLAlchemy does not reflect an index on an expression (uq_suppliers_payee); the rows
        # are all that is read or written here.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
        metadata.reflect(connection)
    return metadata


def dump(connection: Connection, revision: str, commit: str) -> dict:
    """Every row of every table, in an order that inserts parents before their children."""
    metadata = _reflected(connection)
    tables = {}
    for table in metadata.sorted_tables:
        if table.name in SKIPPED_TABLES:
            continue
        rows = connection.execute(select(table).order_by(*table.primary_key.columns)).mappings()
        tables[table.name] = [{key: _plain(value) for key, value in row.items()} for row in rows]
    return {"revision": revision, "made_from_commit": commit, "tables": tables}


def write(fixture: dict, path: Path) -> None:
    path.write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def read(revision: str) -> dict:
    return json.loads(fixture_path(revision).read_text(encoding="utf-8"))


def load(connection: Connection, fixture: dict) -> None:
    """Insert the fixture's rows into a database migrated to the fixture's revision."""
    metadata = _reflected(connection)
    for name, rows in fixture["tables"].items():
        table = metadata.tables[name]
        if rows:
            connection.execute(table.insert(), [_typed(table, row) for row in rows])
        if connection.dialect.name == "postgresql" and "id" in table.columns:
            # Rows came with their ids; the next insert must not reuse one.
            highest = connection.scalar(select(func.max(table.c.id)))
            if highest is not None:
                connection.execute(
                    text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :highest)"),
                    {"table": name, "highest": highest},
                )


def _plain(value):
    if isinstance(value, datetime):
        # The app stores UTC; SQLite hands it back without the zone, PostgreSQL in its own.
        return (value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _typed(table, row: dict) -> dict:
    typed = {}
    for key, value in row.items():
        kind = table.columns[key].type.python_type
        if value is None or kind in (str, int, bool, float):
            typed[key] = value
        elif kind is datetime:
            typed[key] = datetime.fromisoformat(value)
        elif kind is date:
            typed[key] = date.fromisoformat(value)
        elif kind is Decimal:
            typed[key] = Decimal(value)
        elif kind is bytes:
            typed[key] = base64.b64decode(value)
        else:
            raise TypeError(f"{table.name}.{key}: no JSON form for {kind}")
    return typed
