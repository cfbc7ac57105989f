"""Correcting the ledger: Ändra and Ta bort on an invoice or a supplier while no live payment
uses it, the checks of Ny faktura, the audit of old and new values, and the file named when a
payment holds the row."""

from datetime import date

import pytest
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import Payment
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.services import ledger_edits
from inyett.services.ledger import InvoiceInput
from inyett.services.payments import undo_payment
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file

LEDGER = "/reskontra"


@pytest.fixture
def invoice_ids(app):
    with app.app_context():
        return add_invoices()


def invoice_of(number: str) -> SupplierInvoice | None:
    return db.session.scalar(
        select(SupplierInvoice).where(SupplierInvoice.invoice_number == number)
    )


def last_audit() -> str:
    """The newest audit entry, with the amounts' no-break spaces as plain ones."""
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    return entry.summary.replace("\xa0", " ")


def edit_data(**changes):
    data = {
        "invoice_number": "F-1001",
        "ocr": "1234567806",
        "message": "",
        "amount": "18 450,00",
        "currency": "SEK",
        "due_date": "2026-11-26",
    }
    return data | changes


def test_a_payer_corrects_an_invoice_and_the_change_is_audited_with_old_and_new(
    app, auth, invoice_ids
):
    auth.login("betalare")
    page = auth.client.get(f"{LEDGER}/fakturor/{invoice_ids[0]}").get_data(as_text=True)
    assert 'value="18\xa0450,00"' in page  # as typed in Ny faktura, not 18450.00
    path = f"{LEDGER}/fakturor/{invoice_ids[0]}"
    response = auth.post(path, edit_data(amount="1 200,00", due_date="2026-12-05"), token_from=path)
    assert response.status_code == 302
    with app.app_context():
        invoice = db.session.get(SupplierInvoice, invoice_ids[0])
        assert (str(invoice.amount), invoice.due_date) == ("1200.00", date(2026, 12, 5))
        assert last_audit() == (
            "Faktura F-1001 från Skatteverket ändrad: belopp 18 450,00 SEK → 1 200,00 SEK, "
            "förfallodag 2026-11-26 → 2026-12-05"
        )


