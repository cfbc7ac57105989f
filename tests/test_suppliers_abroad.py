"""Suppliers in any country: postal address and BIC for cross-border payments, the IBAN's
country held to the supplier's, and the currency rules, at entry and again at file creation."""

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import select

from inyett import pain001
from inyett.extensions import db
from inyett.models import Company
from inyett.models import DebtorAccount
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.services import ledger
from inyett.services import payments
from inyett.services.ledger import ImportRejected
from inyett.services.ledger import LedgerRejected
from inyett.services.payments import PaymentRejected
from tests.payments_helpers import BANK_DAY_SOON
from tests.payments_helpers import PAYMENT_DATE
from tests.payments_helpers import approve_all_accounts
from tests.payments_helpers import create_file

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
GERMAN_IBAN = "DE89 3704 0044 0532 0130 00"  # the standard German example IBAN
TURKISH_IBAN = "TR33 0006 1005 1978 6457 8413 26"  # a valid IBAN outside SEPA
GERMAN = ledger.SupplierInput(
    "Müller Maschinenbau GmbH",
    "",
    "DE",
    "IBAN",
    GERMAN_IBAN,
    street="Hauptstraße 5",
    post_code="10115",
    town="Berlin",
)


@pytest.fixture
def company(app):
    with app.app_context():
        yield db.session.get(Company, 1)


def supplier_form(**changes) -> dict:
    fields = {
        "name": GERMAN.name,
        "orgnr": "",
        "country": "DE",
        "account_type": "IBAN",
        "account": GERMAN_IBAN,
        "street": GERMAN.street,
        "post_code": GERMAN.post_code,
        "town": GERMAN.town,
        "bic": "",
    }
    return fields | changes


def rejected_fields(company, data: ledger.SupplierInput) -> dict[str, str]:
    with pytest.raises(LedgerRejected) as rejected:
        ledger.add_supplier(company, data, actor="b")
    return rejected.value.errors


def with_(data: ledger.SupplierInput, **changes) -> ledger.SupplierInput:
    return ledger.SupplierInput(**(data.__dict__ | changes))


def open_invoice(supplier: Supplier, currency="EUR", number="R-1") -> int:
    """An open invoice from `supplier`, whose account a second person has approved."""
    invoice = SupplierInvoice(
        company=supplier.company,
        supplier=supplier,
        invoice_number=number,
        message=f"Rechnung {number}",
        amount=Decimal("1500.00"),
        currency=currency,
        due_date=PAYMENT_DATE,
    )
    db.session.add(invoice)
    db.session.commit()
    approve_all_accounts()
    return invoice.id


def creditor(xml: bytes):
    return etree.fromstring(xml).find(".//p:CdtTrfTxInf", NS)


@pytest.fixture
def transfers_built(monkeypatch) -> list[pain001.CreditTransfer]:
    """The transfers the file was built from: what the bank file's builder (inyett.bankfiles,
    not this part's) writes as the creditor's address and agent."""
    built = []
    build_valid = pain001.build_valid

    def recording(order):
        built.extend(order.transfers)
        return build_valid(order)

    monkeypatch.setattr(pain001, "build_valid", recording)
    return built


def test_a_german_supplier_is_stored_in_germany_and_paid_there_with_its_address(
    app, client, auth, transfers_built
):
    auth.login("betalare")
    response = auth.post(
        "/reskontra/leverantorer?company=1", supplier_form(), token_from="/reskontra"
    )
    assert response.status_code == 302
    assert "Hauptstraße 5, 10115 Berlin" in client.get("/reskontra").get_data(as_text=True)
    with app.app_context():
        supplier = db.session.scalars(select(Supplier)).one()
        assert (supplier.country, supplier.street, supplier.post_code, supplier.town) == (
            "DE",
            "Hauptstraße 5",
            "10115",
            "Berlin",
        )
        transfer = creditor(create_file([open_invoice(supplier)], exchange_confirmed=True).xml)
    # Before, the only countries were SE and NO, and a German payee was sent as Ctry SE.
    assert transfer.findtext("p:Cdtr/p:PstlAdr/p:Ctry", namespaces=NS) == "DE"
    assert transfers_built[0].creditor_address == pain001.PostalAddress(
        country="DE", town="Berlin", post_code="10115", street="Hauptstraße 5"
    )


def test_the_country_list_has_every_country_by_its_swedish_name(client, auth):
    auth.login("betalare")
    page = client.get("/reskontra").get_data(as_text=True)
    for code, name in [("DE", "Tyskland"), ("FI", "Finland"), ("US", "USA"), ("NO", "Norge")]:
        assert f'<option value="{code}">{name}</option>' in page
    assert '<option selected value="SE">Sverige</option>' in page


