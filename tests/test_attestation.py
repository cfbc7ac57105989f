from datetime import UTC
from datetime import datetime

import pytest
import responses
from sqlalchemy import event
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import PaymentWarning
from inyett.models import User
from inyett.services import attestation
from inyett.services import bank_delivery
from inyett.services.payment_list import PaymentQuery
from inyett.services.payment_list import find_payments
from inyett.services.payments import PaymentRejected
from inyett.services.payments import undo_payment
from tests.conftest import INYETT_URL
from tests.payments_helpers import PAYMENT_DATE
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import add_many_invoices
from tests.payments_helpers import create_file
from tests.payments_helpers import drain
from tests.payments_helpers import its_own_answer
from tests.payments_helpers import stored_batch_id
from tests.test_payment_views import row_of

BATCHES = f"{INYETT_URL}/3/SE/payment-control/batches"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def user(name):
    return db.session.scalar(select(User).where(User.username == name))


def answered_file(warn_first=False):
    """A file of four payments that Inyett has answered, the first with a warning if asked."""
    activate_inyett()
    payment_file = create_file(add_invoices())
    for payment in payment_file.payments:
        payment.inyett_state = "answered"
    if warn_first:
        first = payment_file.payments[0]
        first.warnings = [
            PaymentWarning(
                code="LimitAmount", name="Limit", description="d", category="Transaction"
            )
        ]
        first.warning_count = 1
    db.session.commit()
    return payment_file


def test_an_attester_attests_and_the_audit_says_so(ctx):
    payment = answered_file().payments[1]
    attestation.attest(payment, user=user("attestant"), acknowledged=False)
    assert payment.status == "attested"
    assert payment.attested_by == "attestant"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.kind == "attest")).one()
    assert payment.external_id in entry.summary


def test_warnings_require_an_explicit_acknowledgement_which_is_recorded(ctx):
    payment = answered_file(warn_first=True).payments[0]
    with pytest.raises(PaymentRejected, match="granskat varningarna"):
        attestation.attest(payment, user=user("attestant"), acknowledged=False)
    assert payment.status == "awaiting_attest"
    attestation.attest(payment, user=user("attestant"), acknowledged=True)
    assert payment.warnings_acknowledged is True
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.kind == "attest")).one()
    assert "granskade varningarna: Beloppsgräns" in entry.summary


def test_the_creator_cannot_attest_their_own_payment(ctx):
    activate_inyett()
    payment = create_file(add_invoices()[:1], actor="admin").payments[0]
    payment.inyett_state = "answered"
    db.session.commit()
    assert attestation.why_not_attestable(payment, user("admin")) == (
        "Du skapade betalningen och kan inte attestera den själv."
    )
    with pytest.raises(PaymentRejected, match="Du skapade betalningen"):
        attestation.attest(payment, user=user("admin"), acknowledged=True)


def test_a_payment_waiting_for_inyett_cannot_be_attested_yet(ctx):
    activate_inyett()
    payment = create_file(add_invoices()[:1]).payments[0]
    assert (
        attestation.why_not_attestable(payment, user("attestant")) == "Väntar på svar från Inyett."
    )


def test_a_failed_payment_must_be_sent_again_or_undone_before_attest(ctx):
    payment = answered_file().payments[0]
    payment.inyett_state = "failed"
    db.session.commit()
    assert attestation.why_not_attestable(payment, user("attestant")) == (
        "Inyett kunde inte ta emot betalningen. Skicka igen eller ångra den."
    )
    with pytest.raises(PaymentRejected, match="Skicka igen"):
        attestation.attest(payment, user=user("attestant"), acknowledged=True)


