"""Suppliers that look like other suppliers: a known name with a new account (with or without
an org.nr), a new name on a known account, and characters that make one name look like
another or that the bank file would show differently than the screen."""

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import Company
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.services import companies
from inyett.services import ledger
from inyett.services.companies import CompanyRejected
from inyett.services.ledger import ImportRejected
from tests.ledger_helpers import many_suppliers_csv
from tests.test_ledger import HEADER
from tests.test_ledger import SUPPLIER_FORM
from tests.test_ledger import company  # noqa: F401 (fixture)
from tests.test_ledger import count
from tests.test_ledger import import_text
from tests.test_ledger import post_file

# Skatteverket, 202100-5448, Bankgiro 5050-1055 after the example file is imported.
SKATTEVERKET_ROW = "{name};{orgnr};SE;BGNR;{account};{number};1234567806;;18 450,00;SEK;2026-12-01"


def row(name="Skatteverket", orgnr="", account="777-7774", number="2026-2201"):
    return SKATTEVERKET_ROW.format(name=name, orgnr=orgnr, account=account, number=number)


def rejected_lines(company, *rows):  # noqa: F811
    with pytest.raises(ImportRejected) as rejected:
        import_text(company, "\n".join([HEADER, *rows]) + "\n")
    return rejected.value.row_errors


@pytest.mark.parametrize(
    "name",
    [
        "Skatteverket",
        "SKATTEVERKET",
        "  skatteverket ",
        "Skatte-verket",
        "Skatteverket AB",
        "Skatteverket Aktiebolag",
    ],
)
@pytest.mark.parametrize("orgnr", ["", "556677-8899"])
def test_a_known_name_with_a_new_account_is_refused_whatever_the_orgnr(company, name, orgnr):  # noqa: F811
    import_text(company, ledger.CSV_EXAMPLE)
    errors = rejected_lines(company, row(name=name, orgnr=orgnr))
    (problem,) = errors[2]
    assert problem.startswith(
        "En leverantör med samma namn finns redan (Skatteverket, org.nr 202100-5448, "
        "Bankgiro 5050-1055)."
    ), problem
    assert "läggs inte in via import" in problem
    assert count(Supplier) == 3 and count(SupplierInvoice) == 3


@pytest.mark.parametrize(
    "look_alike",
    [
        "\u041a\u041e\u041c\u0415\u0422 \u0410\u0412",  # КОМЕТ АВ, all Cyrillic
        "\u039a\u039f\u039c\u0395\u03a4",  # ΚΟΜΕΤ, all Greek
    ],
)
def test_a_name_in_look_alike_letters_of_one_other_script_is_the_same_name(company, look_alike):  # noqa: F811
    import_text(company, HEADER + "\n" + row(name="Komet AB", number="K-1") + "\n")
    errors = rejected_lines(company, row(name=look_alike, account="888-8885"))
    assert errors[2][0].startswith("En leverantör med samma namn finns redan (Komet AB, Bankgiro")


def test_company_form_words_count_as_the_same_name(company):  # noqa: F811
    import_text(company, ledger.CSV_EXAMPLE)
    errors = rejected_lines(
        company,
        row(name="Kontorsvaror Aktiebolag", number="K-1"),
        row(name="kontorsvaror ab (publ)", number="K-2", account="888-8885"),
    )
    assert set(errors) == {2, 3}
    assert all("(Kontorsvaror AB, org.nr 556036-0793, Plusgiro" in e[0] for e in errors.values())


def test_two_new_suppliers_of_one_name_in_one_file_are_refused_on_the_second_line(company):  # noqa: F811
    errors = rejected_lines(
        company,
        row(name="Nya Bolaget AB", number="N-1"),
        row(name="NYA BOLAGET", number="N-2", account="888-8885"),
    )
    assert list(errors) == [3]
    assert errors[3][0].startswith(
        "En leverantör med samma namn finns redan (Nya Bolaget AB, Bankgiro 777-7774)."
    )
    assert count(Supplier) == 0


def test_a_known_name_and_account_without_the_orgnr_goes_to_the_known_supplier(company):  # noqa: F811
    import_text(company, ledger.CSV_EXAMPLE)
    imported = import_text(company, HEADER + "\n" + row(account="5050-1055") + "\n")
    assert imported.count == 1 and imported.notices == []
    assert count(Supplier) == 3
    invoice = db.session.scalars(
        select(SupplierInvoice).where(SupplierInvoice.invoice_number == "2026-2201")
    ).one()
    assert invoice.supplier.orgnr == "2021005448"


