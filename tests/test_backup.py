"""`flask inyett backup`, `restore` and `mark-restored`: a copy taken while the app runs, put
back with the app stopped, after which nothing the database sends to Inyett can repeat an id
sent after the backup was taken."""

import sqlite3
import stat

import pytest
from flask_migrate import upgrade
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import InyettBatch
from inyett.models import Payment
from inyett.services import backup
from inyett.services.settings import get_settings
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file


def on_sqlite(app) -> bool:
    with app.app_context():
        return backup.sqlite_file() is not None


@pytest.fixture
def sqlite_app(app):
    if not on_sqlite(app):
        pytest.skip("SQLite's own backup; PostgreSQL uses pg_dump (test below)")
    return app


def run(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=["inyett", *args], **kwargs)


def payment_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Payment.id)))


def test_a_backup_is_a_private_copy_and_says_where_the_key_is_kept_apart(sqlite_app, tmp_path):
    with sqlite_app.app_context():
        activate_inyett()
        create_file(add_invoices()[:1])
    target = tmp_path / "kopia.sqlite3"
    result = run(sqlite_app, "backup", str(target))
    assert result.exit_code == 0, result.output
    assert f"Säkerhetskopian är skriven till {target}" in result.output
    # The tests take the key from configuration, not from instance/encryption.key.
    assert "Krypteringsnyckeln finns inte i säkerhetskopian: spara INYETT_ENCRYPTION_KEY" in (
        result.output
    )
    assert "separat, inte bredvid säkerhetskopian" in result.output
    assert sqlite_app.config["ENCRYPTION_KEY"] not in result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM payments").fetchone() == (1,)
        # The key that decrypts the API key is not in the copy.
        dump = "\n".join(copy.iterdump())
    assert sqlite_app.config["ENCRYPTION_KEY"] not in dump
    with sqlite_app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.kind == "backup")).one()
    assert entry.actor == "cli" and str(target) in entry.summary


def test_a_backup_never_overwrites_a_file(sqlite_app, tmp_path):
    target = tmp_path / "finns.sqlite3"
    target.write_text("en annan kopia")
    result = run(sqlite_app, "backup", str(target))
    assert result.exit_code == 1
    assert f"{target} finns redan. Ange ett nytt filnamn." in result.output
    assert target.read_text() == "en annan kopia"


def test_restore_brings_the_backup_back_and_gives_the_installation_a_new_id(sqlite_app, tmp_path):
    with sqlite_app.app_context():
        activate_inyett()
        create_file(add_invoices()[:1])
        before = get_settings().installation_id
    target = tmp_path / "kopia.sqlite3"
    assert run(sqlite_app, "backup", str(target)).exit_code == 0
    with sqlite_app.app_context():
        create_file(add_invoices()[:2])
    assert payment_count(sqlite_app) == 3

    result = run(sqlite_app, "restore", str(target), "--yes")
    assert result.exit_code == 0, result.output
    assert payment_count(sqlite_app) == 1
    with sqlite_app.app_context():
        after = get_settings().installation_id
        batch = db.session.scalars(select(InyettBatch)).one()
        summaries = db.session.scalars(
            select(AuditEntry.summary).where(AuditEntry.kind == "backup")
        ).all()
    assert after != before
    assert f"nya installations-id:t {after} (förut {before})" in result.output
    assert batch.state == "queued" and batch.claimed_by is None
    assert any(f"nytt installations-id {after} (förut {before})" in s for s in summaries)
    # What was there before the restore is kept beside the database, not thrown away.
    kept = result.output.split("den som fanns förut ligger i ")[1].split(".\n")[0]
    with sqlite3.connect(kept) as earlier:
        assert earlier.execute("SELECT count(*) FROM payments").fetchone() == (3,)


def test_restore_asks_whether_the_app_is_stopped_and_no_changes_nothing(sqlite_app, tmp_path):
    target = tmp_path / "kopia.sqlite3"
    assert run(sqlite_app, "backup", str(target)).exit_code == 0
    with sqlite_app.app_context():
        activate_inyett()
        create_file(add_invoices()[:1])
    result = run(sqlite_app, "restore", str(target), input="n\n")
    assert "Är appen och cron-jobbet inyett send-pending stoppade?" in result.output
    assert result.exit_code == 1 and "Ingenting ändrades." in result.output
    assert payment_count(sqlite_app) == 1


