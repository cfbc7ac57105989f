"""An installed site upgrades with `flask db upgrade`: the migrations must build exactly the
schema the models describe, on SQLite and on PostgreSQL (INYETT_DATABASE_URL)."""

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

from inyett.extensions import db
from inyett.models import Company
from inyett.models import Supplier
from inyett.models import SupplierInvoice


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


def test_an_upgrade_that_would_lose_duplicates_stops_and_names_them(app, capfd):
    with app.app_context():
        _empty_database()
        upgrade(revision="5b7e2f0a9c41")
        company = Company(name="Bolaget AB", orgnr="5560360793", country="SE")
        supplier = Supplier(
            company=company,
            name="Samma AB",
            orgnr="5560473521",
            country="SE",
            account_type="BGNR",
            account="50501055",
        )
        for _ in range(2):
            db.session.add(
                SupplierInvoice(
                    company=company,
                    supplier=supplier,
                    invoice_number="F-1",
                    amount=Decimal("100.00"),
                    currency="SEK",
                    due_date=date(2026, 12, 1),
                )
            )
        db.session.commit()
        supplier_id = supplier.id
        db.session.remove()

        # `flask db upgrade` prints the reason and exits non-zero.
        with pytest.raises(SystemExit):
            upgrade()
        printed = capfd.readouterr().err
        assert "Uppgraderingen avbröts: databasen har dubbletter" in printed
        assert f"(leverantör, fakturanummer, antal): {supplier_id}, F-1, 2" in printed
        assert db.session.scalar(select(func.count(SupplierInvoice.id))) == 2
