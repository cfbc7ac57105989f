import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlalchemy import select

from inyett import account_numbers
from inyett.extensions import db
from inyett.models import Company
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.services import ledger
from inyett.services.ledger import ImportRejected
from inyett.services.ledger import LedgerRejected
from tests.payments_helpers import add_open_invoice

HEADER = ";".join(ledger.CSV_COLUMNS)

SUPPLIER_FORM = {
    "name": "Nytt AB",
    "orgnr": "556036-0793",
    "country": "SE",
    "account_type": "BGNR",
    "account": "5050-1055",
}


@pytest.fixture
def company(app):
    with app.app_context():
        yield db.session.scalars(select(Company)).first()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def import_text(company, text):
    return ledger.import_invoices(company, text.encode("utf-8"), actor="b")


def test_the_example_file_imports_cleanly(company):
    assert import_text(company, ledger.CSV_EXAMPLE).count == 3
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
            "Fel2 AB;556036-0793;SE;PGNR;123456-6;F2;;Meddelande;0;SEK;2026-12-01",
            '=HYPERLINK("x");556036-0793;SE;PGNR;123456-6;F3;;M;5,00;SEK;2026-12-01',
            "kort;rad",
        ]
    )
    with pytest.raises(ImportRejected) as rejected:
        import_text(company, bad)
    errors = rejected.value.row_errors
    assert set(errors) == {3, 5, 6, 7}
    assert "Kontrollsiffran" in errors[3][0]
    assert "kan inte vara noll" in errors[5][0]
    assert "får inte börja med =" in errors[6][0]
    assert "11 kolumner" in errors[7][0]
    assert count(SupplierInvoice) == 0 and count(Supplier) == 0


def test_a_file_without_the_header_says_which_columns_are_missing(company):
    with pytest.raises(ImportRejected) as rejected:
        import_text(company, "leverantor;orgnr\nA;B\n")
    assert rejected.value.file_error.startswith("Rubrikraden saknar kolumnerna land, betalsatt")


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
        ledger.clean_invoice(ledger.InvoiceInput(**data), "SE", "BBAN", payer_country="SE")
    assert message in rejected.value.errors[field]


def test_giro_payments_must_be_in_sek():
    data = ledger.InvoiceInput("F1", "", "M", "10,00", "EUR", "2026-12-01")
    with pytest.raises(LedgerRejected, match="bara betalningar i SEK"):
        ledger.clean_invoice(data, "SE", "BGNR", payer_country="SE")


@pytest.mark.parametrize(
    ("account_type", "country", "longest"),
    # Bankgirot's payment records carry 25 characters to a bankgiro or plusgiro, its deposit
    # to a Swedish bank account 12 (inyett/bankfiles/profiles.py); abroad the file's 140.
    [("BGNR", "SE", 25), ("PGNR", "SE", 25), ("BBAN", "SE", 12), ("IBAN", "DE", 140)],
)
def test_a_message_longer_than_the_payees_channel_carries_is_refused_at_entry(
    account_type, country, longest
):
    def entered(message):
        data = ledger.InvoiceInput("F1", "", message, "10,00", "SEK", "2026-12-01")
        if country != "SE":
            data = ledger.InvoiceInput("F1", "", message, "10,00", "EUR", "2026-12-01")
        return ledger.clean_invoice(data, country, account_type, payer_country="SE")

    assert entered("x" * longest)["message"] == "x" * longest
    with pytest.raises(LedgerRejected) as rejected:
        entered("x" * (longest + 1))
    if longest < 140:
        assert rejected.value.errors["message"].startswith(
            f"Meddelandet är {longest + 1} tecken, men till ett "
        )
        assert f"når bara {longest} fram till mottagaren." in rejected.value.errors["message"]


def test_an_import_row_whose_message_would_be_cut_is_refused_on_its_line(company):
    rows = ledger.CSV_EXAMPLE.splitlines()
    # Line 4 pays Bygg & Montage AB's bank account: 13 characters do not reach the payee.
    long_message = rows[3].replace(";123455;;", ";;Faktura BM-5521;")
    with pytest.raises(ImportRejected) as rejected:
        import_text(company, "\n".join([rows[0], long_message]))
    assert rejected.value.row_errors[2] == [
        "Meddelandet är 15 tecken, men till ett bankkonto når bara 12 fram till mottagaren. "
        "Korta det, eller ange ett OCR-nummer."
    ]


def test_a_name_the_bank_file_writes_otherwise_is_shown_when_the_supplier_is_saved(
    app, client, auth
):
    auth.login("betalare")
    form = {"name": "Bygg & Montage – Café AB", "orgnr": "", "country": "SE"}
    form |= {"account_type": "BGNR", "account": "5050-1055"}
    response = auth.post("/reskontra/leverantorer?company=1", form, token_from="/reskontra")
    page = client.get(response.location).get_data(as_text=True)
    assert "I betalfilen till banken står namnet som ”Bygg + Montage - Cafe AB”" in page
    plain = auth.post(
        "/reskontra/leverantorer?company=1",
        {**form, "name": "Kontorsvaror AB", "account": "1234566", "account_type": "PGNR"},
        token_from="/reskontra",
    )
    assert "I betalfilen till banken" not in client.get(plain.location).get_data(as_text=True)


