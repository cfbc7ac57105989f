"""Payee accounts under four-eyes control: a new or changed account is paid to only after a
second person has approved it, naming how it was confirmed; an account another supplier
already has is refused unless confirmed as shared."""

import pytest
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import Company
from inyett.models import PayeeAccount
from inyett.models import Supplier
from inyett.services import ledger
from inyett.services import payee_accounts
from inyett.services.ledger import ImportRejected
from inyett.services.ledger import InvoiceInput
from inyett.services.ledger import LedgerRejected
from inyett.services.ledger import SupplierInput
from inyett.services.payee_accounts import ApprovalRefused
from inyett.services.payments import PaymentRejected
from tests.payments_helpers import PAYMENT_DATE
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file

SKATTEVERKET = SupplierInput("Skatteverket", "202100-5448", "SE", "BGNR", "5050-1055")
NOTE = "Ringde leverantören på numret i avtalet"


def company() -> Company:
    return db.session.scalar(select(Company).where(Company.name == "Testbolaget AB"))


def supplier_with_invoice(data=SKATTEVERKET, actor="betalare", number="F-1") -> Supplier:
    supplier = ledger.add_supplier(company(), data, actor=actor)
    ledger.add_invoice(
        supplier, InvoiceInput(number, "", "Faktura", "100,00", "SEK", PAYMENT_DATE), actor=actor
    )
    return supplier


def open_invoice_ids(supplier: Supplier) -> list[int]:
    return [
        i.id
        for i in db.session.scalars(select(ledger.SupplierInvoice))
        if i.supplier_id == supplier.id
    ]


def current(supplier: Supplier) -> PayeeAccount:
    return payee_accounts.current(supplier.id)


def test_a_new_suppliers_account_cannot_be_paid_until_approved(app):
    with app.app_context():
        supplier = supplier_with_invoice()
        assert current(supplier).state == "pending"
        with pytest.raises(
            PaymentRejected, match="mottagarkontot för Skatteverket är inte godkänt"
        ):
            create_file(open_invoice_ids(supplier))
        payee_accounts.approve(current(supplier).id, actor="admin", note=NOTE)
        payment_file = create_file(open_invoice_ids(supplier))
        (payment,) = payment_file.payments
        assert payment.account == "50501055"
        assert payment.payee_account_id == current(supplier).id


def test_the_person_who_entered_the_account_cannot_approve_it(app):
    with app.app_context():
        supplier = supplier_with_invoice(actor="betalare")
        with pytest.raises(ApprovalRefused, match="Du lade själv in kontot"):
            payee_accounts.approve(current(supplier).id, actor="betalare", note=NOTE)
        assert current(supplier).state == "pending"


def test_approving_needs_a_note_on_how_it_was_confirmed_and_is_audited(app):
    with app.app_context():
        supplier = supplier_with_invoice()
        with pytest.raises(ApprovalRefused, match="Skriv hur ändringen bekräftades"):
            payee_accounts.approve(current(supplier).id, actor="admin", note="  ")
        payee_accounts.approve(current(supplier).id, actor="admin", note=NOTE)
        account = current(supplier)
        assert (account.state, account.approved_by, account.approval_note) == (
            "approved",
            "admin",
            NOTE,
        )
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.kind == "payee_account")
        ).one()
        assert entry.actor == "admin"
        assert "Bankgiro 5050-1055 för Skatteverket" in entry.summary
        assert NOTE in entry.summary


def test_changing_the_account_takes_the_approval_away_and_keeps_the_old_one(app):
    with app.app_context():
        supplier = supplier_with_invoice()
        first = current(supplier)
        payee_accounts.approve(first.id, actor="admin", note=NOTE)
        ledger.change_account(
            supplier, SupplierInput("", "", "", "BGNR", "5555-5551"), actor="betalare"
        )
        with pytest.raises(PaymentRejected, match="inte godkänt"):
            create_file(open_invoice_ids(supplier))
        new = current(supplier)
        assert (new.account, new.state, new.entered_by) == ("55555551", "pending", "betalare")
        db.session.refresh(first)
        assert first.state == "replaced"
        assert payee_accounts.previous(new).id == first.id
        assert (
            "ändrades från Bankgiro 5050-1055 till Bankgiro 5555-5551"
            in db.session.scalars(
                select(AuditEntry.summary).where(AuditEntry.kind == "payee_account")
            ).all()[-1]
        )


def test_a_supplier_stored_without_an_account_history_is_not_paid(app):
    # Stored around the services (or by a bug): no approval, no payment.
    with app.app_context():
        supplier = Supplier(
            company=company(),
            name="Direkt AB",
            country="SE",
            account_type="BGNR",
            account="50501055",
        )
        db.session.add(supplier)
        db.session.flush()
        ledger.add_invoice(
            supplier,
            InvoiceInput("D-1", "", "Faktura", "5,00", "SEK", PAYMENT_DATE),
            actor="betalare",
        )
        with pytest.raises(PaymentRejected, match="inte godkänt"):
            create_file(open_invoice_ids(supplier))