def test_a_payment_removed_at_inyett_is_not_attestable_until_sent_again(ctx):
    payment = answered_file().payments[0]
    payment.inyett_state = "removed"
    db.session.commit()
    reason = attestation.why_not_attestable(payment, user("attestant"))
    assert reason == "Inte kontrollerad av Inyett. Skicka igen eller ångra den."
    assert not attestation.needs_acknowledgement(payment)  # nothing to review: no warnings
    for acknowledged in (False, True):
        with pytest.raises(PaymentRejected, match="Skicka igen eller ångra"):
            attestation.attest(payment, user=user("attestant"), acknowledged=acknowledged)
    assert payment.status == "awaiting_attest"
    payment.inyett_state = "answered"  # sent again as its own batch, and Inyett answered
    db.session.commit()
    attestation.attest(payment, user=user("attestant"), acknowledged=False)
    assert payment.status == "attested"


def test_a_file_with_a_payment_removed_at_inyett_is_not_ready_even_when_attested(ctx):
    # Attested before another payment of its shared batch was undone: Inyett's check is gone.
    payment_file = answered_file()
    for payment in payment_file.payments:
        attestation.attest(payment, user=user("attestant"), acknowledged=False)
    payment_file.payments[1].inyett_state = "removed"
    db.session.commit()
    assert attestation.why_file_not_ready(payment_file) == (
        "1 av 4 betalningar har tagits bort hos Inyett med en delad batch och inte "
        "kontrollerats: skicka igen eller ångra."
    )
    with pytest.raises(PaymentRejected, match="tagits bort hos Inyett"):
        bank_delivery.download_for_bank(payment_file, actor="betalare")
    assert payment_file.downloaded_at is None


def test_payments_not_checked_because_the_connection_was_off_are_attested_and_downloaded(ctx):
    activate_inyett(active=False)
    payment_file = create_file(add_invoices()[:1])
    payment = payment_file.payments[0]
    assert payment.inyett_state == "inactive"
    assert not attestation.needs_acknowledgement(payment)
    attestation.attest(payment, user=user("attestant"), acknowledged=False)
    assert attestation.why_file_not_ready(payment_file) is None
    assert bank_delivery.download_for_bank(payment_file, actor="betalare").startswith(b"<?xml")


def test_messages_about_one_payment_are_singular(ctx):
    activate_inyett(active=False)
    payment_file = create_file(add_invoices()[:1])
    assert attestation.why_file_not_ready(payment_file) == "1 av 1 betalning väntar på attest."
    payment_file.payments[0].inyett_state = "failed"
    assert attestation.why_file_not_ready(payment_file) == (
        "1 av 1 betalning har Fel hos Inyett: skicka igen eller ångra."
    )


def test_the_file_is_ready_only_when_every_remaining_payment_is_attested(ctx):
    payment_file = answered_file()
    for payment in payment_file.payments[:3]:
        attestation.attest(payment, user=user("attestant"), acknowledged=False)
    assert attestation.why_file_not_ready(payment_file) == "1 av 4 betalningar väntar på attest."
    attestation.attest(payment_file.payments[3], user=user("attestant"), acknowledged=False)
    assert attestation.why_file_not_ready(payment_file) is None


def test_a_file_with_a_failed_payment_is_not_ready_even_when_attested(ctx):
    # An attested payment can fail later: resent after its shared batch was removed at Inyett.
    payment_file = answered_file()
    for payment in payment_file.payments:
        attestation.attest(payment, user=user("attestant"), acknowledged=False)
    payment_file.payments[2].inyett_state = "failed"
    db.session.commit()
    assert attestation.why_file_not_ready(payment_file) == (
        "1 av 4 betalningar har Fel hos Inyett: skicka igen eller ångra."
    )


def test_an_attested_payment_with_fel_can_be_undone_and_the_rest_of_the_file_is_ready(ctx):
    payment_file = answered_file()
    for payment in payment_file.payments:
        attestation.attest(payment, user=user("attestant"), acknowledged=False)
    failed = payment_file.payments[2]
    failed.inyett_state = "failed"
    db.session.commit()
    undo_payment(failed, actor="betalare")
    assert failed.status == "undone" and failed.invoice.status == "open"
    assert attestation.why_file_not_ready(payment_file) is None
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.kind == "undo")).one()
    assert entry.actor == "betalare"
    assert f"Ångrade {failed.external_id}" in entry.summary
    assert "attesterad av attestant" in entry.summary