def test_add_supplier_view_shows_a_field_message_and_stores_nothing(app, client, auth):
    auth.login("betalare")
    response = auth.post(
        "/reskontra/leverantorer?company=1",
        {**SUPPLIER_FORM, "account": "123-4567"},
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
        SUPPLIER_FORM,
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


def test_the_same_supplier_twice_is_refused_naming_the_one_there(app, client, auth):
    # A second copy would take invoice F-1 once more, so that it could be paid twice.
    auth.login("betalare")
    for form in (SUPPLIER_FORM, {**SUPPLIER_FORM, "name": "Nytt AB igen"}):
        response = auth.post("/reskontra/leverantorer?company=1", form, token_from="/reskontra")
    assert response.status_code == 422
    assert (
        "Leverantören finns redan: Nytt AB, Bankgiro 5050-1055 med samma organisationsnummer. "
        "Lägg fakturorna på den."
    ) in response.get_data(as_text=True)
    without_orgnr = {**SUPPLIER_FORM, "orgnr": "", "account": "160-9908"}
    for _ in range(2):
        response = auth.post(
            "/reskontra/leverantorer?company=1", without_orgnr, token_from="/reskontra"
        )
    assert "Leverantören finns redan: Nytt AB, Bankgiro 160-9908. Lägg" in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert count(Supplier) == 2


def post_file(auth, body: bytes, name="fakturor.csv"):
    return auth.post(
        "/reskontra/import?company=1",
        {"file": (io.BytesIO(body), name)},
        token_from="/reskontra",
    )


def test_a_failed_import_is_summarised_first_on_the_page_with_every_line(app, client, auth):
    auth.login("betalare")
    body = (
        HEADER
        + "\nA AB;556036-0793;SE;BGNR;123-4567;F1;;M;abc;SEK;2026-12-01"
        + "\nB AB;556036-0793;SE;BGNR;5050-1055;F2;;M;1,00;SEK;2026-02-30\n"
    )
    response = post_file(auth, body.encode())
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = html.index("Filen importerades inte: 3 fel på 2 rader")
    assert summary < html.index("<h1>Leverantörer och fakturor</h1>")
    assert html.index("Rad 2:") < html.index("Rad 3:")
    assert "Beloppet ska vara ett tal" in html and "2026-02-30 finns inte i kalendern" in html
    assert 'id="import-errors" role="alert" tabindex="-1" autofocus' in html


def test_one_bad_row_is_one_rad(app, client, auth):
    auth.login("betalare")
    body = HEADER + "\nA AB;556036-0793;SE;BGNR;123-4567;F1;;M;1,00;SEK;2026-12-01\n"
    html = post_file(auth, body.encode()).get_data(as_text=True)
    assert "Filen importerades inte: 1 fel på 1 rad<" in html


def test_an_empty_file_is_said_to_be_empty(app, client, auth):
    auth.login("betalare")
    response = post_file(auth, b"")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Filen är tom." in html
    assert "Rubrikraden" not in html


@pytest.mark.parametrize(
    ("text", "flash"),
    [
        (HEADER + "\n" + ledger.CSV_EXAMPLE.splitlines()[1] + "\n", "Importerade fakturor: 1."),
        (ledger.CSV_EXAMPLE, "Importerade fakturor: 3."),
    ],
)
def test_a_successful_import_says_how_many_in_good_swedish(client, auth, text, flash):
    auth.login("betalare")
    response = post_file(auth, text.encode())
    assert response.status_code == 200
    assert flash in response.get_data(as_text=True)


def test_the_file_input_has_a_swedish_button(client, auth):
    auth.login("betalare")
    html = client.get("/reskontra").get_data(as_text=True)
    assert '<label for="file" class="button" id="file-button">Välj CSV-fil</label>' in html
    assert "Ingen fil vald" in html and 'data-file-name="file-name"' in html
    assert "js/file-input.js" in html


def test_no_field_has_aria_attributes_that_say_none(client, auth):
    auth.login("betalare")
    html = client.get("/reskontra").get_data(as_text=True)
    assert '"None"' not in html and "aria-invalid" not in html
    response = auth.post(
        "/reskontra/fakturor?company=1",
        {"invoice_number": "", "amount": "x", "due_date": "2026-02-30", "supplier": "1"},
        token_from="/reskontra",
    )
    assert '"None"' not in response.get_data(as_text=True)


def test_the_page_has_one_name_everywhere_and_the_start_page_links_to_it(client, auth):
    auth.login("betalare")
    html = client.get("/reskontra").get_data(as_text=True)
    assert "<title>Leverantörer och fakturor – Inyettkopplingen</title>" in html
    assert "<h1>Leverantörer och fakturor</h1>" in html
    assert "reskontra" not in html.lower().replace("/reskontra", "")
    home = client.get("/").get_data(as_text=True)
    assert '<a href="/reskontra">Leverantörer och fakturor</a>' in home


@pytest.fixture
def norwegian_company(app):
    with app.app_context():
        company = Company(name="Aaa Norge AS", orgnr="988077917", country="NO")
        db.session.add(company)
        db.session.commit()
        return company.id


def test_the_ledger_opens_on_the_first_company_set_up_and_then_the_last_shown(
    client, auth, norwegian_company
):
    auth.login("betalare")
    # "Aaa Norge AS" comes first by name, but the first company set up is the default.
    first = client.get("/reskontra").get_data(as_text=True)
    assert '<option value="1" selected>Testbolaget AB (SE)' in first
    client.get(f"/reskontra?company={norwegian_company}")
    again = client.get("/reskontra").get_data(as_text=True)
    assert f'<option value="{norwegian_company}" selected>' in again


def test_betalningsforslag_opens_on_the_first_company_set_up_too(client, auth, norwegian_company):
    auth.login("betalare")
    page = client.get("/betalningar/forslag").get_data(as_text=True)
    assert '<option value="1" selected>Testbolaget AB' in page
    assert "Öppna leverantörsfakturor – Testbolaget AB" in page


def test_a_new_supplier_defaults_to_the_country_of_the_company(client, auth, norwegian_company):
    auth.login("betalare")
    norwegian = client.get(f"/reskontra?company={norwegian_company}").get_data(as_text=True)
    assert '<option selected value="NO">Norge</option>' in norwegian
    swedish = client.get("/reskontra?company=1").get_data(as_text=True)
    assert '<option selected value="SE">Sverige</option>' in swedish


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
    with pytest.raises(ImportRejected) as rejected:
        import_text(company, HEADER + "\n" + quoted + "\n")
    assert "får inte börja med =, +, -, @ eller ett tabbtecken" in " ".join(
        rejected.value.row_errors[2]
    )
    assert count(SupplierInvoice) == 0 and count(Supplier) == 0


@pytest.mark.parametrize(
    ("account", "problem"),
    [
        ("8424439984109", "8424439984109 kan vara 8424-4 439984109 (Swedbank) eller "),
        ("8507099805", "8507099805 kan vara personkontot 3300-850709-9805 (Nordea) eller "),
    ],
)
def test_an_import_row_whose_account_can_be_read_two_ways_is_refused(company, account, problem):
    row = {**GOOD_ROW, "betalsatt": "BBAN", "konto": account}
    with pytest.raises(ImportRejected) as rejected:
        import_text(company, HEADER + "\n" + ";".join(row[c] for c in ledger.CSV_COLUMNS) + "\n")
    (message,) = rejected.value.row_errors[2]
    assert problem in message
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


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Filen är tom."),
        (b"\xef\xbb\xbf\r\n  \n", "Filen är tom."),
        (b"\r\x00", "Filen är inte en CSV-fil."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Filen är inte en CSV-fil."),
        (b"PK\x03\x04\x14\x00\x06\x00", "Filen är inte en CSV-fil."),
        (b"Hej!\nDet h\xe4r \xe4r ett brev.\n", "Filen är inte en CSV-fil i importformatet"),
        (HEADER.encode() + b"\n", "Filen har bara rubrikraden, inga fakturor."),
        (b"x" * (ledger.MAX_IMPORT_BYTES + 1), "Filen är större än 2 MB."),
    ],
)
def test_a_file_that_is_empty_or_not_csv_says_so_in_its_own_words(company, data, message):
    with pytest.raises(ImportRejected) as rejected:
        ledger.import_invoices(company, data, actor="b")
    assert rejected.value.file_error.startswith(message)
    assert "Rad 1" not in rejected.value.file_error
    assert count(SupplierInvoice) == 0