@pytest.mark.parametrize("orgnr", ["", "556677-8899"])
def test_a_new_name_on_a_known_account_is_refused_by_an_import_naming_the_known_one(
    company,  # noqa: F811
    orgnr,
):
    import_text(company, ledger.CSV_EXAMPLE)
    errors = rejected_lines(company, row(name="Inkasso Nord AB", orgnr=orgnr, account="5050-1055"))
    assert errors == {
        2: [
            "Bankgiro 5050-1055 används redan av Skatteverket (org.nr 202100-5448). En "
            "leverantör som delar konto med en annan läggs inte in via import: lägg in den för "
            "hand under Ny leverantör och kryssa i ”Leverantörerna delar konto” om det är rätt."
        ]
    }
    assert count(Supplier) == 3


def test_the_supplier_form_saves_a_known_name_with_a_new_account_and_warns_naming_it(
    app, client, auth
):
    auth.login("betalare")
    auth.post("/reskontra/leverantorer?company=1", SUPPLIER_FORM, token_from="/reskontra")
    response = auth.post(
        "/reskontra/leverantorer?company=1",
        {**SUPPLIER_FORM, "name": "NYTT aktiebolag", "orgnr": "", "account": "777-7774"},
        token_from="/reskontra",
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "En leverantör med samma namn finns redan (Nytt AB, org.nr 556036-0793, Bankgiro "
        "5050-1055). Kontrollera med leverantören" in page
    )
    with app.app_context():
        assert count(Supplier) == 2


def test_the_supplier_form_refuses_a_new_name_on_a_known_account_unless_confirmed_shared(
    app, client, auth
):
    auth.login("betalare")
    auth.post("/reskontra/leverantorer?company=1", SUPPLIER_FORM, token_from="/reskontra")
    other = {**SUPPLIER_FORM, "name": "Annat Namn AB", "orgnr": ""}
    refused = auth.post("/reskontra/leverantorer?company=1", other, token_from="/reskontra")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Bankgiro 5050-1055 används redan av Nytt AB (org.nr 556036-0793)." in page
    assert "Leverantörerna delar konto" in page
    response = auth.post(
        "/reskontra/leverantorer?company=1",
        {**other, "shared_confirmed": "y"},
        token_from="/reskontra",
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bankgiro 5050-1055 är redan konto för Nytt AB (org.nr 556036-0793)." in page
    with app.app_context():
        assert count(Supplier) == 2


# Characters that show as nothing, or as something else on another screen or in the bank:
# line and paragraph separators, noncharacters, private use, and the replacement character.
UNSHOWABLE = ["\u2028", "\u2029", "\uffff", "\ufdd0", "\ue000", "\U000f0000", "\ufffd"]


@pytest.mark.parametrize("char", UNSHOWABLE)
@pytest.mark.parametrize(
    ("column", "label"),
    [("leverantor", "Namnet"), ("fakturanr", "Fakturanumret"), ("meddelande", "Meddelandet")],
)
def test_an_import_refuses_characters_that_do_not_show_as_they_are(company, char, column, label):  # noqa: F811
    lines = ledger.CSV_EXAMPLE.splitlines()
    cells = lines[2].split(";")
    cells[ledger.CSV_COLUMNS.index(column)] += f"x{char}y"
    errors = rejected_lines(company, lines[1], ";".join(cells))
    assert list(errors) == [3]
    (problem,) = errors[3]
    assert problem.startswith(f"{label} innehåller otillåtna tecken"), problem
    assert count(Supplier) == 0


@pytest.mark.parametrize("byte", [b"\x81", b"\x9d"])
def test_an_unreadable_byte_in_the_file_is_refused_on_its_line(company, byte):  # noqa: F811
    body = (HEADER + "\n" + row(name="Åkeri XYZ AB") + "\n").encode("cp1252")
    body = body.replace(b"XYZ", b"X" + byte + b"Z")
    with pytest.raises(ImportRejected) as rejected:
        ledger.import_invoices(company, body, actor="b")
    (problem,) = rejected.value.row_errors[2]
    assert "där ett tecken inte gick att läsa" in problem


LOOK_ALIKES = [
    ("\u0405katteverket", "kyrilliska", "\u0405"),  # Cyrillic DZE for S
    ("K\u03bfntorsvaror AB", "grekiska", "\u03bf"),  # Greek omicron for o
    ("Bygg & Mont\u0430ge AB", "kyrilliska", "\u0430"),  # Cyrillic a
]


@pytest.mark.parametrize(("name", "script", "char"), LOOK_ALIKES)
def test_an_import_refuses_a_name_that_mixes_scripts(company, name, script, char):  # noqa: F811
    errors = rejected_lines(company, row(name=name))
    (problem,) = errors[2]
    assert problem == (
        f"Namnet blandar latinska och {script} bokstäver (”{char}” är inte latinsk): en bokstav "
        "som bara liknar en latinsk får ett namn att se ut som ett annat. Skriv namnet med "
        "latinska bokstäver."
    )


@pytest.mark.parametrize(("name", "script", "char"), LOOK_ALIKES)
def test_the_supplier_form_refuses_a_name_that_mixes_scripts(app, client, auth, name, script, char):
    auth.login("betalare")
    response = auth.post(
        "/reskontra/leverantorer?company=1",
        {**SUPPLIER_FORM, "name": name},
        token_from="/reskontra",
    )
    assert response.status_code == 422
    assert f"Namnet blandar latinska och {script} bokstäver" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Supplier) == 0


