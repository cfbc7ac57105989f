"""Marks of what happened when, for every process to see: the sender's heartbeat and Inyett's
last answer. The in-process worker and a cron `inyett send-pending` write them; the health
check (services.health) reads them."""

import threading
import time
from datetime import datetime

from flask import Flask
from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from inyett.extensions import db
from inyett.models import ServiceStatus
from inyett.models import utcnow

SENDER_ALIVE = "sender_alive"
INYETT_ANSWERED = "inyett_answered"
# A mark is rewritten at most this often per process: eight sender threads handling a batch
# each would otherwise write the same row for every batch.
MARK_EVERY_SECONDS = 5.0

_marks_lock = threading.Lock()


def mark(*names: str) -> None:
    """Store that `names` happened now, unless this process stored them moments ago.

    Commits: call it after the caller's own work is committed."""
    due = _due_marks(current_app._get_current_object(), names)
    if not due:
        return
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    statement = insert(ServiceStatus).values([{"name": name, "at": utcnow()} for name in due])
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[ServiceStatus.name], set_={"at": statement.excluded.at}
        )
    )
    db.session.commit()


def _due_marks(app: Flask, names: tuple[str, ...]) -> list[str]:
    # Kept per app, which is per database: the tests make many apps in one process.
    written = app.extensions.setdefault("inyett_marks_written", {})
    now = time.monotonic()
    with _marks_lock:
        due = [
            name
            for name in names
            if name not in written or now - written[name] >= MARK_EVERY_SECONDS
        ]
        written.update(dict.fromkeys(due, now))
    return due


def marks() -> dict[str, datetime]:
    """Every stored mark: name -> when."""
    return dict(db.session.execute(select(ServiceStatus.name, ServiceStatus.at)).all())