def test_a_cross_border_supplier_needs_street_and_town(company):
    errors = rejected_fields(company, with_(GERMAN, street=" ", town=""))
    assert errors["street"] == "Ange gatuadress: en betalning till Tyskland kräver adressen."
    assert errors["town"] == "Ange ort: en betalning till Tyskland kräver adressen."


def test_a_domestic_supplier_needs_no_address(company):
    data = ledger.SupplierInput("Skatteverket", "", "SE", "BGNR", "5050-1055")
    supplier = ledger.add_supplier(company, data, actor="b")
    assert (supplier.street, supplier.post_code, supplier.town, supplier.bic) == (
        None,
        None,
        None,
        None,
    )


def test_an_iban_from_another_country_than_the_suppliers_is_refused(company):
    errors = rejected_fields(company, with_(GERMAN, country="FI"))
    assert errors["account"] == (
        "IBAN:en är från Tyskland (DE), men leverantören är i Finland. Välj landet där "
        "leverantören finns, eller kontrollera IBAN:en."
    )


def test_a_sepa_iban_needs_no_bic_but_a_given_one_is_checked(company):
    assert ledger.add_supplier(company, GERMAN, actor="b").bic is None
    errors = rejected_fields(company, with_(GERMAN, name="Annan GmbH", bic="ESSESE1S"))
    assert "går inte att använda i betalfilen" in errors["bic"]


def test_a_payee_outside_sepa_needs_the_bic_of_its_bank(company, transfers_built):
    turkish = with_(GERMAN, name="Istanbul Tekstil AŞ", country="TR", account=TURKISH_IBAN)
    errors = rejected_fields(company, turkish)
    assert errors["bic"] == (
        "Ange BIC för leverantörens bank: en betalning till Turkiet, utanför SEPA, kräver den."
    )
    supplier = ledger.add_supplier(company, with_(turkish, bic="tgbatrisxxx"), actor="b")
    assert supplier.bic == "TGBATRISXXX"
    create_file([open_invoice(supplier, currency="USD")], exchange_confirmed=True)
    assert transfers_built[0].creditor_bic == "TGBATRISXXX"


def test_a_supplier_in_a_country_without_iban_is_paid_to_its_account_with_bic(company):
    american = ledger.SupplierInput(
        "Acme Inc", "", "US", "BBAN", "0012-3456 789", "1 Main St", "10001", "New York", "CHASUS33"
    )
    supplier = ledger.add_supplier(company, american, actor="b")
    assert (supplier.account, supplier.bic) == ("00123456789", "CHASUS33")


def test_a_payee_in_a_country_with_iban_is_paid_to_its_iban_from_abroad(company):
    norwegian = ledger.SupplierInput(
        "Fjord AS", "", "NO", "BBAN", "8601.11.17947", "Storgata 1", "0155", "Oslo"
    )
    errors = rejected_fields(company, norwegian)
    assert errors["account"] == (
        "En betalning från Sverige till Norge går till leverantörens IBAN: välj betalsätt IBAN."
    )


@pytest.mark.parametrize(
    ("country", "account_type", "account", "currency", "message"),
    [
        ("SE", "BBAN", "5000-1234560", "EUR", "Ett svenskt bankkonto tar bara betalningar i SEK"),
        ("SE", "BGNR", "5050-1055", "EUR", "Bankgiro och plusgiro tar bara betalningar i SEK"),
        ("SE", "PGNR", "12 34 56-6", "USD", "Bankgiro och plusgiro tar bara betalningar i SEK"),
    ],
)
def test_foreign_currency_to_a_swedish_account_or_giro_is_refused_at_entry(
    company, country, account_type, account, currency, message
):
    supplier = ledger.add_supplier(
        company, ledger.SupplierInput("Svensk AB", "", country, account_type, account), actor="b"
    )
    invoice = ledger.InvoiceInput("F-1", "", "M", "10,00", currency, "2026-12-01")
    with pytest.raises(LedgerRejected) as rejected:
        ledger.add_invoice(supplier, invoice, actor="b")
    assert rejected.value.errors["currency"].startswith(message)


def norwegian_company() -> Company:
    company = Company(name="Norsk AS", orgnr="988077917", country="NO")
    company.debtor_accounts.append(
        DebtorAccount(
            account_type="BBAN", account="86011117947", currency="NOK", agreement_id="NO-1"
        )
    )
    db.session.add(company)
    db.session.commit()
    return company


def test_a_norwegian_company_cannot_pay_a_swedish_bankgiro(app):
    with app.app_context():
        company = norwegian_company()
        data = ledger.SupplierInput(
            "Svensk AB", "", "SE", "BGNR", "5050-1055", "Gatan 1", "", "Lund"
        )
        errors = rejected_fields(company, data)
        assert errors["account_type"] == (
            "Norsk AS är ett norskt bolag: bankgiro och plusgiro går bara att betala från "
            "Sverige. Ange leverantörens IBAN."
        )


