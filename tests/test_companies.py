"""Systeminställningar › Bolag: companies and the accounts they pay from, and the pages that
need a company when there is none."""

import pytest
from lxml import etree
from sqlalchemy import delete
from sqlalchemy import select

from inyett import pain001
from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import Company
from inyett.models import DebtorAccount
from inyett.models import PaymentFile
from inyett.models import SupplierInvoice
from inyett.models import utcnow
from inyett.services import companies
from inyett.services import payments
from inyett.services.companies import CompanyRejected
from inyett.services.companies import PayingAccountInput
from tests.conftest import Auth
from tests.payments_helpers import add_open_invoice
from tests.payments_helpers import create_file

COMPANIES = "/systeminstallningar/bolag"
ACCOUNTS = "/systeminstallningar/bolag/konton"


def company_named(name) -> Company | None:
    return db.session.scalar(select(Company).where(Company.name == name))


def audit_summaries(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (e.actor, e.summary)
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.kind == "company").order_by(AuditEntry.id)
            )
        ]


@pytest.fixture
def admin(client):
    auth = Auth(client)
    auth.login("admin")
    return auth


@pytest.fixture
def no_companies(app):
    """An installation as it starts in production: users, but no company."""
    with app.app_context():
        db.session.execute(delete(DebtorAccount))
        db.session.execute(delete(Company))
        db.session.commit()
    return app


# --- the service ---------------------------------------------------------------------------


def test_a_company_is_stored_with_its_orgnr_cleaned_and_audited(app):
    with app.app_context():
        company = companies.create_company(" Demo Eiendom AS ", "988 077 917", "no", "admin")
        assert (company.name, company.orgnr, company.country) == (
            "Demo Eiendom AS",
            "988077917",
            "NO",
        )
    assert audit_summaries(app) == [("admin", "Bolaget Demo Eiendom AS (988 077 917, NO) tillagt")]


@pytest.mark.parametrize(
    ("name", "orgnr", "country", "field", "message"),
    [
        ("", "2021005448", "SE", "name", "Ange bolagets namn."),
        ("A" * 71, "2021005448", "SE", "name", "Namnet får vara högst 70 tecken."),
        ("Bolag\u202eBA", "2021005448", "SE", "name", "otillåtna tecken"),
        ("Nytt AB", "", "SE", "orgnr", "Ange bolagets organisationsnummer."),
        ("Nytt AB", "202100-5449", "SE", "orgnr", "ontrollsiffr"),
        ("Nytt AS", "988077918", "NO", "orgnr", "ontrollsiffr"),
        ("Nytt AB", "2021005448", "DK", "country", "Land ska vara Sverige (SE) eller Norge (NO)."),
        ("Nytt AB", "556036-0793", "SE", "orgnr", "finns redan: det är Testbolaget AB."),
    ],
)
def test_a_bad_company_is_refused_with_a_reason_on_its_field(
    app, name, orgnr, country, field, message
):
    with app.app_context():
        with pytest.raises(CompanyRejected) as rejected:
            companies.create_company(name, orgnr, country, "admin")
        assert message in rejected.value.errors[field]
        assert db.session.scalar(select(Company).where(Company.name == name)) is None
    assert audit_summaries(app) == []


def typed(account_type="BBAN", account="5000 1234560", currency="SEK", **other):
    return PayingAccountInput(account_type, account, currency, **other)


@pytest.mark.parametrize(
    ("account_type", "account", "stored", "bank", "bic"),
    [
        ("BBAN", "5000 1234560", "50001234560", "seb", "ESSESESS"),
        ("BBAN", "6789-123456789", "6789123456789", "handelsbanken", "HANDSESS"),
        ("BBAN", "8327-9, 123 456 789-7", "83271234567897", "swedbank", "SWEDSESS"),
        ("BBAN", "3000-1234560", "30001234560", "nordea_se", "NDEASESS"),
        ("BBAN", "1200-1234562", "12001234562", "danske_se", "DABASESX"),
        ("BBAN", "9029-5735211", "90295735211", "generic_se", "ELLFSESS"),  # Länsförsäkringar
        ("IBAN", "SE45 5000 0000 0583 9825 7466", "SE4550000000058398257466", "seb", "ESSESESS"),
    ],
)
def test_the_bank_and_its_bic_are_read_from_the_account_number(
    app, account_type, account, stored, bank, bic
):
    with app.app_context():
        company = company_named("Testbolaget AB")
        added = companies.add_debtor_account(
            company, typed(account_type, account, agreement_id="A-1"), "admin"
        )
        assert (added.account_type, added.account, added.bank, added.bic) == (
            account_type,
            stored,
            bank,
            bic,
        )
        assert companies.bank_of(added).missing == ()