def test_an_edit_has_the_checks_of_ny_faktura_at_its_fields(app, auth, invoice_ids):
    auth.login("betalare")
    path = f"{LEDGER}/fakturor/{invoice_ids[0]}"
    response = auth.post(
        path,
        edit_data(amount="0", ocr="1234567800", due_date="2026-13-01", invoice_number="F-1002"),
        token_from=path,
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Beloppet kan inte vara noll. En kreditfaktura har minus framför." in page
    assert "OCR" in page and "kontrollsiffra" in page.lower()
    assert "Förfallodatum" in page
    with app.app_context():
        assert str(db.session.get(SupplierInvoice, invoice_ids[0]).amount) == "18450.00"


def test_an_invoice_number_the_supplier_has_already_is_refused(app, invoice_ids):
    with app.app_context():
        add_invoices()  # Skatteverket now has F-1001 and F-1001-2
        invoice = invoice_of("F-1001-2")
        with pytest.raises(ledger_edits.LedgerRejected) as refused:
            ledger_edits.edit_invoice(invoice, InvoiceInput(**edit_data()), actor="b")
        assert refused.value.errors["invoice_number"].startswith(
            "Faktura F-1001 från Skatteverket finns redan"
        )


def test_an_invoice_in_a_payment_names_its_file_and_is_neither_edited_nor_removed(
    app, auth, invoice_ids
):
    with app.app_context():
        payment_file = create_file(invoice_ids[:1])
        file_id, message_id = payment_file.id, payment_file.message_id
    auth.login("betalare")
    path = f"{LEDGER}/fakturor/{invoice_ids[0]}"
    page = auth.client.get(path).get_data(as_text=True)
    assert (
        f"Fakturan är med i betalfil {message_id} (2026-11-26); ångra betalningen först "
        "under Betalfiler." in page
    )
    assert f'href="/betalningar/filer/{file_id}"' in page
    response = auth.post(path, edit_data(amount="1,00"), token_from=path)
    assert response.status_code == 422
    response = auth.post(f"{path}/ta-bort", token_from=path)
    assert response.status_code == 422
    assert f"betalfil {message_id}" in response.get_data(as_text=True)
    with app.app_context():
        assert str(db.session.get(SupplierInvoice, invoice_ids[0]).amount) == "18450.00"


def test_the_service_refuses_an_invoice_a_payment_took_after_the_page_was_read(app, invoice_ids):
    with app.app_context():
        seen = db.session.get(SupplierInvoice, invoice_ids[0])
        assert seen.status == "open"
        with app.app_context():
            create_file(invoice_ids[:1])
        with pytest.raises(ledger_edits.HeldByPayment, match="Fakturan är med i betalfil"):
            ledger_edits.edit_invoice(seen, InvoiceInput(**edit_data(amount="1,00")), actor="b")
        payment = db.session.scalar(select(Payment))
        assert str(payment.amount) == str(seen.amount) == "18450.00"


def test_a_removed_invoice_leaves_the_ledger_and_the_proposal(app, auth, invoice_ids):
    auth.login("betalare")
    path = f"{LEDGER}/fakturor/{invoice_ids[0]}/ta-bort"
    confirm = auth.client.get(path).get_data(as_text=True)
    assert "Ta bort faktura F-1001 från Skatteverket?" in confirm
    assert auth.post(path, token_from=path).status_code == 302
    assert "F-1001<" not in auth.client.get(LEDGER).get_data(as_text=True)
    assert "F-1001<" not in auth.client.get("/betalningar/forslag").get_data(as_text=True)
    with app.app_context():
        assert invoice_of("F-1001") is None
        assert last_audit() == (
            "Faktura F-1001 från Skatteverket (18 450,00 SEK, förfaller 2026-11-26) borttagen"
        )


def test_an_invoice_paid_once_and_undone_is_removed_but_its_history_kept(app, invoice_ids):
    with app.app_context():
        payment = create_file(invoice_ids[:1]).payments[0]
        undo_payment(payment, actor="betalare")
        ledger_edits.delete_invoice(db.session.get(SupplierInvoice, invoice_ids[0]), actor="b")
        assert invoice_of("F-1001").status == "removed"
        assert db.session.scalar(select(Payment)).invoice_number == "F-1001"


def test_a_payer_corrects_a_suppliers_name_and_orgnr_and_not_its_account(app, auth, invoice_ids):
    with app.app_context():
        supplier_id = invoice_of("F-1001").supplier_id
    auth.login("betalare")
    path = f"{LEDGER}/leverantorer/{supplier_id}"
    data = {"name": "Skatteverket Stockholm", "orgnr": "556036-0793", "account": "1234-5678"}
    assert auth.post(path, data, token_from=path).status_code == 302
    with app.app_context():
        supplier = db.session.get(Supplier, supplier_id)
        assert (supplier.name, supplier.orgnr, supplier.account) == (
            "Skatteverket Stockholm",
            "5560360793",
            "50501055",
        )
        assert last_audit() == (
            "Leverantören Skatteverket ändrad: namn Skatteverket → Skatteverket Stockholm, "
            "org.nr 202100-5448 → 556036-0793"
        )


def test_a_bad_supplier_name_or_orgnr_is_told_at_its_field(app, auth, invoice_ids):
    with app.app_context():
        supplier_id = invoice_of("F-1001").supplier_id
    auth.login("betalare")
    path = f"{LEDGER}/leverantorer/{supplier_id}"
    response = auth.post(path, {"name": "", "orgnr": "556036-0794"}, token_from=path)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Ange leverantörens namn." in page
    assert "556036-0794" in page and "kontrollsiffra" in page.lower()


def test_a_supplier_with_an_invoice_in_a_payment_cannot_be_edited(app, auth, invoice_ids):
    with app.app_context():
        message_id = create_file(invoice_ids[:1]).message_id
        supplier_id = invoice_of("F-1001").supplier_id
    auth.login("betalare")
    path = f"{LEDGER}/leverantorer/{supplier_id}"
    response = auth.post(path, {"name": "Annat namn", "orgnr": ""}, token_from=path)
    assert response.status_code == 422
    assert (
        f"Skatteverket har en faktura som är med i betalfil {message_id} (2026-11-26)"
        in response.get_data(as_text=True)
    )
    with app.app_context():
        assert db.session.get(Supplier, supplier_id).name == "Skatteverket"


def test_a_supplier_is_removed_only_without_invoices(app, auth, invoice_ids):
    with app.app_context():
        supplier_id = invoice_of("F-1001").supplier_id
    auth.login("betalare")
    path = f"{LEDGER}/leverantorer/{supplier_id}/ta-bort"
    response = auth.post(path, token_from=path)
    assert response.status_code == 422
    assert "Skatteverket har 1 faktura i reskontran" in response.get_data(as_text=True)
    invoice_path = f"{LEDGER}/fakturor/{invoice_ids[0]}/ta-bort"
    assert auth.post(invoice_path, token_from=invoice_path).status_code == 302
    assert auth.post(path, token_from=path).status_code == 302
    with app.app_context():
        assert db.session.get(Supplier, supplier_id) is None
        assert last_audit() == "Leverantören Skatteverket borttagen"


def test_a_removal_needs_the_csrf_token(app, auth, client, invoice_ids):
    auth.login("betalare")
    path = f"{LEDGER}/fakturor/{invoice_ids[0]}/ta-bort"
    assert client.post(path, data={}).status_code in (400, 422)
    with app.app_context():
        assert invoice_of("F-1001") is not None


def test_an_attester_cannot_correct_the_ledger(app, auth, client, invoice_ids):
    auth.login("attestant")
    assert client.get(f"{LEDGER}/fakturor/{invoice_ids[0]}").status_code == 403
    path = f"{LEDGER}/fakturor/{invoice_ids[0]}/ta-bort"
    assert auth.post(path).status_code == 403
    with app.app_context():
        assert invoice_of("F-1001") is not None


def test_a_row_that_is_not_there_is_404(auth):
    auth.login("betalare")
    assert auth.client.get(f"{LEDGER}/fakturor/999").status_code == 404
    assert auth.client.get(f"{LEDGER}/leverantorer/99999999999999999999").status_code == 404


def test_an_invoice_removed_by_someone_else_meanwhile_is_told_not_a_500(app, invoice_ids):
    with app.app_context():
        seen = db.session.get(SupplierInvoice, invoice_ids[0])
        assert seen.status == "open"
        with app.app_context():
            ledger_edits.delete_invoice(db.session.get(SupplierInvoice, invoice_ids[0]), actor="a")
        with pytest.raises(ledger_edits.RowGone) as gone:
            ledger_edits.edit_invoice(seen, InvoiceInput(**edit_data(amount="1,00")), actor="b")
        assert gone.value.message == "Fakturan hann tas bort av någon annan."


def test_a_supplier_with_invoices_says_so_before_removal_is_asked(app, auth, invoice_ids):
    with app.app_context():
        supplier_id = invoice_of("F-1001").supplier_id
    auth.login("betalare")
    page = auth.client.get(f"{LEDGER}/leverantorer/{supplier_id}/ta-bort").get_data(as_text=True)
    assert "Skatteverket har 1 faktura i reskontran" in page
