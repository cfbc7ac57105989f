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
from inyett.models import utcnow
from inyett.services import companies
from inyett.services import payments
from inyett.services.companies import CompanyRejected
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


@pytest.mark.parametrize(
    ("account_type", "account", "stored"),
    [("BGNR", "5050-1055", "50501055"), ("PGNR", "12 34 56-6", "1234566")],
)
def test_a_swedish_company_pays_from_bankgiro_or_plusgiro(app, account_type, account, stored):
    with app.app_context():
        company = company_named("Testbolaget AB")
        added = companies.add_debtor_account(company, account_type, account, "SEK", "", "admin")
        assert (added.account_type, added.account, added.currency, added.bic) == (
            account_type,
            stored,
            "SEK",
            None,
        )
        assert len(company.debtor_accounts) == 2


@pytest.mark.parametrize("bic", ["ESSESESS", "DNBANOKK", "NDEASESSXXX", "HANDSE22"])
def test_every_bic_the_form_accepts_makes_a_valid_payment_file(app, bic):
    with app.app_context():
        company = company_named("Testbolaget AB")
        account = companies.add_debtor_account(company, "BBAN", "5000 1234560", "SEK", bic, "admin")
        invoice = add_open_invoice(
            company, ("Skatteverket", "2021005448", "BGNR", "50501055"), "F-1", "10.00", "Hyra"
        )
        payment_file = create_file([invoice.id], debtor_account_id=account.id)
        assert f"<BIC>{bic}</BIC>".encode() in payment_file.xml


def test_a_norwegian_company_pays_from_a_bank_account_with_its_bic(app):
    with app.app_context():
        company = companies.create_company("Demo Eiendom AS", "988077917", "NO", "admin")
        companies.add_debtor_account(company, "BBAN", "8601.11.17947", "NOK", "dnba nokk", "admin")
    assert audit_summaries(app)[-1] == (
        "admin",
        "Bolaget Demo Eiendom AS kan betala från Bankkonto 8601.11.17947 (NOK), BIC DNBANOKK",
    )


@pytest.mark.parametrize(
    ("account_type", "account", "currency", "bic", "field", "message"),
    [
        ("BGNR", "5050-1056", "SEK", "", "account", "ontrollsiffr"),
        ("BGNR", "", "SEK", "", "account", "Ange kontonumret."),
        ("XXXX", "5050-1055", "SEK", "", "account_type", "Kontotyp ska vara"),
        ("BGNR", "5050-1055", "USD", "", "currency", "Valuta ska vara SEK, NOK, EUR."),
        ("BGNR", "5050-1055", "SEK", "NOTABIC!", "bic", "BIC ska ha 8 eller 11 tecken"),
        # The shape of a BIC, but one the pain.001 schema refuses: the location code may not
        # start with 0 or 1, nor end in O, and the bank code is letters only.
        ("BGNR", "5050-1055", "SEK", "ESSESE1S", "bic", "ESSESE1S går inte att använda"),
        ("BGNR", "5050-1055", "SEK", "ESSESEOO", "bic", "ESSESEOO går inte att använda"),
        ("BGNR", "5050-1055", "SEK", "ESS1SESS", "bic", "ESS1SESS går inte att använda"),
        ("BGNR", "5050-1055", "SEK", "ESSEXXSS", "bic", "landskoden XX"),
        (
            "BGNR",
            "5555-5551",
            "SEK",
            "",
            "account",
            "Testbolaget AB betalar redan från det kontot.",
        ),
    ],
)
def test_a_bad_paying_account_is_refused_with_a_reason_on_its_field(
    app, account_type, account, currency, bic, field, message
):
    with app.app_context():
        company = company_named("Testbolaget AB")
        with pytest.raises(CompanyRejected) as rejected:
            companies.add_debtor_account(company, account_type, account, currency, bic, "admin")
        assert message in rejected.value.errors[field]
        assert db.session.scalar(select(DebtorAccount.id).where(DebtorAccount.id > 1)) is None


def test_bankgiro_is_refused_for_a_norwegian_company(app):
    with app.app_context():
        company = companies.create_company("Demo Eiendom AS", "988077917", "NO", "admin")
        with pytest.raises(CompanyRejected) as rejected:
            companies.add_debtor_account(company, "BGNR", "5050-1055", "NOK", "", "admin")
        assert "bara för svenska" in rejected.value.errors["account"]


# --- the page ------------------------------------------------------------------------------


def test_the_page_lists_companies_with_formatted_numbers(admin):
    html = admin.client.get(COMPANIES).get_data(as_text=True)
    assert "Testbolaget AB" in html
    assert "556036-0793" in html
    assert "Bankgiro 5555-5551 (SEK)" in html
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
            "bic": "",
        },
        token_from=COMPANIES,
    )
    assert response.status_code == 302
    page = admin.client.get(COMPANIES).get_data(as_text=True)
    assert "Demo Eiendom AS kan nu betala från Bankkonto 8601.11.17947 (NOK)." in page
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
        invoice = add_open_invoice(
            company, ("Skatteverket", "2021005448", "BGNR", "50501055"), "F-9", "10.00", "Hyra"
        )
        return create_file([invoice.id]).id


