from datetime import date
from datetime import timedelta

import pytest
from sqlalchemy import select

from inyett import api_client
from inyett import dates
from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import Company
from inyett.models import DebtorAccount
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import SupplierInvoice
from inyett.services import payments as payment_service
from inyett.services.payments import PaymentRejected
from inyett.services.payments import undo_payment
from tests.conftest import Auth
from tests.payments_helpers import BANK_DAY_SOON
from tests.payments_helpers import SATURDAY_SOON
from tests.payments_helpers import TODAY
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file

PROPOSAL = "/betalningar/forslag"


@pytest.mark.parametrize(
    ("country", "today", "proposed"),
    [
        ("SE", date(2026, 12, 24), "2026-12-28"),  # julafton, juldagen, a weekend
        ("SE", date(2026, 12, 30), "2026-12-30"),
        ("NO", date(2026, 12, 31), "2026-12-31"),  # a bank day in Norway
        ("NO", date(2027, 3, 25), "2027-03-30"),  # skjærtorsdag to 2. påskedag
    ],
)
def test_the_proposal_offers_the_next_bank_day_of_the_companys_country(
    app, client, auth, monkeypatch, country, today, proposed
):
    monkeypatch.setattr(dates, "today_in_sweden", lambda: today)
    with app.app_context():
        db.session.get(Company, 1).country = country
        db.session.commit()
        add_invoices()
    auth.login("betalare")
    page = client.get(PROPOSAL).get_data(as_text=True)
    assert f'name="payment_date" type="text" value="{proposed}"' in page
    assert 'checked id="when-0" name="when" type="radio" value="forfallodag"' in page


def test_after_midnight_in_sweden_the_servers_date_is_yesterday_and_refused(
    app, client, auth, monkeypatch
):
    """At 00:30 in Stockholm a server on UTC is still on yesterday; the bank is not, and the
    file is re-dated at download by Sweden's day, so yesterday is not a payment date."""
    servers_day = date.today()
    monkeypatch.setattr(dates, "today_in_sweden", lambda: servers_day + timedelta(days=1))
    with app.app_context():
        activate_inyett()
        invoice_ids = add_invoices()
    auth.login("betalare")
    response = auth.post(
        PROPOSAL,
        {
            "company": "1",
            "debtor_account": "1",
            "payment_date": servers_day.isoformat(),
            "when": "samma-dag",
            "invoice_ids": invoice_ids[:1],
        },
        token_from=PROPOSAL,
    )
    assert response.status_code == 422
    assert "Betaldatum kan inte ligga bakåt i tiden." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(PaymentFile.id)) is None