def test_every_problem_of_a_row_is_reported_not_only_the_first(company):
    row = "Fel AB;556036-0793;SE;BGNR;123-4567;F1;;Meddelande;abc;SEK;2026-13-01"
    with pytest.raises(ImportRejected) as rejected:
        import_text(company, HEADER + "\n" + row + "\n" + ";;;;;;;;;;\n")
    problems = rejected.value.row_errors[2]
    assert len(problems) == 3
    assert "Kontrollsiffran stämmer inte" in problems[0]
    assert "Beloppet ska vara ett tal" in problems[1]
    assert problems[2] == "Förfallodatum 2026-13-01 finns inte i kalendern."
    assert rejected.value.problem_count == 3 + len(rejected.value.row_errors[3])
    assert len(rejected.value.row_errors[3]) >= 4


def test_importing_the_same_file_twice_imports_nothing_the_second_time(company):
    import_text(company, ledger.CSV_EXAMPLE)
    with pytest.raises(ImportRejected) as rejected:
        import_text(company, ledger.CSV_EXAMPLE)
    assert rejected.value.row_errors[2] == [
        "Faktura 2026-1101 från Skatteverket finns redan "
        "(18\xa0450,00 SEK, förfaller 2026-12-01, öppen)."
    ]
    assert set(rejected.value.row_errors) == {2, 3, 4}
    assert count(SupplierInvoice) == 3 and count(Supplier) == 3