def test_an_admin_corrects_an_account_no_file_uses_and_the_change_is_audited(app, admin):
    with app.app_context():
        # As stored before BICs were held to the schema: no file could be made from it.
        db.session.get(DebtorAccount, 1).bic = "ESSESE1S"
        db.session.commit()
    companies_page = admin.client.get(COMPANIES).get_data(as_text=True)
    assert f'href="{account_path(1)}"' in companies_page
    form = admin.client.get(account_path(1)).get_data(as_text=True)
    assert 'value="ESSESE1S"' in form
    edit = {"account_type": "BGNR", "account": "5555-5551", "currency": "SEK", "bic": "ESSESE1S"}
    refused = admin.post(account_path(1), edit, token_from=account_path(1))
    assert refused.status_code == 422
    assert "ESSESE1S går inte att använda" in refused.get_data(as_text=True)
    saved = admin.post(
        account_path(1),
        {**edit, "account": "5050-1055", "bic": "essesess"},
        token_from=account_path(1),
    )
    assert saved.status_code == 302
    page = admin.client.get(COMPANIES).get_data(as_text=True)
    assert "Kontot är ändrat: Testbolaget AB betalar från Bankgiro 5050-1055 (SEK)" in page
    assert stored_account(app) == ("BGNR", "50501055", "SEK", "ESSESESS")
    assert audit_summaries(app)[-1] == (
        "admin",
        "Testbolaget AB: kontot Bankgiro 5555-5551 (SEK), BIC ESSESE1S ändrat till "
        "Bankgiro 5050-1055 (SEK), BIC ESSESESS",
    )
    # Now a file can be made from it.
    a_file_paid_from_the_account(app)


def test_an_account_a_file_waits_on_cannot_change_until_the_file_is_downloaded(app, admin):
    file_id = a_file_paid_from_the_account(app)
    page = admin.client.get(account_path(1)).get_data(as_text=True)
    assert "Kontot kan inte ändras" in page
    response = admin.post(
        account_path(1),
        {"account_type": "BGNR", "account": "5050-1055", "currency": "SEK", "bic": ""},
        token_from=account_path(1),
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "ännu inte laddats ner" in html and "ångra" in html
    assert stored_account(app) == ("BGNR", "55555551", "SEK", None)
    with app.app_context():
        payment_file = db.session.get(PaymentFile, file_id)
        payment_file.downloaded_at = utcnow()
        db.session.commit()
    response = admin.post(
        account_path(1),
        {"account_type": "BGNR", "account": "5050-1055", "currency": "SEK", "bic": ""},
        token_from=account_path(1),
    )
    assert response.status_code == 409
    assert "laddades ner för banken" in response.get_data(as_text=True)
    assert stored_account(app) == ("BGNR", "55555551", "SEK", None)
    assert not [s for _, s in audit_summaries(app) if "ändrat" in s]


def test_an_account_whose_only_file_was_emptied_by_undo_can_be_corrected(app):
    file_id = a_file_paid_from_the_account(app)
    with app.app_context():
        for payment in db.session.get(PaymentFile, file_id).payments:
            payments.undo_payment(payment, actor="betalare")
        account = db.session.get(DebtorAccount, 1)
        companies.update_debtor_account(account, "BGNR", "5050-1055", "SEK", "", "admin")
    assert stored_account(app) == ("BGNR", "50501055", "SEK", None)


def test_a_corrected_account_may_not_become_another_account_of_the_company(app):
    with app.app_context():
        company = company_named("Testbolaget AB")
        second = companies.add_debtor_account(company, "BGNR", "5050-1055", "SEK", "", "admin")
        with pytest.raises(CompanyRejected) as rejected:
            companies.update_debtor_account(second, "BGNR", "5555-5551", "SEK", "", "admin")
        assert "betalar redan från det kontot" in rejected.value.errors["account"]
        # Its own number again is no conflict.
        companies.update_debtor_account(second, "BGNR", "5050-1055", "EUR", "", "admin")
    assert stored_account(app, 2) == ("BGNR", "50501055", "EUR", None)


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
        assert company.debtor_accounts[0].account == "55555551"  # the payer's copy
        with app.app_context():
            account = db.session.get(DebtorAccount, 1)
            companies.update_debtor_account(account, "BGNR", "5050-1055", "SEK", "", "admin")
        payment_file = create_file([invoice.id])
        debtor_account = etree.fromstring(payment_file.xml).findtext(
            ".//p:DbtrAcct/p:Id/p:Othr/p:Id", namespaces={"p": pain001.NAMESPACE}
        )
        assert debtor_account == "50501055"