def test_an_account_another_supplier_has_is_refused_unless_confirmed_shared(app):
    with app.app_context():
        ledger.add_supplier(company(), SKATTEVERKET, actor="betalare")
        factored = SupplierInput("Factoringkund AB", "556677-8899", "SE", "BGNR", "5050-1055")
        with pytest.raises(LedgerRejected) as refused:
            ledger.add_supplier(company(), factored, actor="betalare")
        assert (
            "Bankgiro 5050-1055 används redan av Skatteverket"
            in refused.value.errors["shared_confirmed"]
        )
        supplier = ledger.add_supplier(company(), factored, actor="betalare", shared_confirmed=True)
        assert current(supplier).shared_confirmed
        assert (
            "”Leverantörerna delar konto” bekräftat"
            in db.session.scalars(
                select(AuditEntry.summary).where(AuditEntry.kind == "ledger")
            ).all()[-1]
        )


def test_changing_to_an_account_another_supplier_has_is_refused_unless_confirmed(app):
    with app.app_context():
        ledger.add_supplier(company(), SKATTEVERKET, actor="betalare")
        other = ledger.add_supplier(
            company(),
            SupplierInput("Annan AB", "556036-0793", "SE", "PGNR", "12 34 56-6"),
            actor="betalare",
        )
        new_account = SupplierInput("", "", "", "BGNR", "5050-1055")
        with pytest.raises(LedgerRejected, match="används redan av Skatteverket"):
            ledger.change_account(other, new_account, actor="betalare")
        ledger.change_account(other, new_account, actor="betalare", shared_confirmed=True)
        assert current(other).account == "50501055"


def test_an_import_refuses_a_new_supplier_on_a_known_account_naming_it(app):
    with app.app_context():
        ledger.add_supplier(company(), SKATTEVERKET, actor="betalare")
        csv = (
            ";".join(ledger.CSV_COLUMNS) + "\n"
            "Factoringkund AB;556677-8899;SE;BGNR;5050-1055;X-1;;Faktura;10,00;SEK;2026-12-01\n"
        ).encode()
        with pytest.raises(ImportRejected) as refused:
            ledger.import_invoices(company(), csv, actor="betalare")
        (problem,) = refused.value.row_errors[2]
        assert "Bankgiro 5050-1055 används redan av Skatteverket" in problem
        assert "lägg in den för hand under Ny leverantör" in problem


def test_an_imported_suppliers_account_waits_for_approval(app):
    with app.app_context():
        csv = (
            ";".join(ledger.CSV_COLUMNS) + "\n"
            "Skatteverket;202100-5448;SE;BGNR;5050-1055;X-1;;Faktura;10,00;SEK;2026-12-01\n"
        ).encode()
        ledger.import_invoices(company(), csv, actor="betalare")
        supplier = db.session.scalars(select(Supplier)).one()
        assert (current(supplier).state, current(supplier).entered_by) == ("pending", "betalare")


def test_the_ledger_page_changes_an_account_and_another_payer_approves_it(app, client, auth):
    with app.app_context():
        supplier = supplier_with_invoice(actor="admin")
        payee_accounts.approve(current(supplier).id, actor="betalare", note=NOTE)
        supplier_id = supplier.id
    auth.login("betalare")
    page = f"/reskontra/leverantorer/{supplier_id}/konto"
    response = auth.post(page, {"account_type": "BGNR", "account": "5555-5551"}, token_from=page)
    assert response.status_code == 302
    ledger_page = client.get("/reskontra").get_data(as_text=True)
    assert "Ej godkänt" in ledger_page
    with app.app_context():
        account_id = payee_accounts.current(supplier_id).id
    review = f"/reskontra/konton/{account_id}"
    shown = client.get(review).get_data(as_text=True)
    assert "Bankgiro 5050-1055" in shown and "Bankgiro 5555-5551" in shown
    assert "Du lade själv in kontot" in shown
    refused = auth.post(review, {"note": NOTE}, token_from=review)
    assert refused.status_code == 422
    assert "Du lade själv in kontot" in refused.get_data(as_text=True)
    auth.post("/logga-ut")
    auth.login("admin")
    approved = auth.post(review, {"note": NOTE}, token_from=review)
    assert approved.status_code == 302
    with app.app_context():
        assert payee_accounts.current(supplier_id).state == "approved"
    assert "Mottagarkonto" in client.get("/systeminstallningar/logg").get_data(as_text=True)


def test_the_proposal_says_why_an_invoice_with_an_unapproved_account_cannot_be_ticked(
    app, client, auth
):
    with app.app_context():
        supplier_with_invoice()
    auth.login("betalare")
    page = client.get("/betalningar/forslag").get_data(as_text=True)
    assert "Ej godkänt konto" in page
    assert "mottagarkontot för Skatteverket är inte godkänt" in page
    assert 'name="invoice_ids"' not in page


def test_the_attest_list_shows_when_the_account_was_approved_and_flags_a_new_one(app, client, auth):
    with app.app_context():
        first = create_file(add_invoices()[:1])
        second = create_file(add_invoices()[:1])
        first_row, second_row = first.payments[0].id, second.payments[0].id
    auth.login("attestant")
    page = client.get("/attest").get_data(as_text=True)
    rows = {
        payment_id: page[page.index(f'id="payment-{payment_id}"') :].split("</tr>")[0]
        for payment_id in (first_row, second_row)
    }
    assert "Nytt konto" in rows[first_row]
    assert "Nytt konto" not in rows[second_row]
    assert "Kontot godkänt" in rows[second_row] and "av godkannare" in rows[second_row]
