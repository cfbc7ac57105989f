"""What the simulator holds, checked against what the app shows: an answer on the screen must
be Inyett's analysis of that very payment. And backups taken and restored as the README says."""

import subprocess

import pytest
import requests
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import Payment
from inyett.services import backup


def held_at_inyett(simulator_url: str) -> list[dict]:
    return requests.get(f"{simulator_url}/_simulator/batches", timeout=10).json()["production"]


def assert_every_answer_is_inyetts_analysis_of_its_own_payment(simulator_url: str) -> int:
    """For every payment the app shows as answered, Inyett holds its batch, not deleted, with
    exactly that batch's transactions, and the payment's transaction pays what it pays; return
    how many payments were checked. Ids alone cannot show it: before ids were unique to an
    installation, another installation's payment could have the very same id."""
    held = {batch["externalId"]: batch for batch in held_at_inyett(simulator_url)}
    db.session.expire_all()
    answered = db.session.scalars(select(Payment).where(Payment.inyett_state == "answered"))
    count = 0
    for payment in answered:
        batch = held.get(payment.batch.external_id)
        assert batch is not None, f"Inyett has no batch {payment.batch.external_id}"
        assert not batch["deleted"], batch["externalId"]
        assert batch["transactions"] == [p.external_id for p in payment.batch.payments]
        paid = dict(
            zip(
                batch["transactions"],
                zip(batch["amounts"], batch["invoiceNrs"], strict=True),
                strict=True,
            )
        )
        assert paid[payment.external_id] == (f"{payment.amount:.2f}", payment.invoice_number)
        count += 1
    return count


def needs_separate_databases(app) -> None:
    """Skip unless `app` has a database of its own: every app of a test run shares
    INYETT_DATABASE_URL, and one database is one installation."""
    with app.app_context():
        if backup.sqlite_file() is None:
            pytest.skip("needs a database file per installation (SQLite)")


def take_copy(path) -> None:
    """A backup as the README says to take it: `inyett backup`, or pg_dump on PostgreSQL."""
    if backup.sqlite_file() is not None:
        backup.backup_to(path, actor="cli")
    else:
        subprocess.run(["pg_dump", "-Fc", "-f", str(path), libpq_url()], check=True)


def put_back(app, path):
    """Restore as the README says: `inyett restore`, or pg_restore and `inyett mark-restored`."""
    runner = app.test_cli_runner()
    with app.app_context():
        if backup.sqlite_file() is not None:
            return runner.invoke(args=["inyett", "restore", str(path), "--yes"])
        url = libpq_url()
        db.session.remove()
        db.engine.dispose()  # the app is stopped
    subprocess.run(["pg_restore", "--clean", "--if-exists", "-d", url, str(path)], check=True)
    return runner.invoke(args=["inyett", "mark-restored"])


def libpq_url() -> str:
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
