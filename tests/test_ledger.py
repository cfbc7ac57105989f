import io

import pytest
from sqlalchemy import func
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import Company
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.services import ledger
from inyett.services.ledger import LedgerRejected

HEADER = ";".join(ledger.CSV_COLUMNS)


@pytest.fixture
def company(app):
    with app.app_context():
        yield db.session.scalars(select(Company)).first()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_example_file_imports_cleanly(company):
    assert ledger.import_invoices(company, ledger.CSV_EXAMPLE, actor="b") == 3
    invoice = db.session.scalars(
        select(SupplierInvoice).where(SupplierInvoice.invoice_number == "2026-1101")
    ).one()
    assert str(invoice.amount) == "18450.00"
    assert invoice.supplier.account == "50501055"


def test_a_file_with_any_bad_row_imports_nothing_and_names_every_bad_line(company):
    rows = ledger.CSV_EXAMPLE.splitlines()
    bad = "\n".join(
        [
            rows[0],
            rows[1],
            "Fel AB;556036-0793;SE;BGNR;123-4567;F1;;Meddelande;100,00;SEK;2026-12-01",
            rows[2],
            "Fel2 AB;556036-0793;SE;PGNR;123456-6;F2;;Meddelande;-5;SEK;2026-12-01",
            '=HYPERLINK("x");556036-0793;SE;PGNR;123456-6;F3;;M;5,00;SEK;2026-12-01',
            "kort;rad",
        ]
    )
    with pytest.raises(LedgerRejected) as rejected:
        ledger.import_invoices(company, bad, actor="b")
    errors = rejected.value.errors
    assert set(errors) == {"rad 3", "rad 5", "rad 6", "rad 7"}
    assert "Kontrollsiffran" in errors["rad 3"]
    assert "större än noll" in errors["rad 5"]
    assert "får inte börja med =" in errors["rad 6"]
    assert "11 kolumner" in errors["rad 7"]
    assert count(SupplierInvoice) == 0 and count(Supplier) == 0


def test_a_file_without_the_header_says_which_columns_are_missing(company):
    with pytest.raises(LedgerRejected, match="belopp"):
        ledger.import_invoices(company, "leverantor;orgnr\nA;B\n", actor="b")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ocr", "123456", "kontrollsiffra"),
        ("amount", "12,345", "två decimaler"),
        ("amount", "abc", "ska vara ett tal"),
        ("due_date", "1/12", "ÅÅÅÅ-MM-DD"),
        ("currency", "XYZ", "Valutan ska vara"),
        ("invoice_number", "", "Ange fakturanumret"),
    ],
)
def test_invoice_fields_have_swedish_messages(field, value, message):
    data = dict(
        invoice_number="F1",
        ocr="",
        message="M",
        amount="10,00",
        currency="SEK",
        due_date="2026-12-01",
    )
    data[field] = value
    with pytest.raises(LedgerRejected) as rejected:
        ledger.clean_invoice(ledger.InvoiceInput(**data), "SE", "BBAN")
    assert message in rejected.value.errors[field]


def test_giro_payments_must_be_in_sek():
    data = ledger.InvoiceInput("F1", "", "M", "10,00", "EUR", "2026-12-01")
    with pytest.raises(LedgerRejected, match="bara betalningar i SEK"):
        ledger.clean_invoice(data, "SE", "BGNR")


def test_add_supplier_view_shows_a_field_message_and_stores_nothing(app, client, auth):
    auth.login("betalare")
    response = auth.post(
        "/reskontra/leverantorer?company=1",
        {
            "name": "Nytt AB",
            "orgnr": "556036-0793",
            "country": "SE",
            "account_type": "BGNR",
            "account": "123-4567",
        },
        token_from="/reskontra",
    )
    assert response.status_code == 422
    assert "Kontrollsiffran stämmer inte – kontrollera bankgironumret." in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert count(Supplier) == 0