def test_the_giro_numbers_and_agreement_id_are_kept_cleaned(app):
    with app.app_context():
        company = company_named("Testbolaget AB")
        added = companies.add_debtor_account(
            company,
            typed(agreement_id="  065560360793B001 ", bankgiro="5050-1055", plusgiro="12 34 56-6"),
            "admin",
        )
        assert (added.agreement_id, added.bankgiro, added.plusgiro) == (
            "065560360793B001",
            "50501055",
            "1234566",
        )


def test_a_smaller_bank_may_follow_the_file_service_it_uses(app):
    # A savings bank or Länsförsäkringar customer may send files through another bank's service.
    with app.app_context():
        company = company_named("Testbolaget AB")
        added = companies.add_debtor_account(
            company, typed(account="9029-5735211", bank="swedbank"), "admin"
        )
        assert (added.bank, added.bic) == ("swedbank", "ELLFSESS")


def test_the_bic_read_from_the_number_names_the_payers_bank_in_the_file(app):
    with app.app_context():
        company = company_named("Testbolaget AB")
        account = companies.add_debtor_account(company, typed(agreement_id="A-1"), "admin")
        invoice = add_open_invoice(
            company, ("Skatteverket", "2021005448", "BGNR", "50501055"), "F-1", "10.00", "Hyra"
        )
        payment_file = create_file([invoice.id], debtor_account_id=account.id)
        agent = etree.fromstring(payment_file.xml).xpath(
            "//p:DbtrAgt/p:FinInstnId/p:BIC/text()", namespaces={"p": pain001.NAMESPACE}
        )
        assert agent == ["ESSESESS"]


def test_a_norwegian_company_pays_from_a_bank_account_with_its_bic(app):
    with app.app_context():
        company = companies.create_company("Demo Eiendom AS", "988077917", "NO", "admin")
        companies.add_debtor_account(
            company, typed(account="8601.11.17947", currency="NOK", agreement_id="N-1"), "admin"
        )
    assert audit_summaries(app)[-1] == (
        "admin",
        "Bolaget Demo Eiendom AS kan betala från Bankkonto 8601.11.17947 (NOK), "
        "bank Annan norsk bank, BIC DABANO22, avtals-id N-1",
    )


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (typed("BGNR", "5050-1055"), "account_type", "Kontotyp ska vara Bankkonto eller IBAN."),
        (typed(account="5000 1234561"), "account", "ontrollsiffr"),
        (typed(account=""), "account", "Ange bolagets bankkonto."),
        (typed(currency="USD"), "currency", "Valuta ska vara SEK, NOK, EUR."),
        (typed(bank="handelsbanken"), "bank", "Kontot är ett konto hos SEB. Välj SEB som bank."),
        (typed(bank="dnb"), "bank", "Välj en av bankerna i listan."),
        (
            typed("IBAN", "DE89 3704 0044 0532 0130 00"),
            "account",
            "Kontot ska vara ett konto i Sverige.",
        ),
        (typed(agreement_id="avtal<1>"), "agreement_id", "Avtals-id får bara innehålla"),
        (typed(agreement_id="1" * 36), "agreement_id", "högst 35 tecken"),
        (typed(bankgiro="5050-1056"), "bankgiro", "ontrollsiffr"),
        (typed(plusgiro="12 34 56-7"), "plusgiro", "ontrollsiffr"),
        (
            typed(account="6000-123456789"),
            "account",
            "Testbolaget AB betalar redan från det kontot.",
        ),
    ],
)
def test_a_bad_paying_account_is_refused_with_a_reason_on_its_field(app, values, field, message):
    with app.app_context():
        company = company_named("Testbolaget AB")
        with pytest.raises(CompanyRejected) as rejected:
            companies.add_debtor_account(company, values, "admin")
        assert message in rejected.value.errors[field]
        assert db.session.scalar(select(DebtorAccount.id).where(DebtorAccount.id > 1)) is None