def test_an_invoice_already_in_a_payment_cannot_come_back_by_import(company):
    import_text(company, ledger.CSV_EXAMPLE)
    paid = db.session.scalars(
        select(SupplierInvoice).where(SupplierInvoice.invoice_number == "K-88")
    ).one()
    paid.status = "in_payment"
    db.session.commit()
    again = HEADER + "\n" + ledger.CSV_EXAMPLE.splitlines()[2] + "\n"
    with pytest.raises(ImportRejected) as rejected:
        import_text(company, again)
    assert "Faktura K-88 från Kontorsvaror AB finns redan" in rejected.value.row_errors[2][0]
    assert "med i en betalning" in rejected.value.row_errors[2][0]
    assert count(SupplierInvoice) == 3


def test_the_same_invoice_twice_in_one_file_is_refused_with_both_lines(company):
    rows = ledger.CSV_EXAMPLE.splitlines()
    with pytest.raises(ImportRejected) as rejected:
        import_text(company, "\n".join([rows[0], rows[1], rows[2], rows[1]]))
    assert rejected.value.row_errors == {
        4: ["Faktura 2026-1101 från Skatteverket finns redan på rad 2."]
    }
    assert count(SupplierInvoice) == 0 and count(Supplier) == 0


def test_the_same_number_from_two_suppliers_is_two_invoices(company):
    rows = ledger.CSV_EXAMPLE.splitlines()
    other = rows[2].replace("K-88", "2026-1101")
    assert import_text(company, "\n".join([rows[0], rows[1], other])).count == 2


def test_a_supplier_with_a_known_orgnr_and_account_is_reused_whatever_its_name(company):
    import_text(company, ledger.CSV_EXAMPLE)
    renamed = (
        ledger.CSV_EXAMPLE.splitlines()[1]
        .replace("Skatteverket", "SKV")
        .replace("2026-1101", "2026-1102")
    )
    import_text(company, HEADER + "\n" + renamed + "\n")
    assert count(Supplier) == 3
    invoice = db.session.scalars(
        select(SupplierInvoice).where(SupplierInvoice.invoice_number == "2026-1102")
    ).one()
    assert invoice.supplier.name == "Skatteverket"


def test_an_import_tells_which_lines_went_to_a_known_supplier_of_another_name(app, client, auth):
    with app.app_context():
        import_text(db.session.get(Company, 1), ledger.CSV_EXAMPLE)
    renamed = (
        ledger.CSV_EXAMPLE.splitlines()[1]
        .replace("Skatteverket", "Ny CSV AB2")
        .replace("2026-1101", "2026-1102")
    )
    auth.login("betalare")
    page = post_file(auth, (HEADER + "\n" + renamed + "\n").encode()).get_data(as_text=True)
    assert (
        "Rad 2: leverantören finns redan som Skatteverket (samma org.nr och konto); "
        "fakturan lades på den." in page
    )
    with app.app_context():
        assert count(Supplier) == 3


def test_a_windows_1252_file_from_excel_is_read_as_the_page_says(app, client, auth):
    auth.login("betalare")
    help_text = client.get("/reskontra?company=1").get_data(as_text=True)
    assert "i UTF-8 eller Windows-1252 (Excel)" in help_text
    row = "Åkeri Ö AB;556036-0793;SE;BGNR;5050-1055;F-1;;Frakt;1,00;SEK;2026-12-01"
    response = post_file(auth, (HEADER + "\n" + row + "\n").encode("cp1252"))
    assert response.status_code == 200
    assert "Åkeri Ö AB" in client.get("/reskontra?company=1").get_data(as_text=True)


def test_a_known_orgnr_with_another_account_is_refused_as_a_changed_payee_account(company):
    import_text(company, ledger.CSV_EXAMPLE)
    moved = (
        "Skatteverket;202100-5448;SE;BGNR;160-9908;2026-1102;1234567806;;18 450,00;SEK;2026-12-01"
    )
    with pytest.raises(ImportRejected) as rejected:
        import_text(company, HEADER + "\n" + moved + "\n")
    (problem,) = rejected.value.row_errors[2]
    assert problem.startswith(
        "Leverantören med org.nr 202100-5448 finns redan med ett annat konto "
        "(Skatteverket, Bankgiro 5050-1055)."
    )
    assert count(Supplier) == 3 and count(SupplierInvoice) == 3