def test_a_payer_creates_a_payment_file_from_the_proposal(app, client, auth):
    with app.app_context():
        activate_inyett()
        invoice_ids = add_invoices()
    auth.login("betalare")
    page = client.get(PROPOSAL).get_data(as_text=True)
    assert "Skatteverket" in page and "Skapa betalning till fil" in page
    response = auth.post(
        PROPOSAL,
        {
            "company": "1",
            "debtor_account": "1",
            "payment_date": BANK_DAY_SOON,
            "when": "samma-dag",
            "invoice_ids": invoice_ids[:2],
        },
        token_from=PROPOSAL,
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Betalfilen är skapad med 2 betalningar." in html
    assert "Köad – ej skickad" in html
    with app.app_context():
        assert len(db.session.scalars(select(Payment)).all()) == 2


def test_bad_proposals_are_swedish_messages_and_store_nothing(app, client, auth):
    with app.app_context():
        invoice_ids = add_invoices()
    auth.login("betalare")
    cases = [
        (
            {
                "company": "1",
                "debtor_account": "1",
                "payment_date": BANK_DAY_SOON,
                "when": "samma-dag",
            },
            "Välj minst en faktura",
        ),
        (
            {
                "company": "1",
                "debtor_account": "1",
                "payment_date": "igår",
                "when": "samma-dag",
                "invoice_ids": invoice_ids[0],
            },
            "Datumet ska skrivas ÅÅÅÅ-MM-DD",
        ),
        (
            {
                "company": "1",
                "debtor_account": "1",
                "payment_date": SATURDAY_SOON,
                "when": "samma-dag",
                "invoice_ids": invoice_ids[0],
            },
            "bankdag",
        ),
        (
            {
                "company": "1",
                "debtor_account": "1",
                "payment_date": BANK_DAY_SOON,
                "when": "samma-dag",
                "invoice_ids": "999",
            },
            "En eller flera fakturor finns inte hos bolaget.",
        ),
        (
            {
                "company": "1",
                "debtor_account": "1",
                "payment_date": BANK_DAY_SOON,
                "when": "samma-dag",
                "invoice_ids": ["1", "nio", str(2**40)],
            },
            "En eller flera fakturor finns inte hos bolaget.",
        ),
        (
            {
                "company": "77",
                "debtor_account": "1",
                "payment_date": BANK_DAY_SOON,
                "when": "samma-dag",
                "invoice_ids": invoice_ids[0],
            },
            "Inte ett giltigt val",
        ),
    ]
    for data, message in cases:
        response = auth.post(PROPOSAL, data, token_from=PROPOSAL)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    with app.app_context():
        assert db.session.scalars(select(PaymentFile)).all() == []


def add_bank_account(company_name="Testbolaget AB") -> int:
    company = db.session.scalar(select(Company).where(Company.name == company_name))
    account = DebtorAccount(
        account_type="BBAN", account="54400123456", currency="SEK", agreement_id="TEST-SEB-2"
    )
    company.debtor_accounts.append(account)
    db.session.commit()
    return account.id


def test_the_payer_chooses_the_paying_account_and_the_choice_survives_an_error(app, client, auth):
    with app.app_context():
        invoice_ids = add_invoices()
        bank_account = add_bank_account()
    auth.login("betalare")
    page = client.get(PROPOSAL).get_data(as_text=True)
    assert '<label for="debtor_account">Betalas från</label>' in page
    assert '<option selected value="1">Bankkonto 6000-123456789 (SEK)</option>' in page
    assert f'<option value="{bank_account}">Bankkonto 5440-0123456 (SEK)</option>' in page
    chosen = {"company": "1", "debtor_account": str(bank_account), "invoice_ids": invoice_ids[0]}
    refused = auth.post(
        PROPOSAL,
        {**chosen, "payment_date": SATURDAY_SOON, "when": "samma-dag"},
        token_from=PROPOSAL,
    ).get_data(as_text=True)
    assert "bankdag" in refused
    assert f'<option selected value="{bank_account}">Bankkonto 5440-0123456' in refused
    assert '<option value="1">Bankkonto 6000-123456789 (SEK)</option>' in refused
    response = auth.post(
        PROPOSAL,
        {**chosen, "payment_date": BANK_DAY_SOON, "when": "samma-dag"},
        token_from=PROPOSAL,
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Betalas från Bankkonto 5440-0123456 (SEK)" in page


def test_a_single_account_is_shown_as_text_and_sent_with_the_form(app, client, auth):
    with app.app_context():
        add_invoices()
    auth.login("betalare")
    page = client.get(PROPOSAL).get_data(as_text=True)
    paying = page[page.index("Betalas från") : page.index("Betaldatum")]
    assert "<span>Bankkonto 6000-123456789 (SEK)</span>" in paying
    assert '<input type="hidden" name="debtor_account" value="1">' in paying
    assert "<select" not in paying


def test_an_account_not_the_companys_is_a_message_on_the_field(app, client, auth):
    with app.app_context():
        invoice_ids = add_invoices()
        db.session.add(Company(name="Andra bolaget AB", orgnr="2021005448", country="SE"))
        others = add_bank_account("Andra bolaget AB")
    auth.login("betalare")
    fields = {
        "company": "1",
        "payment_date": BANK_DAY_SOON,
        "when": "samma-dag",
        "invoice_ids": invoice_ids[0],
    }
    for account in (str(others), "999", "", "ett", "99999999999999999999", None):
        data = fields if account is None else {**fields, "debtor_account": account}
        response = auth.post(PROPOSAL, data, token_from=PROPOSAL)
        assert response.status_code == 422, account
        html = response.get_data(as_text=True)
        assert (
            '<p class="field-error" id="debtor_account-error-1">'
            "Välj ett av bolagets egna konton att betala från.</p>"
        ) in html, account
    with app.app_context():
        assert db.session.scalars(select(PaymentFile)).all() == []


def test_attesters_cannot_create_payment_files(client, auth):
    auth.login("attestant")
    assert client.get(PROPOSAL).status_code == 403


HTMX = {"HX-Request": "true"}
POLLING = 'hx-trigger="every 2s"'


def row_of(html, payment_id):
    row = html[html.index(f'id="payment-{payment_id}"') :]
    return row[: row.index("</tr>")]


def file_with_failed_payment(one_payment_per_batch=True, reached_inyett=False):
    """A file of two payments sent to Inyett: the first failed there, the second answered;
    `reached_inyett` when Inyett holds the failed one's batch (so undo deletes it there)."""
    activate_inyett(one_payment_per_batch=one_payment_per_batch)
    payment_file = create_file(add_invoices()[:2])
    failed, answered = payment_file.payments
    failed.batch.state = "failed"
    if reached_inyett:
        failed.batch.first_attempt_at = failed.batch.sent_at = failed.batch.created_at
    failed.inyett_state, failed.inyett_error = "failed", "Inyett svarade 400: ogiltigt konto"
    answered.inyett_state = "answered"
    db.session.commit()
    return payment_file.id, failed.id, answered.id


def test_skicka_igen_in_the_attest_list_replaces_its_row_which_then_waits(app, client, auth):
    with app.app_context():
        _, failed_id, _ = file_with_failed_payment()
    auth.login("attestant")
    html = client.get("/attest").get_data(as_text=True)
    row = row_of(html, failed_id)
    assert f'hx-post="/attest/{failed_id}/skicka-igen"' in row
    assert f'hx-target="#payment-{failed_id}"' in row
    response = auth.post(f"/attest/{failed_id}/skicka-igen", headers=HTMX, token_from="/attest")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.strip().startswith(f'<tr id="payment-{failed_id}"')
    assert "Köad – ej skickad" in html and "Skicka igen" not in html
    assert POLLING in html and f'hx-get="/attest/{failed_id}"' in html
    again = auth.post(f"/attest/{failed_id}/skicka-igen", headers=HTMX, token_from="/attest")
    assert again.status_code == 409
    assert "Betalningen behöver inte skickas igen." in again.get_data(as_text=True)


def test_skicka_igen_without_javascript_still_returns_to_the_page(app, client, auth):
    with app.app_context():
        file_id, failed_id, _ = file_with_failed_payment()
    auth.login("betalare")
    page = f"/betalningar/filer/{file_id}"
    response = auth.post(f"/betalningar/{failed_id}/skicka-igen", token_from=page)
    assert response.status_code == 302 and response.headers["Location"] == page
    assert "Skatteverket skickas till Inyett igen." in client.get(page).get_data(as_text=True)
    attester = Auth(app.test_client())
    attester.login("attestant")
    response = attester.post(f"/attest/{failed_id}/skicka-igen", token_from="/attest")
    assert response.status_code == 302 and response.headers["Location"] == "/attest"
    html = attester.client.get("/attest").get_data(as_text=True)
    assert "Betalningen behöver inte skickas igen." in html


def test_skicka_igen_on_a_payment_undone_meanwhile_says_so(app, client, auth):
    # The page was loaded while the payment had Fel; someone undid it before the click.
    with app.app_context():
        file_id, failed_id, _ = file_with_failed_payment()
        undo_payment(db.session.get(Payment, failed_id), actor="attestant")
    auth.login("betalare")
    page = f"/betalningar/filer/{file_id}"
    response = auth.post(f"/betalningar/{failed_id}/skicka-igen", token_from=page)
    # It has left its file: back to the list of files, which says why nothing was sent.
    assert response.status_code == 302 and response.headers["Location"] == "/betalningar/filer"
    assert "Betalningen är ångrad." in client.get("/betalningar/filer").get_data(as_text=True)
    htmx = auth.post(f"/betalningar/{failed_id}/skicka-igen", headers=HTMX, token_from=page)
    assert htmx.status_code == 409
    assert "Betalningen är ångrad." in htmx.get_data(as_text=True)


def test_a_payment_date_more_than_a_year_ahead_is_refused_at_the_field(app, client, auth):
    with app.app_context():
        invoice_id = add_invoices()[0]
    auth.login("betalare")
    latest = TODAY + timedelta(days=365)
    response = auth.post(
        PROPOSAL,
        {
            "company": "1",
            "debtor_account": "1",
            "payment_date": "9999-12-31",
            "when": "samma-dag",
            "invoice_ids": invoice_id,
        },
        token_from=PROPOSAL,
    )
    assert response.status_code == 422
    field = field_of(response.get_data(as_text=True), "payment_date")
    assert f"Betaldatum kan ligga högst ett år fram i tiden, senast {latest.isoformat()}." in field
    with app.app_context():
        assert db.session.scalars(select(PaymentFile)).all() == []
        assert db.session.get(SupplierInvoice, invoice_id).status == "open"


def field_of(html: str, name: str) -> str:
    """The form field `name` as drawn on the page: its label, input and errors."""
    start = html.rindex('<div class="field', 0, html.index(f'id="{name}"'))
    return html[start : html.index("</div>", start)]


def test_the_file_page_polls_only_rows_waiting_for_inyett(app, client, auth):
    with app.app_context():
        activate_inyett()
        payment_file = create_file(add_invoices()[:2])
        waiting, answered = payment_file.payments
        answered.inyett_state = "answered"
        db.session.commit()
        file_id, waiting_id, answered_id = payment_file.id, waiting.id, answered.id
    auth.login("betalare")
    html = client.get(f"/betalningar/filer/{file_id}").get_data(as_text=True)
    assert POLLING in row_of(html, waiting_id)
    assert f'hx-get="/betalningar/{waiting_id}"' in row_of(html, waiting_id)
    assert POLLING not in row_of(html, answered_id)
    assert 'hx-trigger="payment-changed from:body"' in html  # the file's status follows rows
    still_waiting = client.get(f"/betalningar/{waiting_id}", headers=HTMX)
    assert POLLING in still_waiting.get_data(as_text=True)
    assert "HX-Trigger" not in still_waiting.headers
    with app.app_context():
        db.session.get(Payment, waiting_id).inyett_state = "answered"
        db.session.commit()
    answered_now = client.get(f"/betalningar/{waiting_id}", headers=HTMX)
    html = answered_now.get_data(as_text=True)
    assert "Inga varningar" in html and POLLING not in html
    assert answered_now.headers["HX-Trigger"] == "payment-changed"
    status = client.get(f"/betalningar/filer/{file_id}/status", headers=HTMX)
    assert "2 av 2 betalningar väntar på attest." in status.get_data(as_text=True)


def test_a_payer_undoes_a_payment_on_the_file_page_and_is_told_what_leaves_with_it(
    app, client, auth
):
    with app.app_context():
        file_id, failed_id, answered_id = file_with_failed_payment(
            one_payment_per_batch=False, reached_inyett=True
        )
    auth.login("betalare")
    page = f"/betalningar/filer/{file_id}"
    html = client.get(page).get_data(as_text=True)
    assert f'hx-get="/betalningar/{failed_id}/angra"' in row_of(html, failed_id)
    confirmation = client.get(f"/betalningar/{failed_id}/angra", headers=HTMX).get_data(
        as_text=True
    )
    assert 'colspan="7"' in confirmation
    assert "Inyett tar bort även dessa 1:" in confirmation and "Plusgirobolaget AB" in confirmation
    assert f'hx-get="/betalningar/{failed_id}"' in confirmation  # Avbryt: back to this row
    response = auth.post(f"/betalningar/{failed_id}/angra", headers=HTMX, token_from=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "payment-changed"
    assert "Ångrad" in row_of(html, failed_id)
    assert "Borttagen hos Inyett" in row_of(html, answered_id)
    assert html.count('hx-swap-oob="outerHTML"') == 1
    with app.app_context():
        assert db.session.get(Payment, failed_id).status == "undone"
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.kind == "undo")).one()
    assert entry.actor == "betalare"
    again = auth.post(f"/betalningar/{failed_id}/angra", headers=HTMX, token_from=page)
    assert again.status_code == 409
    assert "Betalningen är redan ångrad." in again.get_data(as_text=True)


def test_undoing_the_attested_payment_with_fel_makes_the_file_ready_for_the_bank(app, client, auth):
    with app.app_context():
        file_id, failed_id, answered_id = file_with_failed_payment()
        for payment_id in (failed_id, answered_id):
            payment = db.session.get(Payment, payment_id)
            payment.status, payment.attested_by = "attested", "attestant"
        db.session.commit()
    auth.login("betalare")
    page = f"/betalningar/filer/{file_id}"
    html = client.get(page).get_data(as_text=True)
    assert "1 av 2 betalningar har Fel hos Inyett: skicka igen eller ångra." in html
    confirmation = client.get(f"/betalningar/{failed_id}/angra", headers=HTMX).get_data(
        as_text=True
    )
    assert "Attesten av attestant gäller inte längre." in confirmation
    auth.post(f"/betalningar/{failed_id}/angra", headers=HTMX, token_from=page)
    status = client.get(f"/betalningar/filer/{file_id}/status", headers=HTMX).get_data(as_text=True)
    assert "Filen är klar för banken." in status and "Ladda ner betalfil för banken" in status


def test_totals_on_the_proposal_the_file_page_and_the_files_list(app, client, auth):
    with app.app_context():
        invoice_ids = add_invoices()
    auth.login("betalare")
    assert "Inga fakturor markerade." in client.get(PROPOSAL).get_data(as_text=True)
    refused = auth.post(
        PROPOSAL,
        {
            "company": "1",
            "debtor_account": "1",
            "payment_date": SATURDAY_SOON,
            "when": "samma-dag",
            "invoice_ids": invoice_ids[:2],
        },
        token_from=PROPOSAL,
    ).get_data(as_text=True)
    # The ticked boxes stay ticked, and their sum is said (the script keeps it up to date).
    assert 'Markerade: 2 fakturor · Summa <span class="nowrap">19\xa0449,50 SEK</span>' in refused
    assert 'data-amount="999.50" data-currency="SEK"' in refused
    response = auth.post(
        PROPOSAL,
        {
            "company": "1",
            "debtor_account": "1",
            "payment_date": BANK_DAY_SOON,
            "when": "samma-dag",
            "invoice_ids": invoice_ids[1:2],
        },
        token_from=PROPOSAL,
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Betalfilen är skapad med 1 betalning." in page
    assert '1 betalning · Summa <span class="nowrap">999,50 SEK</span>' in page
    assert '<td class="num" data-label="Summa">999,50 SEK</td>' in client.get(
        "/betalningar/filer"
    ).get_data(as_text=True)


def test_a_queued_row_says_why_it_is_not_sent_yet(app, client, auth):
    with app.app_context():
        activate_inyett()
        payment = create_file(add_invoices()[:1]).payments[0]
        payment.batch.attempts = 5
        payment.batch.last_error = (
            "Inyett har ett tillfälligt fel (HTTP 503). Försöker igen. (försök 5 av 20)"
        )
        db.session.commit()
        file_id, payment_id = payment.payment_file_id, payment.id
    auth.login("betalare")
    row = row_of(client.get(f"/betalningar/filer/{file_id}").get_data(as_text=True), payment_id)
    assert "Köad – ej skickad" in row and "(HTTP 503)" in row and "försök 5 av 20" in row
    attester = Auth(app.test_client())
    attester.login("attestant")
    row = row_of(attester.client.get("/attest").get_data(as_text=True), payment_id)
    assert "Köad – ej skickad" in row and "försök 5 av 20" in row


def test_a_refused_api_key_tells_non_admins_who_can_fix_it(app, client, auth):
    with app.app_context():
        file_id, failed_id, _ = file_with_failed_payment()
        db.session.get(Payment, failed_id).inyett_error = str(api_client.KeyRefused())
        db.session.commit()
    page = f"/betalningar/filer/{file_id}"
    admin_needed = "En administratör behöver kontrollera API-nyckeln under Systeminställningar"
    auth.login("betalare")
    row = row_of(client.get(page).get_data(as_text=True), failed_id)
    assert "Inyett godtog inte API-nyckeln." in row and admin_needed in row
    admin = Auth(app.test_client())
    admin.login("admin")
    row = row_of(admin.client.get(page).get_data(as_text=True), failed_id)
    assert "Inyett godtog inte API-nyckeln." in row and admin_needed not in row


def test_file_page_rows_keep_account_numbers_whole_and_name_the_co_removed_cause(app, client, auth):
    with app.app_context():
        file_id, failed_id, answered_id = file_with_failed_payment(
            one_payment_per_batch=False, reached_inyett=True
        )
    auth.login("betalare")
    page = f"/betalningar/filer/{file_id}"
    auth.post(f"/betalningar/{failed_id}/angra", headers=HTMX, token_from=page)
    html = client.get(page).get_data(as_text=True)
    row = row_of(html, answered_id)
    assert 'Plusgiro <span class="nowrap">12 34 56-6</span>' in row
    assert "när betalningen till Skatteverket (faktura F-1001) ångrades." in row
    assert "Skicka igen" in row
    assert "1 av 1 betalning har tagits bort hos Inyett med en delad batch" in html
    assert "lar för banken" not in html


def test_a_file_the_schema_refuses_is_a_swedish_answer_and_nothing_is_saved(app, client, auth):
    """An account stored before BICs were checked as the schema does (ESSESE1S), at a bank
    whose BIC the registry does not know (Lunar), cannot make a valid file: the payer is told
    what to do, and no payment or file is left behind."""
    with app.app_context():
        account = db.session.get(DebtorAccount, 1)
        account.account, account.bank, account.bic = "97101000004", "generic_se", "ESSESE1S"
        db.session.commit()
        activate_inyett()
        invoice_ids = add_invoices()
    auth.login("betalare")
    response = auth.post(
        PROPOSAL,
        {
            "company": "1",
            "debtor_account": "1",
            "payment_date": BANK_DAY_SOON,
            "when": "samma-dag",
            "invoice_ids": invoice_ids[:2],
        },
        token_from=PROPOSAL,
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Betalfilen kunde inte skapas" in html
    assert "Systeminställningar › Bolag" in html
    with app.app_context():
        assert db.session.scalars(select(Payment)).all() == []
        assert db.session.scalars(select(PaymentFile)).all() == []
        assert all(i.status == "open" for i in db.session.scalars(select(SupplierInvoice)))


def file_after_a_shared_batch_undo() -> tuple[int, list[int]]:
    """A file of three payments whose shared batch Inyett dropped when the third was undone;
    the first had been attested on the answer that is now gone."""
    activate_inyett(one_payment_per_batch=False)
    payment_file = create_file(add_invoices()[:3])
    first, second, third = payment_file.payments
    first.batch.state = "deleted"
    for payment in (first, second):
        payment.inyett_state, payment.batch = "removed", None
    first.status, first.attested_by = "attested", "attestant"
    db.session.commit()
    undo_payment(third, actor="attestant")
    return payment_file.id, [first.id, second.id]


def test_skicka_igen_alla_sends_every_dropped_payment_in_a_batch_of_its_own(app, client, auth):
    with app.app_context():
        file_id, dropped_ids = file_after_a_shared_batch_undo()
    auth.login("betalare")
    page = f"/betalningar/filer/{file_id}"
    html = client.get(page).get_data(as_text=True)
    assert "2 betalningar i filen togs bort hos Inyett när en delad batch ångrades." in html
    assert f'hx-post="{page}/skicka-igen"' in html and "Skicka igen alla (2)" in html
    response = auth.post(f"{page}/skicka-igen", headers=HTMX, token_from=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 betalningar skickas till Inyett igen, var och en i en egen batch." in html
    assert "Skicka igen alla" not in html and html.count("Köad – ej skickad") == 2
    with app.app_context():
        resent = [db.session.get(Payment, i) for i in dropped_ids]
        assert {p.inyett_state for p in resent} == {"queued"}
        assert len({p.batch_id for p in resent}) == 2
        # Attested on an answer Inyett no longer has: it waits for a new attest.
        assert (resent[0].status, resent[0].attested_by) == ("awaiting_attest", None)
        trail = db.session.scalars(
            select(AuditEntry.summary).where(AuditEntry.summary.contains("Skicka igen alla"))
        ).all()
        assert len(trail) == 2
        assert any("attesten av attestant gäller inte längre" in entry for entry in trail)
    again = auth.post(f"{page}/skicka-igen", headers=HTMX, token_from=page)
    assert again.status_code == 409
    assert "Ingen betalning i filen behöver skickas igen." in again.get_data(as_text=True)


def test_skicka_igen_alla_while_one_was_sent_again_meanwhile_sends_none(app, client, auth):
    with app.app_context():
        file_id, (first_id, second_id) = file_after_a_shared_batch_undo()
        seen = db.session.get(PaymentFile, file_id)
        assert len([p for p in seen.payments if p.inyett_state == "removed"]) == 2
        with app.app_context():
            payment_service.resend(db.session.get(Payment, second_id), actor="admin")
        with pytest.raises(PaymentRejected, match="^Någon annan hann skicka igen"):
            payment_service.resend_removed(seen, actor="betalare")
        assert db.session.get(Payment, first_id).inyett_state == "removed"
    auth.login("betalare")
    page = f"/betalningar/filer/{file_id}"
    response = auth.post(f"{page}/skicka-igen", token_from=page)
    assert response.status_code == 302 and response.headers["Location"] == page
    assert "1 betalning skickas till Inyett igen" in client.get(page).get_data(as_text=True)