def test_a_file_refuses_a_euro_invoice_to_a_swedish_bank_account_stored_earlier(company):
    # Stored by an earlier version, which let EUR through to a Swedish bank account.
    supplier = Supplier(
        company=company,
        name="Svensk AB",
        country="SE",
        account_type="BBAN",
        account="50001234560",
    )
    invoice_id = open_invoice(supplier, currency="EUR", number="F-9")
    with pytest.raises(PaymentRejected) as rejected:
        create_file([invoice_id])
    assert str(rejected.value).startswith(
        "Fakturan F-9 från Svensk AB kan inte betalas: Ett svenskt bankkonto tar bara "
        "betalningar i SEK"
    )
    assert db.session.get(SupplierInvoice, invoice_id).status == "open"


def test_a_file_refuses_a_norwegian_company_paying_a_bankgiro_stored_earlier(app):
    with app.app_context():
        company = norwegian_company()
        supplier = Supplier(
            company=company, name="Svensk AB", country="SE", account_type="BGNR", account="50501055"
        )
        invoice_id = open_invoice(supplier, currency="SEK", number="F-7")
        with pytest.raises(PaymentRejected, match="bankgiro och plusgiro går bara att betala"):
            payments.create_payment_file(
                company.id,
                [invoice_id],
                date(2026, 11, 26),
                debtor_account_id=company.debtor_accounts[0].id,
                actor="betalare",
                today=date(2026, 11, 24),
            )


def test_a_usd_invoice_from_a_sek_account_needs_the_payer_to_confirm_the_exchange(company):
    supplier = ledger.add_supplier(company, with_(GERMAN, bic="COBADEFFXXX"), actor="b")
    invoice_id = open_invoice(supplier, currency="USD")
    with pytest.raises(PaymentRejected) as rejected:
        create_file([invoice_id])
    assert str(rejected.value) == (
        "Fakturan R-1 från Müller Maschinenbau GmbH är i USD, men den betalas från Bankkonto "
        "6000-123456789 (SEK): banken växlar till sin kurs. Kryssa i ”Betala med växling” om "
        "det är rätt."
    )
    payment_file = create_file([invoice_id], exchange_confirmed=True)
    assert payment_file.payments[0].currency == "USD"


def test_an_invoice_is_paid_from_the_account_in_its_currency_when_the_company_has_one(company):
    euro_account = DebtorAccount(
        account_type="IBAN", account="SE4550000000058398257466", currency="EUR", agreement_id="E-1"
    )
    company.debtor_accounts.append(euro_account)
    db.session.commit()
    supplier = ledger.add_supplier(company, GERMAN, actor="b")
    invoice_id = open_invoice(supplier, currency="EUR")
    with pytest.raises(PaymentRejected) as rejected:
        create_file([invoice_id], exchange_confirmed=True)
    assert str(rejected.value) == (
        "Fakturan R-1 från Müller Maschinenbau GmbH är i EUR, men den betalas från Bankkonto "
        "6000-123456789 (SEK). Betala den från bolagets konto IBAN SE45 5000 0000 0583 9825 7466 "
        "(EUR) i en egen betalfil."
    )
    assert create_file([invoice_id], debtor_account_id=euro_account.id).payments


def test_the_payment_keeps_the_address_and_bic_that_were_attested(company, transfers_built):
    supplier = ledger.add_supplier(company, with_(GERMAN, bic="COBADEFFXXX"), actor="b")
    payment_file = create_file([open_invoice(supplier)], exchange_confirmed=True)
    supplier.town, supplier.bic = "München", "BYLADEMMXXX"
    db.session.commit()
    payment = payment_file.payments[0]
    assert (payment.supplier_town, payment.supplier_bic) == ("Berlin", "COBADEFFXXX")
    # A later rebuild (an undo of another payment, a re-dating) uses the payment's copy.
    transfers_built.clear()
    payments.build_file(payment_file)
    assert transfers_built[0].creditor_address.town == "Berlin"
    assert transfers_built[0].creditor_bic == "COBADEFFXXX"


CSV_HEADER = ledger.CSV_COLUMNS + ledger.CSV_ADDRESS_COLUMNS


def import_rows(company, header: list[str], *rows: str):
    text = ";".join(header) + "\n" + "\n".join(rows) + "\n"
    return ledger.import_invoices(company, text.encode("utf-8"), actor="b")