def test_a_new_supplier_in_a_file_is_made_once_for_all_its_rows(company):
    rows = ledger.CSV_EXAMPLE.splitlines()
    second = rows[1].replace("2026-1101", "2026-1102")
    assert import_text(company, "\n".join([rows[0], rows[1], second])).count == 2
    assert count(Supplier) == 1


def test_the_invoice_form_refuses_an_invoice_the_ledger_already_has(app, client, auth):
    with app.app_context():
        company = db.session.scalars(select(Company)).first()
        import_text(company, ledger.CSV_EXAMPLE)
        supplier_id = db.session.scalars(
            select(Supplier.id).where(Supplier.name == "Skatteverket")
        ).one()
    auth.login("betalare")
    response = auth.post(
        "/reskontra/fakturor?company=1",
        {
            "supplier": supplier_id,
            "invoice_number": "2026-1101",
            "ocr": "1234567806",
            "amount": "18 450,00",
            "currency": "SEK",
            "due_date": "2026-12-01",
        },
        token_from="/reskontra",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Faktura 2026-1101 från Skatteverket finns redan (18\xa0450,00 SEK" in html
    assert 'id="invoice_number-error-1"' in html
    with app.app_context():
        assert count(SupplierInvoice) == 3


def test_a_due_date_that_does_not_exist_says_so(company):
    data = ledger.InvoiceInput("F1", "", "M", "10,00", "SEK", "2026-02-30")
    with pytest.raises(LedgerRejected) as rejected:
        ledger.clean_invoice(data, "SE", "BBAN", payer_country="SE")
    assert rejected.value.errors["due_date"] == "Förfallodatum 2026-02-30 finns inte i kalendern."


def test_the_supplier_form_stores_a_known_orgnr_with_a_new_account_and_says_to_check_it(
    app, client, auth
):
    auth.login("betalare")
    auth.post("/reskontra/leverantorer?company=1", SUPPLIER_FORM, token_from="/reskontra")
    response = auth.post(
        "/reskontra/leverantorer?company=1",
        {**SUPPLIER_FORM, "name": "Nytt AB (nytt konto)", "account": "160-9908"},
        token_from="/reskontra",
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "Leverantören med org.nr 556036-0793 finns redan med ett annat konto "
        "(Nytt AB, Bankgiro 5050-1055). Kontrollera det nya kontot med leverantören" in page
    )
    with app.app_context():
        assert count(Supplier) == 2


def test_two_suppliers_of_one_name_are_told_apart_by_account_in_the_invoice_form(client, auth):
    auth.login("betalare")
    auth.post("/reskontra/leverantorer?company=1", SUPPLIER_FORM, token_from="/reskontra")
    auth.post(
        "/reskontra/leverantorer?company=1",
        {**SUPPLIER_FORM, "account": "160-9908"},
        token_from="/reskontra",
    )
    page = client.get("/reskontra?company=1").get_data(as_text=True)
    assert ">Nytt AB – Bankgiro 5050-1055</option>" in page
    assert ">Nytt AB – Bankgiro 160-9908</option>" in page


def test_an_invoice_stored_by_someone_else_meanwhile_is_refused_and_the_first_is_kept(
    company, monkeypatch
):
    import_text(company, ledger.CSV_EXAMPLE)
    supplier = db.session.scalars(select(Supplier).where(Supplier.name == "Skatteverket")).one()
    # The other request committed between this one's check and its commit.
    monkeypatch.setattr(ledger, "_existing_invoices", lambda keys: {})
    data = ledger.InvoiceInput("2026-1101", "1234567806", "", "18 450,00", "SEK", "2026-12-01")
    with pytest.raises(LedgerRejected) as rejected:
        ledger.add_invoice(supplier, data, actor="b")
    assert rejected.value.errors == {"invoice_number": ledger.ADDED_MEANWHILE}
    with pytest.raises(ImportRejected) as rejected:
        import_text(company, ledger.CSV_EXAMPLE)
    assert rejected.value.file_error == ledger.ADDED_MEANWHILE
    assert count(SupplierInvoice) == 3


# Swedbank 8327-9 account whose Luhn check fails: Bankgirot says such accounts may still exist.
UNCHECKABLE = "8327-9 1234567890"
CHECKABLE = "8327-9 1234567897"


def test_a_supplier_whose_account_cannot_be_confirmed_is_saved_with_a_warning(app, client, auth):
    auth.login("betalare")
    response = auth.post(
        "/reskontra/leverantorer?company=1",
        {
            "name": "Swedbankkunden AB",
            "orgnr": "556036-0793",
            "country": "SE",
            "account_type": "BBAN",
            "account": UNCHECKABLE,
        },
        token_from="/reskontra",
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Leverantören Swedbankkunden AB är sparad." in page
    assert (
        '<p class="flash flash-warning" role="status">Bankkontot 8327-9 1234567890 för '
        "Swedbankkunden AB: Kontrollsiffran stämmer inte. Vissa konton hos Swedbank går inte "
        "att kontrollera, så numret kan ändå vara rätt – stäm av det med leverantören.</p>"
    ) in page
    with app.app_context():
        assert count(Supplier) == 1


def test_a_supplier_whose_account_checks_out_gets_no_warning(client, auth):
    auth.login("betalare")
    response = auth.post(
        "/reskontra/leverantorer?company=1",
        {
            "name": "Swedbankkunden AB",
            "orgnr": "556036-0793",
            "country": "SE",
            "account_type": "BBAN",
            "account": CHECKABLE,
        },
        token_from="/reskontra",
    )
    page = client.get(response.location).get_data(as_text=True)
    assert "Leverantören Swedbankkunden AB är sparad." in page
    assert "flash-warning" not in page


def post_supplier(auth, account):
    return auth.post(
        "/reskontra/leverantorer?company=1",
        {
            "name": "Kontohavaren AB",
            "orgnr": "556036-0793",
            "country": "SE",
            "account_type": "BBAN",
            "account": account,
        },
        token_from="/reskontra",
    )


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("5000 000001234560", "50001234560", "Bankkonto 5000-1234560 (SEB)"),  # 16 digits
        ("84244 0039984109", "84240039984109", "Bankkonto 8424-4 39984109 (Swedbank)"),
        ("3300-850709-9805", "33008507099805", "Bankkonto 3300-8507099805 (Nordea personkonto)"),
    ],
)
def test_saving_a_supplier_says_the_account_it_stored(app, client, auth, typed, stored, shown):
    auth.login("betalare")
    response = post_supplier(auth, typed)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert f"Leverantören Kontohavaren AB är sparad. Konto: {shown}." in page
    with app.app_context():
        assert db.session.scalars(select(Supplier.account)).all() == [stored]


def test_an_account_that_can_be_read_two_ways_is_refused_naming_both(app, auth):
    auth.login("betalare")
    response = post_supplier(auth, "8424439984109")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert (
        "8424439984109 kan vara 8424-4 439984109 (Swedbank) eller 8424-4 39984109 (Swedbank). "
        "Skriv kontonumret med bindestreck efter clearingnumret, som i det du menar."
    ) in page
    with app.app_context():
        assert count(Supplier) == 0


def test_an_import_says_which_new_suppliers_have_accounts_to_check(app, client, auth):
    auth.login("betalare")
    rows = [
        HEADER,
        f"Swedbankkunden AB;556036-0793;SE;BBAN;{UNCHECKABLE};S-1;;Faktura S-1;10,00;SEK;"
        "2026-12-01",
        f"Swedbankkunden AB;556036-0793;SE;BBAN;{UNCHECKABLE};S-2;;Faktura S-2;20,00;SEK;"
        "2026-12-01",
        ledger.CSV_EXAMPLE.splitlines()[1],
    ]
    response = post_file(auth, "\n".join(rows).encode())
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Importerade fakturor: 3." in page
    # Once per supplier, on the first line that names it.
    assert page.count("flash-warning") == 1
    assert "Rad 2: Bankkontot 8327-9 1234567890 för Swedbankkunden AB: Kontrollsiffran" in page
    with app.app_context():
        assert count(SupplierInvoice) == 3


def test_an_import_with_many_accounts_to_check_shows_the_first_and_counts_the_rest(company):
    candidates = (f"8327-9 {123456780 + n * 10:010d}" for n in range(100))
    accounts = [
        a
        for a in candidates
        if account_numbers.bank_account_warning(account_numbers.clean_bank_account(a))
    ][: ledger.MAX_NOTICES + 2]
    lines = [HEADER]
    for n, account in enumerate(accounts):
        lines.append(f"Kund {n} AB;;SE;BBAN;{account};F{n};;Faktura;1,00;SEK;2026-12-01")
    imported = import_text(company, "\n".join(lines))
    assert imported.count == ledger.MAX_NOTICES + 2
    assert len(imported.notices) == ledger.MAX_NOTICES
    assert imported.notices_left_out == 2


def test_a_file_with_more_bad_lines_than_shown_says_that_more_follow(app, client, auth):
    auth.login("betalare")
    bad = "A AB;556036-0793;SE;BGNR;123-4567;F{n};;M;1,00;SEK;2026-12-01"
    lines = [HEADER] + [bad.format(n=n) for n in range(ledger.MAX_BAD_LINES + 50)]
    response = post_file(auth, "\n".join(lines).encode())
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Filen importerades inte: fel på fler än 100 rader" in html
    assert "<strong>Rad 101:</strong>" in html and "<strong>Rad 102:</strong>" not in html
    assert "Fler fel finns efter rad 101; rätta dessa och importera igen." in html
    with app.app_context():
        assert count(SupplierInvoice) == 0


def test_a_file_with_exactly_as_many_bad_lines_as_shown_does_not_promise_more(client, auth):
    auth.login("betalare")
    bad = "A AB;556036-0793;SE;BGNR;123-4567;F{n};;M;1,00;SEK;2026-12-01"
    good = ledger.CSV_EXAMPLE.splitlines()[1]
    lines = [HEADER] + [bad.format(n=n) for n in range(ledger.MAX_BAD_LINES)] + [good]
    html = post_file(auth, "\n".join(lines).encode()).get_data(as_text=True)
    assert "Filen importerades inte: 100 fel på 100 rader" in html
    assert "Fler fel finns" not in html


def test_duplicates_beyond_the_shown_lines_are_counted_as_more(company):
    # Every row of a big file imported twice is bad only once the database is asked.
    lines = [HEADER] + [
        f"A AB;556036-0793;SE;BGNR;5050-1055;F{n};;M;1,00;SEK;2026-12-01" for n in range(150)
    ]
    import_text(company, "\n".join(lines))
    with pytest.raises(ImportRejected) as rejected:
        import_text(company, "\n".join(lines))
    assert len(rejected.value.row_errors) == ledger.MAX_BAD_LINES
    assert rejected.value.more_after == 101


# Invisible characters that make a list show something else than what is stored: a terminal
# colour escape, and U+202E which shows "Acme ‮BA" as "Acme AB" reversed after it.
HIDDEN = ["Acme\x07\x1b[31m\u202eAB", "Acme\u202eBA", "Ac\u200bme AB", "Acme\nAB", "Acme\u2066AB"]


@pytest.mark.parametrize("name", HIDDEN)
def test_the_supplier_form_refuses_invisible_characters_in_the_name(app, client, auth, name):
    auth.login("betalare")
    response = auth.post(
        "/reskontra/leverantorer?company=1",
        {**SUPPLIER_FORM, "name": name},
        token_from="/reskontra",
    )
    assert response.status_code == 422
    assert "Namnet innehåller otillåtna tecken" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Supplier) == 0


