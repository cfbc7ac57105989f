"""Which version runs: the one pyproject.toml names (the app is not installed as a package,
so that file, shipped with the code, is the one place the version is written)."""

import tomllib
from functools import cache
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from inyett.extensions import db

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
UPGRADE = "flask --app app db upgrade"


@cache
def running_version() -> str:
    with PYPROJECT.open("rb") as file:
        return tomllib.load(file)["project"]["version"]


def database_schema_state() -> str:
    """Whether the database has the schema this version needs, in words for whoever upgrades."""
    migrate = current_app.extensions["migrate"]
    wanted = set(ScriptDirectory.from_config(migrate.migrate.get_config()).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current == wanted:
        return f"Databasen har det schema den här versionen behöver ({', '.join(sorted(current))})."
    if not current:
        return f"Databasen saknar schema: kör {UPGRADE}."
    return (
        f"Databasen har schema {', '.join(sorted(current))}, den här versionen behöver "
        f"{', '.join(sorted(wanted))}: ta en säkerhetskopia och kör {UPGRADE}."
    )