def test_giro_numbers_are_refused_for_a_norwegian_company(app):
    with app.app_context():
        company = companies.create_company("Demo Eiendom AS", "988077917", "NO", "admin")
        with pytest.raises(CompanyRejected) as rejected:
            companies.add_debtor_account(
                company,
                typed(account="8601.11.17947", currency="NOK", bankgiro="5050-1055"),
                "admin",
            )
        assert "bara för svenska" in rejected.value.errors["bankgiro"]


# --- the page ------------------------------------------------------------------------------


def test_the_page_lists_companies_with_formatted_numbers(admin):
    html = admin.client.get(COMPANIES).get_data(as_text=True)
    assert "Testbolaget AB" in html
    assert "556036-0793" in html
    assert "Bankkonto 6000-123456789 (SEK)" in html
    assert "Bank: Handelsbanken, BIC HANDSESS · Bankgiro 5555-5551 · Avtals-id TEST-HB-1" in html
    assert "saknas" not in html
    assert 'href="/systeminstallningar/bolag" aria-current="page">Bolag<' in html


def test_an_admin_adds_a_company_and_then_its_account(app, admin):
    response = admin.post(
        COMPANIES,
        {"name": "Demo Eiendom AS", "orgnr": "988 077 917", "country": "NO"},
        token_from=COMPANIES,
    )
    assert response.status_code == 302
    page = admin.client.get(COMPANIES).get_data(as_text=True)
    assert "Bolaget Demo Eiendom AS är tillagt." in page
    assert "988 077 917" in page and "Inget konto ännu" in page
    with app.app_context():
        company_id = company_named("Demo Eiendom AS").id
    response = admin.post(
        ACCOUNTS,
        {
            "company": str(company_id),
            "account_type": "BBAN",
            "account": "8601 11 17947",
            "currency": "NOK",
            "bank": "",
            "agreement_id": "",
        },
        token_from=COMPANIES,
    )
    assert response.status_code == 302
    page = admin.client.get(COMPANIES).get_data(as_text=True)
    assert "Demo Eiendom AS kan nu betala från Bankkonto 8601.11.17947 (NOK)." in page
    assert "Bank: Danske Bank, BIC DABANO22" in page and "Avtals-id saknas" in page
    assert "Inget konto ännu" not in page