@pytest.mark.parametrize(
    ("field", "label"), [("invoice_number", "Fakturanumret"), ("message", "Meddelandet")]
)
def test_the_invoice_form_refuses_invisible_characters(app, client, auth, field, label):
    auth.login("betalare")
    with app.app_context():
        import_text(db.session.scalars(select(Company)).first(), ledger.CSV_EXAMPLE)
        supplier_id = db.session.scalars(select(Supplier.id)).first()
    fields = {
        "supplier": supplier_id,
        "invoice_number": "F-9",
        "ocr": "",
        "message": "Faktura F-9",
        "amount": "10,00",
        "currency": "SEK",
        "due_date": "2026-12-01",
        field: "F-9\u202e01",
    }
    response = auth.post("/reskontra/fakturor?company=1", fields, token_from="/reskontra")
    assert response.status_code == 422
    assert f"{label} innehåller otillåtna tecken" in response.get_data(as_text=True)
    with app.app_context():
        assert count(SupplierInvoice) == 3


def test_an_import_refuses_invisible_characters_on_the_lines_that_have_them(company):
    rows = ledger.CSV_EXAMPLE.splitlines()
    bad_name = rows[1].replace("Skatteverket", "Skatte\u202everket")
    bad_message = rows[2].replace("Faktura K-88", "Faktura\x1b[31m K-88")
    with pytest.raises(ImportRejected) as rejected:
        import_text(company, "\n".join([rows[0], bad_name, bad_message, rows[3]]))
    assert rejected.value.row_errors == {
        2: [
            "Namnet innehåller otillåtna tecken (osynliga styr- eller formateringstecken, "
            "t.ex. från inklistrad text). Skriv in det på nytt."
        ],
        3: [
            "Meddelandet innehåller otillåtna tecken (osynliga styr- eller formateringstecken, "
            "t.ex. från inklistrad text). Skriv in det på nytt."
        ],
    }
    assert count(Supplier) == 0