def test_the_first_download_closes_the_file_to_undo_and_every_download_is_logged(ctx):
    payment_file = answered_file()
    for payment in payment_file.payments:
        attestation.attest(payment, user=user("attestant"), acknowledged=False)
    xml = bank_delivery.download_for_bank(payment_file, actor="betalare")
    assert xml.startswith(b"<?xml")
    assert payment_file.downloaded_by == "betalare"
    first_download = payment_file.downloaded_at
    with pytest.raises(PaymentRejected, match="laddades ner för banken"):
        undo_payment(payment_file.payments[0], actor="attestant")
    assert payment_file.payments[0].status == "attested"
    again = bank_delivery.download_for_bank(payment_file, actor="admin", confirmed_again=True)
    assert again == xml
    assert (payment_file.downloaded_at, payment_file.downloaded_by) == (first_download, "betalare")
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.kind == "download")).all()
    assert [e.actor for e in entries] == ["betalare", "admin"]


def test_a_file_that_is_not_ready_is_not_downloaded_nor_closed(ctx):
    payment_file = answered_file()
    with pytest.raises(PaymentRejected, match="4 av 4 betalningar väntar på attest"):
        bank_delivery.download_for_bank(payment_file, actor="betalare")
    assert payment_file.downloaded_at is None
    assert undo_payment(payment_file.payments[0], actor="betalare")


def test_a_file_whose_payments_are_all_undone_is_not_ready(ctx):
    activate_inyett(active=False)
    payment_file = create_file(add_invoices()[:1])
    undo_payment(payment_file.payments[0], actor="attestant")
    assert attestation.why_file_not_ready(payment_file) == "Alla betalningar i filen är ångrade."


def test_a_stale_version_loses_with_a_clear_message(ctx):
    payment = answered_file().payments[0]
    stale = payment.version
    attestation.attest(payment, user=user("attestant"), acknowledged=False)
    with pytest.raises(PaymentRejected, match="attestant hann attestera"):
        attestation.attest(
            payment, user=user("attestant"), acknowledged=False, expected_version=stale
        )


def test_filters_search_and_paging(ctx):
    payment_file = answered_file(warn_first=True)
    assert find_payments(PaymentQuery()).total == 4
    assert find_payments(PaymentQuery(filter="varningar")).total == 1
    assert find_payments(PaymentQuery(filter="utan-varningar")).total == 3
    assert find_payments(PaymentQuery(search="plusgiro")).payments[0].invoice_number == "F-1002"
    assert find_payments(PaymentQuery(search="F-1003")).total == 1
    assert find_payments(PaymentQuery(search="1 234,00")).payments[0].invoice_number == "F-1003"
    assert find_payments(PaymentQuery(search="100%_")).total == 0
    assert find_payments(PaymentQuery(page=2)).payments == []
    attestation.attest(payment_file.payments[1], user=user("attestant"), acknowledged=False)
    assert find_payments(PaymentQuery(status="attesterade")).total == 1


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("1234567806", ["F-1001"]),  # Skatteverket's OCR
        ("1234 5678 06", ["F-1001"]),  # as printed on the giro slip
        ("5050-1055", ["F-1001"]),  # the bankgiro as the list shows it
        ("123456-6", ["F-1002"]),  # a plusgiro number part
        ("SE45 5000 0000 0583", ["F-1004"]),  # an IBAN as grouped on an invoice
        ("5000-1234560", ["F-1003"]),  # clearing number and account
        ("123", []),  # too short to be an OCR or account: would match half the list
    ],
)
def test_the_search_finds_a_payment_by_its_ocr_or_payee_account(ctx, search, found):
    answered_file()
    payments = find_payments(PaymentQuery(search=search)).payments
    assert [p.invoice_number for p in payments] == found