@pytest.mark.parametrize("kind", ["text", "other_database", "missing"])
def test_restore_refuses_a_file_that_is_not_one_of_our_databases(sqlite_app, tmp_path, kind):
    with sqlite_app.app_context():
        activate_inyett()
        create_file(add_invoices()[:1])
        installation_id = get_settings().installation_id
    source = tmp_path / "fel.sqlite3"
    if kind == "text":
        source.write_text("inte en databas\n" * 100)
    elif kind == "other_database":
        with sqlite3.connect(source) as other:
            other.execute("CREATE TABLE notes (id INTEGER)")
    result = run(sqlite_app, "restore", str(source), "--yes")
    assert result.exit_code == 1
    assert "Ingenting ändrades." in result.output
    assert payment_count(sqlite_app) == 1
    with sqlite_app.app_context():
        assert get_settings().installation_id == installation_id


def test_on_postgresql_backup_and_restore_tell_to_use_pg_dump_and_mark_restored(app, tmp_path):
    if on_sqlite(app):
        pytest.skip("PostgreSQL only (INYETT_DATABASE_URL)")
    for args in (["backup", str(tmp_path / "k")], ["restore", str(tmp_path / "k"), "--yes"]):
        result = run(app, *args)
        assert result.exit_code == 1
        assert "pg_dump" in result.output and "inyett mark-restored" in result.output


def test_mark_restored_rotates_the_id_and_asks_inyett_again_about_answers_not_final(app):
    with app.app_context():
        activate_inyett()
        invoice_ids = add_invoices()
        first = create_file(invoice_ids[:1]).payments[0]
        second = create_file(invoice_ids[1:2]).payments[0]
        for payment in (first, second):
            payment.batch.state = payment.inyett_state = "answered"
            payment.batch.sent_at = payment.batch.first_attempt_at = payment.created_at
        # A file the bank has is not asked about again: nothing in it can change.
        second.payment_file.downloaded_at = second.created_at
        db.session.commit()
        numbers = first.invoice_number, second.invoice_number
        before = get_settings().installation_id
    result = run(app, "mark-restored")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert get_settings().installation_id != before
        states = {p.invoice_number: p.inyett_state for p in db.session.scalars(select(Payment))}
    assert states == {numbers[0]: "awaiting_answer", numbers[1]: "answered"}
    assert "1 batchar kontrolleras mot Inyett" in result.output


def test_a_backup_from_before_the_installation_id_is_upgraded_when_restored(sqlite_app, tmp_path):
    copy = tmp_path / "gammal.sqlite3"
    with sqlite_app.app_context():
        db.drop_all()
        upgrade(revision="3c9d1e7f5a20")  # the version before installation ids
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO inyett_settings (id, batch_reference, one_payment_per_batch, "
                    "active, use_test_environment) VALUES (1, 'Acme', true, true, false)"
                )
            )
        backup.backup_to(copy, actor="cli")
        upgrade()
    result = run(sqlite_app, "restore", str(copy), "--yes")
    assert result.exit_code == 0, result.output
    with sqlite_app.app_context():
        settings = get_settings()
        assert settings.batch_reference == "Acme" and len(settings.installation_id) == 5
    assert f"nya installations-id:t {settings.installation_id}" in result.output


def test_restore_refuses_a_backup_from_a_newer_version(sqlite_app, tmp_path):
    copy = tmp_path / "nyare.sqlite3"
    with sqlite_app.app_context():
        activate_inyett()
        backup.backup_to(copy, actor="cli")
        installation_id = get_settings().installation_id
    with sqlite3.connect(copy) as newer:
        newer.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        newer.execute("INSERT INTO alembic_version VALUES ('ffffffffffff')")
    result = run(sqlite_app, "restore", str(copy), "--yes")
    assert result.exit_code == 1
    assert "är från en nyare version av appen (ffffffffffff)" in result.output
    with sqlite_app.app_context():
        assert get_settings().installation_id == installation_id