def test_letters_of_every_language_are_still_welcome(company):
    rows = ledger.CSV_EXAMPLE.splitlines()
    named = rows[1].replace("Skatteverket", "Ærø Ñandú Ōsaka 東京 AB")
    assert import_text(company, "\n".join([rows[0], named])).count == 1


def test_an_import_row_with_an_amount_that_reads_two_ways_is_refused_on_its_line(company):
    rows = ledger.CSV_EXAMPLE.splitlines()
    misread = rows[1].replace("18 450,00", "1.000")
    with pytest.raises(ImportRejected) as rejected:
        import_text(company, "\n".join([rows[0], misread, rows[2].replace("999,50", "1e3")]))
    assert rejected.value.row_errors == {
        2: ["Beloppet 1.000 kan läsas på två sätt. Skriv 1000 eller 1,00."],
        3: ["Beloppet ska vara ett tal, t.ex. 1 234,50."],
    }
    assert count(SupplierInvoice) == 0


def invoice_form(supplier_id, amount):
    return {
        "supplier": supplier_id,
        "invoice_number": "F-1",
        "ocr": "123455",
        "message": "",
        "amount": amount,
        "currency": "SEK",
        "due_date": "2026-12-01",
    }


def test_the_invoice_form_refuses_an_amount_that_reads_two_ways(app, client, auth):
    with app.app_context():
        supplier_id = ledger.add_supplier(
            db.session.get(Company, 1), ledger.SupplierInput(*SUPPLIER_FORM.values()), actor="b"
        ).id
    auth.login("betalare")
    response = auth.post(
        "/reskontra/fakturor?company=1", invoice_form(supplier_id, "1.000"), token_from="/reskontra"
    )
    assert response.status_code == 422
    assert "Beloppet 1.000 kan läsas på två sätt. Skriv 1000 eller 1,00." in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert count(SupplierInvoice) == 0


