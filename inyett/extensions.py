"""Extension objects, created unbound so that the app factory can initialise them per app."""

import contextlib
import os
import sqlite3

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


@event.listens_for(Engine, "connect")
def _configure_sqlite(connection, _record) -> None:
    # WAL lets readers work while the sender writes; foreign keys are off by default in SQLite.
    if isinstance(connection, sqlite3.Connection):
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Engine, "do_connect")
def _keep_sqlite_files_owner_only(dialect, _record, cargs, cparams) -> None:
    # The database holds the users' password hashes and the payments; SQLite would create it
    # readable to all (0644, less the umask). Made owner-only before SQLite opens it, its -wal
    # and -shm follow, as SQLite gives them the database file's permissions.
    database = cargs[0] if cargs else cparams.get("database", "")
    if dialect.name != "sqlite" or cparams.get("uri") or database in ("", ":memory:"):
        return
    # No folder: SQLite says so in its own words. Already there: only the mode is ours to fix.
    with contextlib.suppress(FileNotFoundError, FileExistsError):
        os.close(os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    # Files left readable by an older version are closed too; one owned by another user is
    # theirs to protect (chmod would fail), and SQLite still decides whether it can open it.
    for path in (database, f"{database}-wal", f"{database}-shm"):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.chmod(path, 0o600)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
