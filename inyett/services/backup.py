"""Backing up the database while the app runs, restoring a backup, and marking a database as
restored so that what it sends to Inyett next cannot be mistaken for what was sent after the
backup was taken."""

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from alembic.util import CommandError
from flask import current_app
from sqlalchemy import select
from sqlalchemy import update

from inyett import ids
from inyett.extensions import db
from inyett.formatting import STOCKHOLM
from inyett.models import InyettBatch
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import utcnow
from inyett.services import audit
from inyett.services.outbox import ACTIVE_STATES
from inyett.services.settings import get_settings

# Tables every database of the app has had since its first version.
OUR_TABLES = {"inyett_settings", "inyett_batches", "payments", "users", "audit_entries"}
POSTGRESQL_ADVICE = (
    "Databasen är PostgreSQL. Ta säkerhetskopian med pg_dump (t.ex. "
    "pg_dump -Fc -f inyett.dump DATABAS) och återställ den med pg_restore "
    "(pg_restore --clean --if-exists -d DATABAS inyett.dump) medan appen och cron-jobbet "
    "inyett send-pending är stoppade. Kör sedan flask --app app db upgrade och "
    "flask --app app inyett mark-restored innan appen startas igen."
)


class BackupRefused(Exception):
    """Nothing was written; `str(exc)` says why in Swedish."""


@dataclass(frozen=True)
class RestoreMarks:
    old_installation_id: str
    new_installation_id: str
    batches_to_check: int


def sqlite_file() -> Path | None:
    """The app's SQLite file, or None when the database is PostgreSQL."""
    url = db.engine.url
    return Path(url.database) if url.get_backend_name() == "sqlite" else None


def backup_to(target: Path, *, actor: str) -> None:
    """Write a consistent copy of the running app's SQLite database to `target`."""
    source = _sqlite_file_or_refuse()
    try:
        # Created empty and readable by this user only: the copy holds personal data and the
        # encrypted API key. Never over an existing file, which may be another backup.
        target.touch(mode=0o600, exist_ok=False)
    except FileExistsError:
        raise BackupRefused(f"{target} finns redan. Ange ett nytt filnamn.") from None
    except OSError as exc:
        raise BackupRefused(f"{target} kan inte skrivas: {exc.strerror}.") from None
    # SQLite's backup API copies one consistent state while the app goes on writing.
    try:
        _copy_database(source, target)
    except sqlite3.Error as exc:
        target.unlink()
        raise BackupRefused(f"Säkerhetskopian kunde inte skrivas: {exc}.") from None
    audit.record("backup", actor, f"Säkerhetskopia av databasen tagen till {target}")
    db.session.commit()


def restore_from(backup: Path) -> Path:
    """Replace the SQLite database with `backup` (the app must be stopped); return where the
    database as it was before is kept."""
    live = _sqlite_file_or_refuse()
    _refuse_unless_ours(backup)
    if backup.resolve() == live.resolve():
        raise BackupRefused("Säkerhetskopian är samma fil som databasen.")
    stamp = f"{datetime.now(STOCKHOLM):%Y%m%d-%H%M%S-%f}"
    kept = live.with_name(f"{live.name}.fore-aterstallning-{stamp}")
    kept.touch(mode=0o600, exist_ok=False)
    db.session.remove()
    db.engine.dispose()
    _copy_database(live, kept)
    _copy_database(backup, live)
    db.engine.dispose()
    return kept


def has_migration_history() -> bool:
    """True when the database was built by migrations (as every installed one is)."""
    with db.engine.connect() as connection:
        return db.engine.dialect.has_table(connection, "alembic_version")