def test_add_supplier_and_invoice_views(app, client, auth):
    auth.login("betalare")
    auth.post(
        "/reskontra/leverantorer?company=1",
        {
            "name": "Nytt AB",
            "orgnr": "556036-0793",
            "country": "SE",
            "account_type": "BGNR",
            "account": "5050-1055",
        },
        token_from="/reskontra",
    )
    with app.app_context():
        supplier_id = db.session.scalars(select(Supplier.id)).one()
    response = auth.post(
        "/reskontra/fakturor?company=1",
        {
            "supplier": supplier_id,
            "invoice_number": "F-9",
            "ocr": "123455",
            "message": "",
            "amount": "1 234,50",
            "currency": "SEK",
            "due_date": "2026-12-01",
        },
        token_from="/reskontra",
    )
    assert response.status_code == 302
    page = client.get("/reskontra?company=1").get_data(as_text=True)
    assert "F-9" in page and "1\xa0234,50" in page and "5050-1055" in page


def test_csv_import_view_reports_lines(app, client, auth):
    auth.login("betalare")
    body = HEADER + "\nA AB;556036-0793;SE;BGNR;123-4567;F1;;M;1,00;SEK;2026-12-01\n"
    response = auth.post(
        "/reskontra/import?company=1",
        {"file": (io.BytesIO(body.encode()), "fakturor.csv")},
        token_from="/reskontra",
    )
    assert response.status_code == 422
    assert "Rad 2: " in response.get_data(as_text=True)


def test_example_csv_downloads(client, auth):
    auth.login("betalare")
    response = client.get("/reskontra/exempel.csv")
    assert response.status_code == 200
    assert response.data.decode().startswith(HEADER)


GOOD_ROW = {
    "leverantor": "Kontorsvaror AB",
    "orgnr": "556036-0793",
    "land": "SE",
    "betalsatt": "PGNR",
    "konto": "12 34 56-6",
    "fakturanr": "K-88",
    "ocr": "",
    "meddelande": "Faktura K-88",
    "belopp": "999,50",
    "valuta": "SEK",
    "forfallodatum": "2026-12-03",
}


@pytest.mark.parametrize("column", ["leverantor", "fakturanr", "meddelande"])
@pytest.mark.parametrize(
    "cell", ["=1+1", "+46701234567", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_cells_that_a_spreadsheet_would_run_as_formulas_are_refused(company, column, cell):
    row = {**GOOD_ROW, column: cell}
    quoted = ";".join('"' + row[c].replace('"', '""') + '"' for c in ledger.CSV_COLUMNS)
    with pytest.raises(LedgerRejected) as rejected:
        ledger.import_invoices(company, HEADER + "\n" + quoted + "\n", actor="b")
    assert "får inte börja med =, +, -, @ eller ett tabbtecken" in rejected.value.errors["rad 2"]
    assert count(SupplierInvoice) == 0 and count(Supplier) == 0


def test_the_invoice_form_refuses_a_formula_in_the_message(app, client, auth):
    with app.app_context():
        company = db.session.scalars(select(Company)).first()
        supplier = ledger.add_supplier(
            company,
            ledger.SupplierInput("Kontorsvaror AB", "", "SE", "PGNR", "1234566"),
            actor="b",
        )
        supplier_id = supplier.id
    auth.login("betalare")
    response = auth.post(
        "/reskontra/fakturor?company=1",
        {
            "supplier": supplier_id,
            "invoice_number": "K-88",
            "message": '=HYPERLINK("https://example.com")',
            "amount": "10,00",
            "currency": "SEK",
            "due_date": "2026-12-03",
        },
        token_from="/reskontra",
    )
    assert response.status_code == 422
    assert "Meddelandet får inte börja med =" in response.get_data(as_text=True)
    with app.app_context():
        assert count(SupplierInvoice) == 0


def test_a_file_that_is_not_csv_is_a_message_not_an_error(company):
    with pytest.raises(LedgerRejected) as rejected:
        ledger.import_invoices(company, "\r\x00", actor="b")
    assert rejected.value.errors == {
        "fil": "Filen går inte att läsa som CSV. Spara den som CSV med semikolon och försök."
    }
