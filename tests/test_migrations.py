"""An installed site upgrades with `flask db upgrade`: the migrations must build exactly the
schema the models describe, on SQLite and on PostgreSQL (INYETT_DATABASE_URL)."""

from datetime import date
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from flask_migrate import downgrade
from flask_migrate import upgrade
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import Payment
from inyett.models import SupplierInvoice
from inyett.services import ledger
from tests.upgrade_fixtures import upgraded_from


def _empty_database() -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_migrations_build_the_schema_of_the_models_and_downgrade_removes_it(app):
    with app.app_context():
        _empty_database()

        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []

        downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]


def test_the_first_release_demo_with_bm_5521_twice_upgrades_and_keeps_both(app, runner):
    with app.app_context():
        upgraded_from("c8db590d36c3")  # its demo data stored BM-5521 twice, both paid

        copies = db.session.scalars(
            select(SupplierInvoice)
            .where(SupplierInvoice.invoice_number == "BM-5521")
            .order_by(SupplierInvoice.id)
        ).all()
        assert [
            (copy.supplier.name, copy.amount, copy.status, copy.duplicate_number) for copy in copies
        ] == [
            ("Bygg & Montage AB", Decimal("12500.00"), "in_payment", 0),
            ("Bygg & Montage AB", Decimal("12500.00"), "in_payment", 1),
        ]
        paid = db.session.scalars(
            select(Payment.invoice_id).where(Payment.invoice_number == "BM-5521")
        )
        assert sorted(paid) == [copy.id for copy in copies]
        note = db.session.scalar(select(AuditEntry).where(AuditEntry.actor == "uppgradering"))
        assert (
            f"BM-5521 från Bygg & Montage AB (2 st, faktura-id {copies[0].id}, {copies[1].id})"
            in (note.summary)
        )

        # The rule holds for every new invoice: in the ledger, and in the database itself.
        supplier = copies[0].supplier
        with pytest.raises(ledger.LedgerRejected):
            ledger.add_invoice(
                supplier,
                ledger.InvoiceInput("BM-5521", "", "", "12 500,00", "SEK", date(2026, 12, 30)),
                actor="betalare",
            )
        db.session.add(
            SupplierInvoice(
                company=supplier.company,
                supplier=supplier,
                invoice_number="BM-5521",
                amount=Decimal("1.00"),
                currency="SEK",
                due_date=date(2026, 12, 30),
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        copy_id = copies[1].id

    listed = runner.invoke(args=["inyett", "invoice-duplicates"])
    assert listed.exit_code == 0, listed.output
    assert "Demo Fastigheter AB: Bygg & Montage AB, faktura BM-5521" in listed.output
    assert f"faktura-id {copy_id}, kopia 1: 12 500,00 SEK" in listed.output.replace("\xa0", " ")


def test_invoice_duplicates_says_when_there_are_none(runner):
    listed = runner.invoke(args=["inyett", "invoice-duplicates"])
    assert listed.exit_code == 0, listed.output
    assert "Inga fakturor finns flera gånger från samma leverantör." in listed.output


def test_the_upgrade_drops_the_one_supplier_per_orgnr_rule_a_database_briefly_got(app):
    # 3c9d1e7f5a20 held this rule for a few minutes on main; the app has since stored a second
    # account for a known org.nr (with a warning), which the rule would refuse.
    with app.app_context():
        _empty_database()
        upgrade(revision="3c9d1e7f5a20")
        with db.engine.begin() as connection:
            # As that migration made it.
            operations = Operations(MigrationContext.configure(connection))
            with operations.batch_alter_table("suppliers") as batch_op:
                batch_op.create_unique_constraint(
                    "uq_suppliers_company_orgnr", ["company_id", "orgnr"]
                )
        assert "uq_suppliers_company_orgnr" in {
            c["name"] for c in inspect(db.engine).get_unique_constraints("suppliers")
        }
        upgrade()
        names = {c["name"] for c in inspect(db.engine).get_unique_constraints("suppliers")}
        assert "uq_suppliers_company_orgnr" not in names


def test_after_an_upgrade_sqlite_still_holds_foreign_keys(app):
    # The upgrade turns them off to rebuild tables; `flask demo` then serves from the same pool.
    with app.app_context():
        _empty_database()
        upgrade()
        with db.engine.connect() as connection:
            if connection.dialect.name != "sqlite":
                pytest.skip("PostgreSQL always holds them")
            with pytest.raises(IntegrityError):
                connection.execute(
                    text(
                        "INSERT INTO debtor_accounts (company_id, account_type, account, "
                        "currency) VALUES (999, 'BGNR', '55555551', 'SEK')"
                    )
                )