def test_the_answer_filters_include_fel_borttagen_and_ej_aktiv(ctx):
    failed, removed, inactive, answered = answered_file().payments
    failed.inyett_state, removed.inyett_state, inactive.inyett_state = (
        "failed",
        "removed",
        "inactive",
    )
    db.session.commit()
    for filter_, payment in (("fel", failed), ("borttagen", removed), ("ej-aktiv", inactive)):
        assert find_payments(PaymentQuery(filter=filter_)).payments == [payment]
        assert PaymentQuery.from_args(MultiDict({"filter": filter_})).filter == filter_
    assert answered not in find_payments(PaymentQuery(filter="fel")).payments


@pytest.mark.parametrize(
    "search",
    ["1 234,00 SEK", "1\xa0234,00\xa0SEK", "1\u202f234,00 sek", "SEK 1234", "SEK1 234,00"],
)
def test_an_amount_is_found_as_the_list_shows_it_with_its_currency(ctx, search):
    answered_file()
    found = find_payments(PaymentQuery(search=search)).payments
    assert [p.invoice_number for p in found] == ["F-1003"]


def test_an_amount_in_another_currency_is_not_found(ctx):
    answered_file()
    assert find_payments(PaymentQuery(search="1 234,00 NOK")).total == 0
    assert find_payments(PaymentQuery(search="SEK 1 234,00 NOK")).total == 0


# Views


def login_attester(client, auth):
    auth.login("attestant")


def test_the_attest_page_lists_payments_with_inyetts_answer(app, client, auth):
    with app.app_context():
        answered_file(warn_first=True)
    login_attester(client, auth)
    html = client.get("/attest").get_data(as_text=True)
    assert "Attest av leverantörsbetalningar" in html
    assert "Beloppsgräns" in html  # Swedish name of LimitAmount
    assert "Inga varningar" in html
    assert "18\xa0450,00 SEK" in html
    assert 'Bankgiro <span class="nowrap">5050-1055</span>' in html


def test_every_inyett_state_has_its_own_words_in_the_list(app, client, auth):
    answered_at = datetime(2026, 3, 5, 13, 3, tzinfo=UTC)  # 14:03 in Stockholm
    with app.app_context():
        payment_file = answered_file(warn_first=True)
        warned, answered, queued, inactive = payment_file.payments
        for payment in (warned, answered):
            payment.batch.answered_at = answered_at
        queued.inyett_state = "queued"
        inactive.inyett_state = "inactive"
        db.session.commit()
        ids = [p.id for p in payment_file.payments]
    login_attester(client, auth)
    html = client.get("/attest", query_string={"status": ""}).get_data(as_text=True)
    rows = {payment_id: row_of(html, payment_id) for payment_id in ids}
    # The time is kept on one line: "2026-03-" / "05 14:03" was hard to read in a narrow column.
    answered = 'Svar mottaget <span class="nowrap">2026-03-05 14:03</span>'
    assert "Beloppsgräns" in rows[ids[0]] and answered in rows[ids[0]]
    assert "Inga varningar" in rows[ids[1]] and answered in rows[ids[1]]
    assert "Köad – ej skickad" in rows[ids[2]] and "Svar mottaget" not in rows[ids[2]]
    assert "Ej aktiv" in rows[ids[3]]
    assert "Ej kontrollerad: Inyett-kopplingen var inte aktiv." in rows[ids[3]]
    filters = html[html.index('id="filter"') : html.index("</select>", html.index('id="filter"'))]
    assert ">Köad eller väntar på svar<" in filters


def test_searching_an_amount_copied_from_the_list_finds_its_payment(app, client, auth):
    with app.app_context():
        answered_file()
    login_attester(client, auth)
    shown = client.get("/attest").get_data(as_text=True)
    assert "1\xa0234,00 SEK" in shown
    html = client.get("/attest", query_string={"sok": "1\xa0234,00 SEK"}, headers=HTMX).get_data(
        as_text=True
    )
    assert ">1 betalning<" in html
    assert "F-1003" in html and "F-1001" not in html


def test_htmx_filter_requests_get_only_the_list(app, client, auth):
    with app.app_context():
        answered_file(warn_first=True)
    login_attester(client, auth)
    response = client.get("/attest?filter=varningar", headers=HTMX)
    html = response.get_data(as_text=True)
    assert html.startswith('<section id="payment-list"')
    assert ">1 betalning<" in html
    assert "HX-Request" in response.headers["Vary"]


