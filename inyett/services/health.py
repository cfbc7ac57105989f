"""The health check a monitor polls (GET /halsa): the database, its migrations, the queue to
Inyett, and the marks of services.service_status (when the sender last ran and when Inyett last
answered), which the in-process worker and a cron `inyett send-pending` alike leave.

The answer holds times, counts and revisions only: no names, amounts, accounts or keys.
"""

from datetime import datetime

from alembic.script import ScriptDirectory
from flask import Flask
from flask import current_app
from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from inyett.extensions import db
from inyett.models import InyettBatch
from inyett.models import ServiceStatus
from inyett.models import utcnow
from inyett.services import outbox
from inyett.services import service_status
from inyett.services.outbox import ACTIVE_STATES

UNREACHABLE = "Databasen går inte att nå."


def check() -> tuple[bool, dict]:
    """(healthy, report): healthy is False when something needs a person, and `report["fel"]`
    then says what, in Swedish."""
    try:
        db.session.execute(select(1))
    except SQLAlchemyError:
        db.session.rollback()
        return False, {"status": "fel", "fel": [UNREACHABLE], "databas": {"nar": False}}
    problems: list[str] = []
    report = {"databas": {"nar": True, "skrivbar": _database_takes_writes()}}
    if not report["databas"]["skrivbar"]:
        problems.append("Databasen tar inte emot skrivningar.")
    try:
        report["migreringar"] = _migrations(problems)
        report["ko"] = _queue(problems)
        marks = service_status.marks()
    except SQLAlchemyError:
        # Tables missing or changed: the migrations' answer above says more, if it came.
        db.session.rollback()
        problems.append("Databasen svarar med fel; är den uppgraderad (db upgrade)?")
    else:
        report["inyett"] = _since(
            marks.get(service_status.INYETT_ANSWERED), "senaste_lyckade_anrop"
        )
        report["sandare"] = _sender(marks.get(service_status.SENDER_ALIVE), problems)
    report["status"] = "fel" if problems else "ok"
    report["fel"] = problems
    return not problems, report


def _database_takes_writes() -> bool:
    # An UPDATE that changes nothing still needs the right to write, on SQLite and PostgreSQL.
    try:
        db.session.execute(
            update(ServiceStatus).where(ServiceStatus.name == "").values(at=ServiceStatus.at)
        )
        return True
    except SQLAlchemyError:
        return False
    finally:
        db.session.rollback()


def _migrations(problems: list[str]) -> dict:
    head = _script_head(current_app._get_current_object())
    # Read directly: alembic's MigrationContext logs two lines each time, every poll.
    current = ()
    if inspect(db.engine).has_table("alembic_version"):
        current = tuple(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    if not current:
        status = "okänd"
        problems.append("Databasen saknar migreringsversion (alembic_version). Kör db upgrade.")
    elif current == (head,):
        status = "aktuell"
    else:
        status = "inaktuell"
        problems.append("Databasen är inte uppgraderad till den här versionen. Kör db upgrade.")
    return {"status": status, "databasen": list(current), "koden": head}


def _script_head(app: Flask) -> str:
    # The migration scripts do not change while the process runs.
    if "inyett_migration_head" not in app.extensions:
        config = app.extensions["migrate"].migrate.get_config()
        app.extensions["inyett_migration_head"] = ScriptDirectory.from_config(
            config
        ).get_current_head()
    return app.extensions["inyett_migration_head"]


def _queue(problems: list[str]) -> dict:
    config = current_app.config
    counts = outbox.batch_counts()
    oldest_queued = db.session.scalar(
        select(func.min(InyettBatch.created_at)).where(InyettBatch.state == "queued")
    )
    oldest_age = _age_seconds(oldest_queued)
    if oldest_age is not None and oldest_age > config["HEALTH_MAX_QUEUE_AGE_SECONDS"]:
        problems.append(
            f"Den äldsta oskickade batchen har väntat i {round(oldest_age / 60)} minuter."
        )
    failed = counts.get("failed", 0)
    if failed > config["HEALTH_MAX_FAILED_BATCHES"]:
        problems.append(f"{failed} batchar har Fel och väntar på Skicka igen eller Ångra.")
    return {
        "batchar_kvar": sum(counts.get(state, 0) for state in ACTIVE_STATES),
        "aldsta_oskickade_sekunder": oldest_age,
        "misslyckade": failed,
    }


def _sender(alive_at: datetime | None, problems: list[str]) -> dict:
    in_app = bool(current_app.config["OUTBOX_WORKER"])
    report = {"i_appen": in_app, **_since(alive_at, "senaste_livstecken")}
    age = report["sekunder_sedan"]
    # Without the in-process worker the sender is cron's, which runs when cron says: a stuck
    # queue shows there instead.
    if in_app and (age is None or age > current_app.config["HEALTH_MAX_HEARTBEAT_AGE_SECONDS"]):
        problems.append("Sändaren till Inyett har inte gett livstecken.")
    return report


def _since(at: datetime | None, key: str) -> dict:
    return {key: at.isoformat() if at else None, "sekunder_sedan": _age_seconds(at)}


def _age_seconds(at: datetime | None) -> int | None:
    return None if at is None else max(0, round((utcnow() - at).total_seconds()))