def test_an_import_reads_address_and_bic_columns(company):
    row = (
        "Müller GmbH;;DE;IBAN;DE89370400440532013000;R-5;;Rechnung R-5;1 500,00;EUR;2026-12-01;"
        "Hauptstraße 5;10115;Berlin;COBADEFFXXX"
    )
    assert import_rows(company, CSV_HEADER, row).count == 1
    supplier = db.session.scalars(select(Supplier)).one()
    assert (supplier.country, supplier.town, supplier.bic) == ("DE", "Berlin", "COBADEFFXXX")


def test_an_old_file_without_the_address_columns_still_imports(company):
    old_header = ledger.CSV_COLUMNS
    row = "Skatteverket;202100-5448;SE;BGNR;5050-1055;1;1234567806;;18 450,00;SEK;2026-12-01"
    assert import_rows(company, old_header, row).count == 1


def test_an_import_row_abroad_without_address_says_so_on_its_line(company):
    row = "Müller GmbH;;DE;IBAN;DE89370400440532013000;R-5;;Rechnung R-5;1 500,00;EUR;2026-12-01"
    with pytest.raises(ImportRejected) as rejected:
        import_rows(company, ledger.CSV_COLUMNS, row)
    assert rejected.value.row_errors[2] == [
        "Ange gatuadress: en betalning till Tyskland kräver adressen.",
        "Ange ort: en betalning till Tyskland kräver adressen.",
    ]


def test_an_import_row_with_an_unknown_country_code_says_which_codes_are_meant(company):
    row = "X AB;;XX;IBAN;DE89370400440532013000;R-5;;M;1,00;EUR;2026-12-01"
    with pytest.raises(ImportRejected) as rejected:
        import_rows(company, ledger.CSV_COLUMNS, row)
    assert rejected.value.row_errors[2][0] == (
        "Landet XX finns inte: ange landets kod med två bokstäver enligt ISO 3166, t.ex. SE, NO "
        "eller DE."
    )


PROPOSAL = "/betalningar/forslag?company=1"


def test_the_proposal_asks_the_payer_to_confirm_an_exchange_and_pays_once_confirmed(
    app, client, auth
):
    with app.app_context():
        # Dollars to a German IBAN are no SEPA payment: the file names the payee's bank.
        german = with_(GERMAN, bic="COBADEFFXXX")
        supplier = ledger.add_supplier(db.session.get(Company, 1), german, actor="b")
        invoice_id = open_invoice(supplier, currency="USD")
    auth.login("betalare")
    page = client.get(PROPOSAL).get_data(as_text=True)
    assert "Betala med växling" in page
    form = {
        "company": "1",
        "debtor_account": "1",
        "payment_date": BANK_DAY_SOON,
        "when": "samma-dag",
    }
    form["invoice_ids"] = [invoice_id]
    refused = auth.post(PROPOSAL, form, token_from=PROPOSAL)
    assert refused.status_code == 422
    assert "banken växlar till sin kurs" in refused.get_data(as_text=True)
    confirmed = auth.post(PROPOSAL, form | {"exchange_confirmed": "y"}, token_from=PROPOSAL)
    assert confirmed.status_code == 302


def test_the_proposal_offers_no_exchange_when_every_invoice_has_its_account(client, auth):
    auth.login("betalare")
    assert "Betala med växling" not in client.get(PROPOSAL).get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"orgnr": "556036-0793"}, "orgnr", "lämna fältet tomt för en leverantör i Tyskland"),
        ({"account_type": "BGNR", "account": "5050-1055"}, "account", "bara för svenska"),
        ({"town": "=HYPERLINK(1)"}, "town", "får inte börja med ="),
        ({"street": "x" * 71}, "street", "Gatuadressen får vara högst 70 tecken."),
        ({"bic": "COBADEFF", "account_type": "BGNR"}, "account", "bara för svenska"),
    ],
)
def test_supplier_abroad_fields_have_swedish_messages(company, changes, field, message):
    assert message in rejected_fields(company, with_(GERMAN, **changes))[field]


def test_a_giro_payee_takes_no_bic(company):
    data = ledger.SupplierInput("Skatteverket", "", "SE", "BGNR", "5050-1055", bic="ESSESESS")
    assert rejected_fields(company, data)["bic"] == (
        "Bankgiro och plusgiro betalas utan BIC: lämna fältet tomt."
    )


def test_an_ocr_to_a_payee_abroad_is_refused_rather_than_dropped(company):
    supplier = ledger.add_supplier(company, GERMAN, actor="b")
    invoice = ledger.InvoiceInput("R-1", "1234567806", "", "10,00", "EUR", "2026-12-01")
    with pytest.raises(LedgerRejected) as rejected:
        ledger.add_invoice(supplier, invoice, actor="b")
    assert rejected.value.errors["ocr"].startswith("OCR och KID finns bara för svenska")