def test_back_to_a_list_htmx_no_longer_holds_gets_the_whole_page(app, client, auth):
    with app.app_context():
        answered_file(warn_first=True)
    login_attester(client, auth)
    restore = {**HTMX, "HX-History-Restore-Request": "true"}
    html = client.get("/attest?filter=varningar", headers=restore).get_data(as_text=True)
    assert html.startswith("<!doctype html>")
    assert '<option value="varningar" selected>Med varningar</option>' in html
    assert ">1 betalning<" in html


def test_attest_view_replaces_the_row(app, client, auth):
    with app.app_context():
        payment_id = answered_file().payments[1].id
    login_attester(client, auth)
    response = auth.post(f"/attest/{payment_id}/attestera", headers=HTMX, token_from="/attest")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="payment-{payment_id}"' in html
    assert "Attesterad" in html


def test_attest_view_without_acknowledgement_explains_in_the_row(app, client, auth):
    with app.app_context():
        payment_id = answered_file(warn_first=True).payments[0].id
    login_attester(client, auth)
    response = auth.post(f"/attest/{payment_id}/attestera", headers=HTMX, token_from="/attest")
    assert response.status_code == 409
    assert "Bekräfta att du har granskat varningarna" in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["betalare"])
def test_payers_cannot_reach_attestation(client, auth, username):
    auth.login(username)
    assert client.get("/attest").status_code == 403


@responses.activate
def test_undo_confirmation_names_co_removed_payments_and_undo_replaces_their_rows(
    app, client, auth
):
    with app.app_context():
        activate_inyett(one_payment_per_batch=False)
        payment_file = create_file(add_invoices()[:3])
        ids = [p.id for p in payment_file.payments]
        warned = {
            payment_file.payments[1].external_id: [
                {"code": "LimitAmount", "name": "Limit", "description": "d", "category": "T"}
            ],
        }
        responses.post(BATCHES, json={"code": 200})
        responses.get(f"{BATCHES}/{stored_batch_id(1)}/warnings", json=its_own_answer(1, warned))
        drain()
    login_attester(client, auth)
    confirmation = client.get(f"/attest/{ids[0]}/angra", headers=HTMX).get_data(as_text=True)
    assert "Inyett tar bort även dessa 2" in confirmation
    assert "Plusgirobolaget AB" in confirmation and "Bankbolaget AB" in confirmation
    html = auth.post(f"/attest/{ids[0]}/angra", headers=HTMX, token_from="/attest").get_data(
        as_text=True
    )
    assert "Ångrad" in html
    assert html.count('hx-swap-oob="outerHTML"') == 2
    assert "Borttagen hos Inyett" in html
    with app.app_context():
        assert db.session.get(Payment, ids[1]).inyett_state == "removed"
    # Not checked by Inyett any more: nothing to acknowledge, nor to attest until sent again.
    row = html[html.index(f'id="payment-{ids[1]}"') :]
    row = row[: row.index("</tr>")]
    assert "när betalningen till Skatteverket (faktura F-1001) ångrades." in row
    # What Inyett found before stays in sight for whoever decides whether to send it again.
    assert "Inyetts varningar innan batchen togs bort:" in row and "Beloppsgräns" in row
    assert 'disabled title="Inte kontrollerad av Inyett. Skicka igen eller ångra den."' in row
    assert "Jag har granskat varningarna" not in row and 'name="payment_ids"' not in row
    assert "has-warnings" not in row and "Skicka igen" in row


