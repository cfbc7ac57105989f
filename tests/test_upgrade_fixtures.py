"""Every released schema upgrades: a database made by each revision's own code (demo data,
payment files in every state, warnings, attests, a failed login; tests/upgrade_fixtures/)
reaches the models' schema with `flask db upgrade` and keeps every row as it was, on SQLite and
on PostgreSQL (INYETT_DATABASE_URL)."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import SupplierInvoice
from inyett.services import payments
from tests.schema_helpers import schema_differences
from tests.upgrade_fixtures import rows
from tests.upgrade_fixtures import upgraded_from
from tests.upgrade_fixtures.make_fixture import RELEASED

WITH_PAYMENTS = [revision for revision in RELEASED if "payments" in rows.read(revision)["tables"]]


@pytest.mark.parametrize("revision", RELEASED)
def test_a_database_of_each_release_upgrades_to_the_models_schema_keeping_every_row(app, revision):
    with app.app_context():
        fixture = upgraded_from(revision)

        assert schema_differences() == []
        with db.engine.connect() as connection:
            upgraded = rows.dump(connection, revision, fixture["made_from_commit"])["tables"]
    for table, old_rows in fixture["tables"].items():
        # Each old row with each of its old values; new columns may be added beside them. Rows
        # are known by their primary key ("name" in service_status).
        key = "id" if not old_rows or "id" in old_rows[0] else "name"
        kept = {row[key]: row for row in upgraded[table]}
        assert [{column: kept[old[key]][column] for column in old} for old in old_rows] == old_rows
        if table != "audit_entries":  # the upgrade may write down what it did
            assert len(kept) == len(old_rows), table


@pytest.mark.parametrize("revision", WITH_PAYMENTS)
def test_after_the_upgrade_payments_keep_their_state_amount_and_who_attested(app, revision):
    with app.app_context():
        upgraded_from(revision)

        payments = {
            payment.invoice_number: payment
            for payment in db.session.scalars(select(Payment).order_by(Payment.id))
        }
        paid = payments["2026-1101"]
        assert (paid.supplier_name, paid.amount, paid.currency) == (
            "Skatteverket",
            Decimal("18450.00"),
            "SEK",
        )
        assert (paid.status, paid.attested_by, paid.inyett_state) == (
            "attested",
            "attestant",
            "answered",
        )
        assert payments["BM-5522"].attested_by == "attestant"
        assert payments["BM-5522"].warning_count > 0
        assert payments["BM-5521"].status == "awaiting_attest"
        assert (payments["S-100"].status, payments["S-100"].inyett_state) == ("undone", "removed")
        assert payments["V-7"].inyett_state == "queued"
        assert payments["N-2001"].inyett_state == "failed"
        assert payments["N-2001"].inyett_error
        first_file = db.session.get(PaymentFile, paid.payment_file_id)
        downloaded = "downloaded_by" in rows.read(revision)["tables"]["payment_files"][0]
        assert first_file.downloaded_by == ("betalare" if downloaded else None)
        # Downloaded before the downloads were counted: once, so that another asks to confirm.
        assert (first_file.download_count, first_file.last_downloaded_by) == (
            (1, "betalare") if downloaded else (0, None)
        )
        assert first_file.last_downloaded_at == first_file.downloaded_at
        invoice = db.session.get(SupplierInvoice, paid.invoice_id)
        assert (invoice.invoice_number, invoice.status) == ("2026-1101", "in_payment")


@pytest.mark.parametrize("revision", WITH_PAYMENTS)
def test_after_the_upgrade_each_payment_holds_its_invoice_and_undoing_reopens_it(app, revision):
    with app.app_context():
        upgraded_from(revision)

        every_payment = db.session.scalars(select(Payment).order_by(Payment.id)).all()
        for payment in every_payment:
            # One payment_invoices row each, live exactly when the payment held its invoice.
            assert [(row.invoice_id, row.live_invoice_id) for row in payment.netted] == [
                (payment.invoice_id, payment.live_invoice_id)
            ]
        waiting = next(p for p in every_payment if p.invoice_number == "BM-5521")
        payments.undo_payment(waiting, actor="betalare")
        assert db.session.get(SupplierInvoice, waiting.invoice_id).status == "open"
        assert waiting.netted[0].live_invoice_id is None
