"""An installation upgraded to payee accounts under four-eyes control: every supplier already
on file has its account approved by the upgrade, saying so, so it is paid as before; a change
made after the upgrade waits for a second person (SQLite and PostgreSQL)."""

from sqlalchemy import select

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import PayeeAccount
from inyett.models import Supplier
from inyett.services import ledger
from inyett.services import payee_accounts
from inyett.services.ledger import SupplierInput
from tests.test_paying_account_upgrade import NEWEST
from tests.upgrade_fixtures import upgraded_from


def test_existing_suppliers_are_approved_by_the_upgrade_and_stay_payable(app):
    with app.app_context():
        upgraded_from(NEWEST)
        suppliers = db.session.scalars(select(Supplier).order_by(Supplier.id)).all()
        accounts = db.session.scalars(select(PayeeAccount).order_by(PayeeAccount.id)).all()
        assert [a.supplier_id for a in accounts] == [s.id for s in suppliers]
        for supplier, account in zip(suppliers, accounts, strict=True):
            assert (account.account_type, account.account, account.bic) == (
                supplier.account_type,
                supplier.account,
                supplier.bic,
            )
            assert account.state == "approved"
            assert account.approval_note == "Fanns före kontrollen av mottagarkonton"
        logged = db.session.scalars(
            select(AuditEntry.summary).where(AuditEntry.kind == "payee_account")
        ).one()
        assert logged == (
            f"Mottagarkontona för {len(suppliers)} leverantörer godkändes av uppgraderingen: "
            "Fanns före kontrollen av mottagarkonton"
        )
        supplier = suppliers[0]
        assert payee_accounts.approved_for({supplier.id})
        ledger.change_account(
            supplier,
            SupplierInput("", "", "", "BGNR", "5555-5551"),
            actor="betalare",
            shared_confirmed=True,
        )
        assert payee_accounts.approved_for({supplier.id}) == {}
        assert payee_accounts.current(supplier.id).state == "pending"