def test_the_ready_file_downloads_and_an_unready_one_does_not(app, client, auth):
    with app.app_context():
        payment_file = answered_file()
        file_id = payment_file.id
        payment_ids = [p.id for p in payment_file.payments]
    login_attester(client, auth)
    page = f"/betalningar/filer/{file_id}"
    as_shown = {"seen_date": "2026-11-26", "seen_downloads": "0"}
    response = auth.post(f"{page}/pain001.xml", as_shown, token_from=page)
    assert response.status_code == 302
    assert "Filen är inte klar för banken. 4 av 4 betalningar väntar på attest." in (
        client.get(page).get_data(as_text=True)
    )
    # The page's script asks as htmx does, and shows the reason without leaving the page.
    response = auth.post(f"{page}/pain001.xml", as_shown, headers=HTMX, token_from=page)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Filen är inte klar för banken. 4 av 4 betalningar väntar på attest." in html
    assert "<html" not in html
    for payment_id in payment_ids:
        auth.post(f"/attest/{payment_id}/attestera", headers=HTMX, token_from="/attest")
    assert "Ångra" in client.get(page).get_data(as_text=True)  # attested, not yet at the bank
    response = auth.post(f"{page}/pain001.xml", as_shown, token_from=page)
    assert response.status_code == 200
    assert response.data.startswith(b"<?xml")
    assert "attachment" in response.headers["Content-Disposition"]
    # Neither the browser nor a proxy on the way keeps a copy of what goes to the bank.
    assert response.headers["Cache-Control"] == "no-store"
    html = client.get(page).get_data(as_text=True)
    assert "Nedladdad 20" in html and " av Attestant." in html
    assert "Ångra" not in html
    response = auth.post(f"/attest/{payment_ids[0]}/angra", headers=HTMX, token_from="/attest")
    assert response.status_code == 409
    assert "Stoppa betalningen i banken." in response.get_data(as_text=True)
    # A page opened before the download still shows Ångra: its confirmation says why not.
    for confirmation in (f"/attest/{payment_ids[1]}/angra", f"/betalningar/{payment_ids[1]}/angra"):
        response = client.get(confirmation, headers=HTMX)
        html = response.get_data(as_text=True)
        assert response.status_code == 409
        assert "Ja, ångra" not in html and "Stoppa betalningen i banken." in html
        assert f'<tr id="payment-{payment_ids[1]}"' in html and "Ångra</button>" not in html