def test_a_saved_invoice_says_the_amount_it_stored(app, client, auth):
    with app.app_context():
        supplier_id = ledger.add_supplier(
            db.session.get(Company, 1), ledger.SupplierInput(*SUPPLIER_FORM.values()), actor="b"
        ).id
    auth.login("betalare")
    response = auth.post(
        "/reskontra/fakturor?company=1",
        invoice_form(supplier_id, "1234.5"),
        token_from="/reskontra",
    )
    page = client.get(response.location).get_data(as_text=True)
    assert "Fakturan F-1 sparades med beloppet 1\xa0234,50 SEK." in page


def test_an_import_shows_the_amount_stored_from_every_line(app, client, auth):
    auth.login("betalare")
    rows = ledger.CSV_EXAMPLE.splitlines()
    rows[2] = rows[2].replace("999,50", "999.5")
    response = post_file(auth, "\n".join(rows).encode())
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Importerade fakturor: 3." in page
    result = page.split('id="import-result"')[1].split("<tbody>")[1].split("</tbody>")[0]
    stored = [
        re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", result)
    ]
    assert stored == [
        ["2", "Skatteverket", "2026-1101", "18\xa0450,00", "SEK"],
        ["3", "Kontorsvaror AB", "K-88", "999,50", "SEK"],
        ["4", "Bygg &amp; Montage AB", "BM-5521", "12\xa0500,00", "SEK"],
    ]


def test_a_large_import_lists_its_first_200_lines_and_says_how_many_more(app, client, auth):
    auth.login("betalare")
    header, first = ledger.CSV_EXAMPLE.splitlines()[:2]
    lines = [first.replace("2026-1101", f"F-{n}") for n in range(250)]
    response = post_file(auth, "\n".join([header, *lines]).encode())
    page = response.get_data(as_text=True)
    result = page.split('id="import-result"')[1].split("</section>")[0]
    assert result.count("<tr>") == 1 + 200  # the heading row and the first 200 lines
    assert "Raderna 1–200 visas; 50 rader till importerades" in result


BYGG_OCH_MONTAGE = ("Bygg & Montage AB", "5560473521", "BBAN", "50001234560")


def test_a_copy_an_earlier_version_stored_twice_is_marked_where_invoices_are_listed(
    client, auth, company
):
    first = add_open_invoice(company, BYGG_OCH_MONTAGE, "BM-5521", "12500.00", "")
    db.session.add(
        SupplierInvoice(
            company=company,
            supplier=first.supplier,
            invoice_number="BM-5521",
            amount=Decimal("12500.00"),
            currency="SEK",
            due_date=first.due_date,
            duplicate_number=1,  # as the upgrade numbers a kept copy
        )
    )
    db.session.commit()
    auth.login("betalare")
    for page in ("/reskontra", "/betalningar/forslag"):
        html = client.get(page).get_data(as_text=True)
        assert html.count("BM-5521</td>") == 1, page
        assert (
            html.count('BM-5521 <span class="badge badge-warning">dubblett från tidigare version')
            == 1
        ), page


def test_a_supplier_stored_by_a_double_click_between_the_checks_is_told_as_one_that_exists(
    company, monkeypatch
):
    import_text(company, ledger.CSV_EXAMPLE)
    first_check = ledger.refuse_known_payee
    calls = []

    def before_the_other_request_committed(*args, **kwargs):
        calls.append(args)
        if len(calls) > 1:
            first_check(*args, **kwargs)

    # The other click's commit lands after this request's known-payee check, before its
    # shared-account check: the person is told the supplier exists, not asked to confirm sharing.
    monkeypatch.setattr(ledger, "refuse_known_payee", before_the_other_request_committed)
    data = ledger.SupplierInput("Skatteverket", "202100-5448", "SE", "BGNR", "5050-1055")
    with pytest.raises(LedgerRejected) as rejected:
        ledger.add_supplier(company, data, actor="b")
    assert rejected.value.errors["account"].startswith("Leverantören finns redan: Skatteverket")
    assert count(Supplier) == 3