def mark_restored(*, actor: str) -> RestoreMarks:
    """Give the installation a new id, so that no id sent from now on repeats one sent after
    the backup was taken, and have Inyett confirm every batch whose answer is not final."""
    settings = get_settings()
    old_id = settings.installation_id
    new_id = ids.new_installation_id()
    while new_id == old_id:
        new_id = ids.new_installation_id()
    settings.installation_id = new_id
    to_check = _check_again_at_inyett()
    audit.record(
        "backup",
        actor,
        f"Databasen markerad som återställd: nytt installations-id {new_id} (förut {old_id}); "
        f"{to_check} batchar kontrolleras mot Inyett innan något visas som besvarat",
    )
    db.session.commit()
    return RestoreMarks(old_id, new_id, to_check)


def _check_again_at_inyett() -> int:
    # Batches on their way go through the outbox as usual, which takes an answer only when it
    # holds the batch's own transactions. An answered batch may have been deleted at Inyett
    # after the backup (an undo that the restore brought back), so while its file can still go
    # to the bank, its answer is asked for again.
    not_downloaded = (
        select(Payment.batch_id)
        .join(PaymentFile, Payment.payment_file_id == PaymentFile.id)
        .where(PaymentFile.downloaded_at.is_(None), Payment.batch_id.is_not(None))
    )
    answered = list(
        db.session.scalars(
            select(InyettBatch.id).where(
                InyettBatch.state == "answered", InyettBatch.id.in_(not_downloaded)
            )
        )
    )
    db.session.execute(
        update(Payment)
        .where(Payment.batch_id.in_(answered))
        .values(inyett_state="awaiting_answer", version=Payment.version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(InyettBatch)
        .where(InyettBatch.id.in_(answered))
        .values(state="awaiting_answer", answered_at=None)
        .execution_options(synchronize_session=False)
    )
    # Claims and waits recorded before the backup mean nothing now.
    result = db.session.execute(
        update(InyettBatch)
        .where(InyettBatch.state.in_(ACTIVE_STATES))
        .values(claimed_until=None, claimed_by=None, attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _sqlite_file_or_refuse() -> Path:
    path = sqlite_file()
    if path is None:
        raise BackupRefused(POSTGRESQL_ADVICE)
    return path


def _refuse_unless_ours(path: Path) -> None:
    not_ours = f"{path} är inte en databas från Inyettkopplingen. Ingenting ändrades."
    if not path.is_file():
        raise BackupRefused(f"{path} finns inte. Ingenting ändrades.")
    try:
        with closing(sqlite3.connect(path)) as connection:
            tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
            connection.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError:
        raise BackupRefused(not_ours) from None
    if not OUR_TABLES.issubset(tables):
        raise BackupRefused(not_ours)
    if "alembic_version" in tables:
        _refuse_unless_known_version(path)


def _refuse_unless_known_version(path: Path) -> None:
    # A backup from a newer version of the app could not be upgraded here, and would be left
    # in place of the database half-usable.
    with closing(sqlite3.connect(path)) as connection:
        revisions = [r for (r,) in connection.execute("SELECT version_num FROM alembic_version")]
    scripts = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    try:
        for revision in revisions:
            scripts.get_revision(revision)
    except (CommandError, ResolutionError):
        raise BackupRefused(
            f"{path} är från en nyare version av appen ({', '.join(revisions)}). Uppgradera "
            "appen först och återställ sedan. Ingenting ändrades."
        ) from None


def _copy_database(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as from_db, closing(sqlite3.connect(target)) as to_db:
        from_db.backup(to_db)


def key_advice() -> str:
    """Where the encryption key is, which every backup needs and none contains."""
    config = current_app.config
    if config["ENCRYPTION_KEY_FROM_FILE"]:
        where = f"filen {Path(current_app.instance_path) / 'encryption.key'}"
    else:
        where = "INYETT_ENCRYPTION_KEY eller ENCRYPTION_KEY i instance/config.py"
    return (
        f"Krypteringsnyckeln finns inte i säkerhetskopian: spara {where} separat, inte bredvid "
        "säkerhetskopian. Utan den går API-nyckeln inte att läsa efter en återställning (den "
        "kan då klistras in igen under Systeminställningar › Inyett API)."
    )