def test_the_attester_who_loses_a_race_sees_the_row_as_it_is_now_and_why(app, client, auth):
    with app.app_context():
        payment = answered_file().payments[1]
        payment_id, version = payment.id, payment.version
    login_attester(client, auth)
    client.get("/attest")  # the list as it was when this attester opened it
    with app.app_context():
        attestation.attest(
            db.session.get(Payment, payment_id), user=user("admin"), acknowledged=False
        )
    response = auth.post(
        f"/attest/{payment_id}/attestera",
        {"version": str(version)},
        headers=HTMX,
        token_from="/attest",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "admin hann attestera betalningen före dig." in html
    assert "Attesterad" in html and f'id="payment-{payment_id}"' in html


def many_answered_files(files, invoices_per_file):
    """`files` payment files whose payments Inyett has answered, every third with a warning."""
    activate_inyett()
    invoice_ids = add_many_invoices(files * invoices_per_file)
    for start in range(0, len(invoice_ids), invoices_per_file):
        payment_file = create_file(invoice_ids[start : start + invoices_per_file])
        for number, payment in enumerate(payment_file.payments):
            payment.inyett_state = "answered"
            if number % 3 == 0:
                payment.warnings = [
                    PaymentWarning(
                        code="LimitAmount", name="Limit", description="d", category="Transaction"
                    )
                ]
                payment.warning_count = 1
    db.session.commit()


def queries_for(app, client, path):
    statements = []

    def count(*_):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_list_takes_as_many_queries_for_fifty_rows_as_for_two(app, client, auth):
    with app.app_context():
        many_answered_files(files=1, invoices_per_file=2)
    login_attester(client, auth)
    for_two = queries_for(app, client, "/attest")
    with app.app_context():
        many_answered_files(files=3, invoices_per_file=20)
    assert queries_for(app, client, "/attest") == for_two


def test_paging_shows_fifty_rows_a_page_and_the_links_keep_the_filter(app, client, auth):
    with app.app_context():
        many_answered_files(files=3, invoices_per_file=25)
    login_attester(client, auth)
    first = client.get("/attest?filter=utan-varningar").get_data(as_text=True)
    assert "48 betalningar" in first and "Sida" not in first  # 2 of 3 without warnings
    first = client.get("/attest?bolag=1").get_data(as_text=True)
    assert '"count">75 betalningar<' in first and "Sida 1 av 2" in first
    assert first.count('class="payment-row') == 50
    assert 'href="/attest?bolag=1&amp;sida=2"' in first
    second = client.get("/attest?bolag=1&sida=2", headers=HTMX).get_data(as_text=True)
    assert second.count('class="payment-row') == 25
    assert "Sida 2 av 2" in second and 'href="/attest?bolag=1&amp;sida=1"' in second
    filtered = client.get("/attest?filter=varningar&bolag=1").get_data(as_text=True)
    assert "27 betalningar" in filtered
    assert client.get("/attest?sida=999").status_code == 200  # beyond the end: an empty page


def test_the_list_is_grouped_by_file_and_can_be_sorted_newest_file_first(app, client, auth):
    with app.app_context():
        many_answered_files(files=2, invoices_per_file=2)
        first_file, second_file = db.session.scalars(
            select(PaymentFile.message_id).order_by(PaymentFile.id)
        ).all()
    login_attester(client, auth)
    by_date = client.get("/attest").get_data(as_text=True)
    assert by_date.count('class="group-row"') == 2
    assert by_date.index(first_file) < by_date.index(second_file)
    by_file = client.get("/attest?sortera=fil", headers=HTMX).get_data(as_text=True)
    assert by_file.index(second_file) < by_file.index(first_file)
    assert (
        'Testbolaget AB · Betaldatum <span class="nowrap">2026-11-26</span> · skapad av betalare'
        in by_file
    )


def test_the_creators_own_row_says_why_it_cannot_be_attested(app, client, auth):
    with app.app_context():
        activate_inyett()
        payment = create_file(add_invoices()[:1], actor="admin").payments[0]
        payment.inyett_state = "answered"
        db.session.commit()
        payment_id = payment.id
    auth.login("admin")
    html = client.get("/attest").get_data(as_text=True)
    row = html[html.index(f'id="payment-{payment_id}"') :]
    row = row[: row.index("</tr>")]
    assert 'disabled title="Du skapade betalningen och kan inte attestera den själv."' in row
    assert 'name="payment_ids"' not in row  # nor can it be selected for bulk attest
    response = auth.post(f"/attest/{payment_id}/attestera", headers=HTMX, token_from="/attest")
    assert response.status_code == 409
    assert "Du skapade betalningen" in response.get_data(as_text=True)


@responses.activate
def test_undo_view_with_one_payment_per_batch_names_no_other_payment(app, client, auth):
    with app.app_context():
        activate_inyett()
        ids = [p.id for p in create_file(add_invoices()[:2]).payments]
        responses.post(BATCHES, json={"code": 200})
        for number in (1, 2):
            responses.get(
                f"{BATCHES}/{stored_batch_id(number)}/warnings", json=its_own_answer(number)
            )
        drain()
        first_batch = stored_batch_id(1)
    login_attester(client, auth)
    confirmation = client.get(f"/attest/{ids[0]}/angra", headers=HTMX).get_data(as_text=True)
    assert f"Batchen {first_batch} tas bort hos Inyett." in confirmation
    assert "Inyett tar bort även" not in confirmation
    html = auth.post(f"/attest/{ids[0]}/angra", headers=HTMX, token_from="/attest").get_data(
        as_text=True
    )
    assert "Ångrad" in html and "hx-swap-oob" not in html
    with app.app_context():
        assert db.session.get(Payment, ids[1]).inyett_state == "answered"
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.kind == "undo")).one()
    assert (
        entry.actor == "attestant" and f"batch {first_batch} tas bort hos Inyett" in entry.summary
    )