def test_a_taken_orgnr_is_shown_on_its_field_and_nothing_is_added(app, admin):
    response = admin.post(
        COMPANIES,
        {"name": "Kopia AB", "orgnr": "5560360793", "country": "SE"},
        token_from=COMPANIES,
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Organisationsnumret finns redan: det är Testbolaget AB." in html
    assert 'value="Kopia AB"' in html
    with app.app_context():
        assert company_named("Kopia AB") is None


def test_an_account_needs_a_company_chosen(admin):
    response = admin.post(
        ACCOUNTS,
        {"company": "", "account_type": "BGNR", "account": "5050-1055", "currency": "SEK"},
        token_from=COMPANIES,
    )
    assert response.status_code == 422
    assert "Välj ett bolag." in response.get_data(as_text=True)


def test_a_bad_account_number_is_shown_on_its_field(admin):
    response = admin.post(
        ACCOUNTS,
        {"company": "1", "account_type": "BGNR", "account": "5050-1056", "currency": "SEK"},
        token_from=COMPANIES,
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "ontrollsiffr" in html


@pytest.mark.parametrize("username", ["betalare", "attestant"])
def test_only_admins_reach_the_page(client, username):
    Auth(client).login(username)
    assert client.get(COMPANIES).status_code == 403


# --- pages with no company -----------------------------------------------------------------

EMPTY_MESSAGE = "Inga bolag finns ännu. En administratör lägger till bolag under"


@pytest.mark.parametrize(
    "path",
    ["/reskontra", "/betalningar/forslag", "/betalningar/filer", "/attest"],
)
def test_with_no_company_the_pages_say_who_adds_one(no_companies, admin, path):
    response = admin.client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert EMPTY_MESSAGE in html
    assert '<a href="/systeminstallningar/bolag">Systeminställningar › Bolag</a>' in html


def test_a_payer_is_told_without_a_link_they_cannot_use(no_companies, client):
    Auth(client).login("betalare")
    html = client.get("/reskontra").get_data(as_text=True)
    assert EMPTY_MESSAGE in html and "Systeminställningar › Bolag." in html
    assert 'href="/systeminstallningar/bolag"' not in html


def test_a_ledger_form_sent_with_no_company_stores_nothing(no_companies, admin):
    response = admin.post(
        "/reskontra/leverantorer",
        {
            "name": "X AB",
            "orgnr": "",
            "country": "SE",
            "account_type": "BGNR",
            "account": "5050-1055",
        },
    )
    assert response.status_code == 409
    assert EMPTY_MESSAGE in response.get_data(as_text=True)


def test_the_first_company_is_added_from_the_empty_page(no_companies, admin):
    assert "Inga bolag finns ännu. Lägg till det första nedan." in admin.client.get(
        COMPANIES
    ).get_data(as_text=True)
    admin.post(
        COMPANIES, {"name": "Nya AB", "orgnr": "202100-5448", "country": "SE"}, token_from=COMPANIES
    )
    html = admin.client.get("/reskontra").get_data(as_text=True)
    assert EMPTY_MESSAGE not in html and "Nya AB" in html


def test_a_company_without_an_account_points_the_payer_to_the_admin_page(app, client):
    with app.app_context():
        company = companies.create_company("Utan konto AB", "202100-5448", "SE", "admin")
        add_open_invoice(company, ("Frakt AB", "5560473521", "PGNR", "1234566"), "A-1", "10.00", "")
        company_id = company.id
    Auth(client).login("betalare")
    html = client.get(f"/betalningar/forslag?company={company_id}").get_data(as_text=True)
    assert "Bolaget har inget eget konto att betala från." in html
    assert "Systeminställningar › Bolag" in html


# --- correcting a paying account -----------------------------------------------------------


def account_path(account_id: int) -> str:
    return f"{ACCOUNTS}/{account_id}"


def stored_account(app, account_id=1) -> tuple:
    with app.app_context():
        a = db.session.get(DebtorAccount, account_id)
        return (a.account_type, a.account, a.currency, a.bic)


def a_file_paid_from_the_account(app):
    with app.app_context():
        company = company_named("Testbolaget AB")
        # Each file pays an invoice of its own: one invoice is in one live payment only.
        number = f"F-{len(db.session.scalars(select(SupplierInvoice)).all()) + 1}"
        invoice = add_open_invoice(
            company, ("Skatteverket", "2021005448", "BGNR", "50501055"), number, "10.00", "Hyra"
        )
        return create_file([invoice.id]).id


def as_before_bank_accounts(app):
    """Account 1 as the upgrade leaves a bankgiro-only account: its bankgiro kept, no bank
    account, no agreement id."""
    with app.app_context():
        account = db.session.get(DebtorAccount, 1)
        account.account_type, account.account, account.bankgiro = "BGNR", "55555551", "55555551"
        account.bank = account.bic = account.agreement_id = None
        db.session.commit()


EDIT = {
    "account_type": "BBAN",
    "account": "5000 1234560",
    "currency": "SEK",
    "bank": "",
    "agreement_id": "SEB-4711",
    "bankgiro": "5555-5551",
    "plusgiro": "",
}


def test_a_bankgiro_only_account_says_what_is_missing_until_the_admin_fills_it_in(app, admin):
    as_before_bank_accounts(app)
    page = admin.client.get(COMPANIES).get_data(as_text=True)
    assert "Bankkonto saknas" in page and "Avtals-id saknas" in page
    assert "Bankgiro 5555-5551" in page
    with pytest.raises(payments.PaymentRejected) as refused:
        a_file_paid_from_the_account(app)
    assert str(refused.value) == (
        "Betalfilen kan inte skapas från Bankgiro 5555-5551 (SEK): bankkonto saknas, avtals-id "
        "saknas. Banken behöver dem för att ta emot filen. En administratör fyller i dem under "
        "Systeminställningar › Bolag (Ändra)."
    )
    form = admin.client.get(account_path(1)).get_data(as_text=True)
    assert "Bankkonto saknas, Avtals-id saknas." in form
    assert 'value="5555-5551"' in form  # the bankgiro, in its own field
    refused = admin.post(account_path(1), {**EDIT, "bank": "nordea_se"}, token_from=account_path(1))
    assert refused.status_code == 422
    assert "Kontot är ett konto hos SEB. Välj SEB som bank." in refused.get_data(as_text=True)
    saved = admin.post(account_path(1), EDIT, token_from=account_path(1))
    assert saved.status_code == 302
    page = admin.client.get(COMPANIES).get_data(as_text=True)
    assert "Kontot är ändrat: Testbolaget AB betalar från Bankkonto 5000-1234560 (SEK)" in page
    assert "saknas" not in page
    assert stored_account(app) == ("BBAN", "50001234560", "SEK", "ESSESESS")
    assert audit_summaries(app)[-1] == (
        "admin",
        "Testbolaget AB: kontot Bankgiro 5555-5551 (SEK), bankgiro 5555-5551 ändrat till "
        "Bankkonto 5000-1234560 (SEK), bank SEB, BIC ESSESESS, bankgiro 5555-5551, "
        "avtals-id SEB-4711",
    )
    # Now a file can be made from it, paid from the bank account at SEB.
    with app.app_context():
        xml = db.session.get(PaymentFile, a_file_paid_from_the_account(app)).xml
    tree = etree.fromstring(xml)
    ns = {"p": pain001.NAMESPACE}
    assert tree.xpath("//p:DbtrAcct/p:Id/p:Othr/p:Id/text()", namespaces=ns) == ["50001234560"]


def test_an_account_a_file_waits_on_cannot_change_until_the_file_is_downloaded(app, admin):
    file_id = a_file_paid_from_the_account(app)
    page = admin.client.get(account_path(1)).get_data(as_text=True)
    assert "Kontot kan inte ändras" in page
    response = admin.post(account_path(1), EDIT, token_from=account_path(1))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "ännu inte laddats ner" in html and "ångra" in html
    assert stored_account(app) == ("BBAN", "6000123456789", "SEK", "HANDSESS")
    with app.app_context():
        payment_file = db.session.get(PaymentFile, file_id)
        payment_file.downloaded_at = utcnow()
        db.session.commit()
    response = admin.post(account_path(1), EDIT, token_from=account_path(1))
    assert response.status_code == 409
    assert "laddades ner för banken" in response.get_data(as_text=True)
    assert stored_account(app) == ("BBAN", "6000123456789", "SEK", "HANDSESS")
    assert not [s for _, s in audit_summaries(app) if "ändrat" in s]


def test_an_account_whose_only_file_was_emptied_by_undo_can_be_corrected(app):
    file_id = a_file_paid_from_the_account(app)
    with app.app_context():
        for payment in db.session.get(PaymentFile, file_id).payments:
            payments.undo_payment(payment, actor="betalare")
        account = db.session.get(DebtorAccount, 1)
        companies.update_debtor_account(account, typed(agreement_id="A-1"), "admin")
    assert stored_account(app) == ("BBAN", "50001234560", "SEK", "ESSESESS")


def test_a_corrected_account_may_not_become_another_account_of_the_company(app):
    with app.app_context():
        company = company_named("Testbolaget AB")
        second = companies.add_debtor_account(company, typed(), "admin")
        with pytest.raises(CompanyRejected) as rejected:
            companies.update_debtor_account(second, typed(account="6000-123456789"), "admin")
        assert "betalar redan från det kontot" in rejected.value.errors["account"]
        # Its own number again is no conflict.
        companies.update_debtor_account(second, typed(currency="EUR"), "admin")
    assert stored_account(app, 2) == ("BBAN", "50001234560", "EUR", "ESSESESS")


def test_only_admins_correct_accounts(client):
    auth = Auth(client)
    auth.login("betalare")
    assert client.get(account_path(1)).status_code == 403


def test_a_file_made_while_the_account_is_corrected_uses_the_corrected_account(app):
    """The payer's page read the account before the admin corrected it: the file is still
    built from what is stored when it is made, never from the page's old copy."""
    with app.app_context():
        company = company_named("Testbolaget AB")
        invoice = add_open_invoice(
            company, ("Skatteverket", "2021005448", "BGNR", "50501055"), "F-9", "10.00", "Hyra"
        )
        assert company.debtor_accounts[0].account == "6000123456789"  # the payer's copy
        with app.app_context():
            account = db.session.get(DebtorAccount, 1)
            companies.update_debtor_account(account, typed(agreement_id="A-1"), "admin")
        payment_file = create_file([invoice.id])
        debtor_account = etree.fromstring(payment_file.xml).findtext(
            ".//p:DbtrAcct/p:Id/p:Othr/p:Id", namespaces={"p": pain001.NAMESPACE}
        )
        assert debtor_account == "50001234560"
