"""A database that stops taking writes, as one does when its disk is full, its file is made
read-only or PostgreSQL is switched to read-only (default_transaction_read_only)."""

import contextlib

from sqlalchemy import event

from inyett.extensions import db


def _refuse_writes(connection, _record) -> None:
    cursor = connection.cursor()
    if db.engine.dialect.name == "sqlite":
        # chmod would not stop the tests' root user; query_only gives SQLite's own refusal.
        cursor.execute("PRAGMA query_only = ON")
    else:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        connection.commit()  # a rollback would undo the SET with the transaction it began
    cursor.close()


@contextlib.contextmanager
def read_only_database(app):
    """Every new connection of `app` refuses writes until the block ends."""
    with app.app_context():
        engine = db.engine
        event.listen(engine, "connect", _refuse_writes)
        engine.dispose()  # connections already open would go on writing
    try:
        yield
    finally:
        with app.app_context():
            event.remove(engine, "connect", _refuse_writes)
            engine.dispose()