def test_the_lists_count_and_sums_follow_an_undo_in_place(app, client, auth):
    with app.app_context():
        payment_ids = [p.id for p in answered_file().payments]
    login_attester(client, auth)
    html = client.get("/attest").get_data(as_text=True)
    summary = html[html.index('id="list-summary"') :]
    summary = summary[: summary.index("</p>")]
    assert '"count">4 betalningar<' in summary
    assert 'Summa <span class="nowrap">20\xa0683,60 SEK</span>' in summary
    assert 'hx-get="/attest/summering"' in summary
    assert 'hx-trigger="payment-changed from:body"' in summary
    undone = auth.post(f"/attest/{payment_ids[0]}/angra", headers=HTMX, token_from="/attest")
    assert undone.headers["HX-Trigger"] == "payment-changed"
    attested = auth.post(f"/attest/{payment_ids[1]}/attestera", headers=HTMX, token_from="/attest")
    assert attested.headers["HX-Trigger"] == "payment-changed"
    summary = client.get("/attest/summering", headers=HTMX).get_data(as_text=True)
    assert summary.startswith('<p id="list-summary"')
    assert '"count">2 betalningar<' in summary and "1\xa0234,10 SEK" in summary
    attested_only = client.get(
        "/attest/summering?status=attesterade&sok=x%25_&sida=-3&bolag=abc", headers=HTMX
    )
    assert attested_only.status_code == 200
    assert '"count">0 betalningar<' in attested_only.get_data(as_text=True)
    assert "Summa" not in attested_only.get_data(as_text=True)


def test_the_attest_that_makes_a_file_ready_says_so_under_its_row_with_the_download(
    app, client, auth
):
    with app.app_context():
        first, last = answered_file().payments[:2]
        payment_file = first.payment_file
        for payment in payment_file.payments[2:]:
            attestation.attest(payment, user=user("attestant"), acknowledged=False)
        first_id, last_id, file_id = first.id, last.id, payment_file.id
        message_id = payment_file.message_id
    login_attester(client, auth)
    not_yet = auth.post(f"/attest/{first_id}/attestera", headers=HTMX, token_from="/attest")
    assert "Filen är klar för banken" not in not_yet.get_data(as_text=True)
    html = auth.post(f"/attest/{last_id}/attestera", headers=HTMX, token_from="/attest").get_data(
        as_text=True
    )
    assert html.strip().startswith(f'<tr id="payment-{last_id}"')
    ready = html[html.index(f'id="file-ready-{file_id}"') :]
    assert f"Filen är klar för banken:</strong> betalfil {message_id}, Testbolaget AB" in ready
    assert "4 betalningar, summa" in ready
    assert f'action="/betalningar/filer/{file_id}/pain001.xml"' in ready
    assert 'name="seen_downloads" value="0"' in ready
    assert "Ladda ner betalfil för banken (pain.001)" in ready
    # Downloaded from there, the same place then says when and by whom.
    download = auth.post(
        f"/betalningar/filer/{file_id}/pain001.xml",
        {"seen_date": PAYMENT_DATE.isoformat(), "seen_downloads": "0"},
        token_from="/attest",
    )
    assert download.status_code == 200 and message_id in download.get_data(as_text=True)
    again = client.get(f"/attest/filer/{file_id}/klar?rad=1").get_data(as_text=True)
    assert again.strip().startswith(f'<tr id="file-ready-{file_id}"')
    assert f"Betalfil {message_id} laddades ner för banken" in again and "av Attestant" in again


def test_attestera_markerade_that_makes_a_file_ready_says_so_above_the_list(app, client, auth):
    with app.app_context():
        payment_file = answered_file()
        reviewed = [f"{p.id}:{p.version}" for p in payment_file.payments]
        message_id = payment_file.message_id
    login_attester(client, auth)
    html = auth.post(
        "/attest/attestera-markerade", {"reviewed": reviewed}, headers=HTMX, token_from="/attest"
    ).get_data(as_text=True)
    result = html[: html.index("</div>\n", html.index("file-ready"))]
    assert "4 betalningar attesterade." in result
    assert f"Filen är klar för banken:</strong> betalfil {message_id}" in result
    assert "Ladda ner betalfil för banken (pain.001)" in result
