"""An installed site upgrades with `flask db upgrade`: the migrations must build exactly the
schema the models describe, on SQLite and on PostgreSQL (INYETT_DATABASE_URL)."""

import warnings
from datetime import date
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade
from flask_migrate import upgrade
from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import Company
from inyett.models import SupplierInvoice


def _empty_database() -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_migrations_build_the_schema_of_the_models_and_downgrade_removes_it(app):
    with app.app_context():
        _empty_database()

        upgrade()
        with db.engine.connect(), warnings.catch_warnings():
            # Neither SQLAlchemy nor Alembic compares an index on an expression: the test below
            # checks uq_suppliers_payee by what it refuses.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            warnings.filterwarnings("ignore", "autogenerate skipping .*expression-based index")
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection)
                differences = compare_metadata(context, db.metadata)
        assert differences == []

        downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]


def test_an_upgrade_that_would_lose_duplicates_stops_and_names_them(app, capfd):
    with app.app_context():
        _empty_database()
        upgrade(revision="5b7e2f0a9c41")
        company = Company(name="Bolaget AB", orgnr="5560360793", country="SE")
        db.session.add(company)
        db.session.commit()
        supplier_id = _insert_old_supplier(company.id, "Samma AB")
        for _ in range(2):
            db.session.add(
                SupplierInvoice(
                    company=company,
                    supplier_id=supplier_id,
                    invoice_number="F-1",
                    amount=Decimal("100.00"),
                    currency="SEK",
                    due_date=date(2026, 12, 1),
                )
            )
        db.session.commit()
        db.session.remove()

        # `flask db upgrade` prints the reason and exits non-zero.
        with pytest.raises(SystemExit):
            upgrade()
        printed = capfd.readouterr().err
        assert "Uppgraderingen avbröts: databasen har dubbletter" in printed
        assert f"(leverantör, fakturanummer, antal): {supplier_id}, F-1, 2" in printed
        assert db.session.scalar(select(func.count(SupplierInvoice.id))) == 2


def test_an_upgrade_over_two_live_payments_of_one_invoice_keeps_both_and_says_so(app):
    # The old check-then-write let a double click pay one invoice twice; the upgrade must not
    # stop over it, nor choose for the admin which payment the bank should not get.
    with app.app_context():
        _empty_database()
        upgrade(revision="3c9d1e7f5a20")
        company = Company(name="Bolaget AB", orgnr="5560360793", country="SE")
        db.session.add(company)
        db.session.commit()
        supplier_id = _insert_old_supplier(company.id, "Samma AB")
        invoices = [
            SupplierInvoice(
                company=company,
                supplier_id=supplier_id,
                invoice_number=number,
                amount=Decimal("100.00"),
                currency="SEK",
                due_date=date(2026, 12, 1),
                status="in_payment",
            )
            for number in ("F-1", "F-2")
        ]
        db.session.add_all(invoices)
        db.session.commit()
        twice, once = invoices[0].id, invoices[1].id
        for external_id, invoice_id, status in (
            ("P1", twice, "attested"),
            ("P2", twice, "awaiting_attest"),
            ("P3", twice, "undone"),
            ("P4", once, "undone"),
            ("P5", once, "awaiting_attest"),
        ):
            _insert_old_payment(external_id, company.id, invoice_id, status)
        # Rows pointing at payments and suppliers: the upgrade must not copy those tables.
        db.session.execute(
            text(
                "INSERT INTO payment_warnings (payment_id, code, name, description, category) "
                "SELECT id, 'W', 'Varning', 'Beskrivning', 'fraud' FROM payments"
            )
        )
        db.session.commit()
        db.session.remove()

        upgrade()

        live = dict(
            db.session.execute(text("SELECT external_id, live_invoice_id FROM payments")).all()
        )
        assert live == {"P1": twice, "P2": None, "P3": None, "P4": None, "P5": once}
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.kind == "upgrade")).one()
        assert entry.actor == "system"
        assert entry.summary == (
            "Vid uppgraderingen låg fakturor i mer än en betalning som inte är ångrad. "
            "Ångra de betalningar som inte ska betalas: faktura F-1 från Samma AB: P1, P2"
        )


def test_an_upgrade_over_a_supplier_stored_twice_keeps_both_and_says_so(app):
    with app.app_context():
        _empty_database()
        upgrade(revision="3c9d1e7f5a20")
        company = Company(name="Bolaget AB", orgnr="5560360793", country="SE")
        db.session.add(company)
        db.session.commit()
        company_id = company.id
        first = _insert_old_supplier(company_id, "Samma AB")
        copy = _insert_old_supplier(company_id, "Samma AB")
        without_orgnr = _insert_old_supplier(company_id, "Utan AB", orgnr=None)
        db.session.remove()

        upgrade()

        marked = dict(db.session.execute(text("SELECT id, known_duplicate FROM suppliers")).all())
        assert marked == {first: False, copy: True, without_orgnr: False}
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.kind == "upgrade")).one()
        assert entry.summary.endswith(
            "kontrollera att ingen faktura finns på båda: "
            f"Samma AB (id {copy}, kopia av id {first})"
        )
        # From now on the database refuses a third copy, with or without an org.nr.
        for orgnr in ("5560473521", None):
            with pytest.raises(IntegrityError):
                _insert_old_supplier(company_id, "Ny kopia AB", orgnr=orgnr)
            db.session.rollback()


def _insert_old_supplier(company_id: int, name: str, orgnr="5560473521") -> int:
    """A supplier as the database before the supplier rule stores it (and after, unmarked)."""
    supplier_id = db.session.execute(
        text(
            "INSERT INTO suppliers (company_id, name, orgnr, country, account_type, account) "
            "VALUES (:company_id, :name, :orgnr, 'SE', 'BGNR', '50501055') RETURNING id"
        ),
        {"company_id": company_id, "name": name, "orgnr": orgnr},
    ).scalar_one()
    db.session.commit()
    return supplier_id


def _insert_old_payment(external_id: str, company_id: int, invoice_id: int, status: str):
    db.session.execute(
        text(
            "INSERT INTO payments (external_id, company_id, invoice_id, supplier_name, "
            "supplier_country, account_type, account, invoice_number, amount, currency, "
            "payment_date, created_at, created_by, status, inyett_state, warning_count, "
            "warnings_acknowledged, version) VALUES (:external_id, :company_id, :invoice_id, "
            "'Samma AB', 'SE', 'BGNR', '50501055', "
            "(SELECT invoice_number FROM supplier_invoices WHERE id = :invoice_id), 100, 'SEK', "
            "'2026-12-01', '2026-11-30 10:00:00', 'betalare', :status, 'inactive', 0, "
            "false, 1)"
        ),
        {
            "external_id": external_id,
            "company_id": company_id,
            "invoice_id": invoice_id,
            "status": status,
        },
    )
    db.session.commit()