@pytest.mark.parametrize("char", ["\u2028", "\ue000", "\ufdd0"])
def test_the_invoice_form_refuses_characters_that_do_not_show(app, client, auth, char):
    auth.login("betalare")
    with app.app_context():
        supplier = Supplier(
            company_id=1, name="Frakt AB", country="SE", account_type="BGNR", account="50501055"
        )
        db.session.add(supplier)
        db.session.commit()
        supplier_id = supplier.id
    fields = {"supplier": supplier_id, "invoice_number": f"F{char}9", "ocr": ""}
    fields |= {"message": "M", "amount": "1,00", "currency": "SEK", "due_date": "2026-12-01"}
    response = auth.post("/reskontra/fakturor?company=1", fields, token_from="/reskontra")
    assert response.status_code == 422
    assert "Fakturanumret innehåller otillåtna tecken" in response.get_data(as_text=True)


def test_a_company_name_that_mixes_scripts_is_refused(app):
    with app.app_context(), pytest.raises(CompanyRejected) as rejected:
        companies.create_company("\u0405kogsbolaget AB", "2120000142", "SE", actor="admin")
    assert rejected.value.errors["name"].startswith("Namnet blandar latinska och kyrilliska")


@pytest.mark.parametrize(
    "name",
    [
        "Ærø Ñandú Ōsaka 東京 AB",  # Latin with Japanese, as a Japanese name is written
        "Газпром",  # one script: nothing in it pretends to be Latin
        "3M Svenska AB (publ) – 50 %",
        "Café\u0301 & Bröd",  # a combining accent belongs to the letter before it
    ],
)
def test_names_in_one_script_with_digits_and_punctuation_are_welcome(company, name):  # noqa: F811
    assert import_text(company, HEADER + "\n" + row(name=name) + "\n").count == 1


def test_an_import_page_shows_a_look_alike_refusal_on_its_line(app, client, auth):
    auth.login("betalare")
    response = post_file(auth, (HEADER + "\n" + row(name="\u0405katteverket") + "\n").encode())
    assert response.status_code == 422
    assert "Namnet blandar latinska och kyrilliska bokstäver" in response.get_data(as_text=True)


@pytest.fixture
def statements(app):
    """The SQL statements sent to the database while the test runs, counted."""
    sent = []
    with app.app_context():
        engine = db.engine

    def count_statement(*_args):
        sent.append(1)

    sqlalchemy_event.listen(engine, "before_cursor_execute", count_statement)
    yield sent
    sqlalchemy_event.remove(engine, "before_cursor_execute", count_statement)


@pytest.mark.parametrize("rows", [10, 600])
def test_an_import_sends_as_many_statements_for_many_rows_as_for_few(company, statements, rows):  # noqa: F811
    """Per-row queries made a file of 12 000 rows hold a server thread for minutes; the
    speed itself is measured in bench/import_csv.py."""
    company_id = company.id
    ledger.import_invoices(company, many_suppliers_csv(rows, "A"), actor="b")
    db.session.expunge_all()
    company = db.session.get(Company, company_id)
    statements.clear()
    ledger.import_invoices(company, many_suppliers_csv(rows, "B"), actor="b")
    assert count(SupplierInvoice) == 2 * rows
    assert len(statements) <= 12
