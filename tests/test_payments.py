import json
import re
import time
from datetime import date
from decimal import Decimal

import pytest
import requests
import responses
from lxml import etree
from responses import matchers
from sqlalchemy import select
from sqlalchemy import update

from inyett import ids
from inyett import pain001
from inyett.extensions import db
from inyett.models import MAX_DATABASE_ID
from inyett.models import AuditEntry
from inyett.models import Company
from inyett.models import DebtorAccount
from inyett.models import InyettBatch
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import SupplierInvoice
from inyett.services import payments
from inyett.services.payments import PaymentRejected
from inyett.services.settings import get_settings
from tests.conftest import INYETT_URL
from tests.conftest import make_app
from tests.payments_helpers import API_KEY
from tests.payments_helpers import PAYMENT_DATE
from tests.payments_helpers import TODAY
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file
from tests.payments_helpers import drain
from tests.payments_helpers import its_own_answer
from tests.payments_helpers import stored_batch_id

BATCHES = f"{INYETT_URL}/3/SE/payment-control/batches"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def batch_ids():
    return [b.external_id for b in db.session.scalars(select(InyettBatch).order_by(InyettBatch.id))]


def id_pattern(reference: str, number: str) -> str:
    """The shape of an id sent to Inyett: reference, installation, row number, random part."""
    installation = get_settings().installation_id
    lead = f"{reference}-" if reference else ""
    return rf"^{lead}{installation}-{number}-[0-9A-HJKMNP-TV-Z]{{4}}$"


def test_one_payment_per_batch_gives_each_payment_its_own_batch(ctx):
    activate_inyett(batch_reference="AcmeProd")
    payment_file = create_file(add_invoices())
    batches = db.session.scalars(select(InyettBatch).order_by(InyettBatch.id)).all()
    assert len(batches) == 4
    for batch in batches:
        assert re.match(id_pattern("AcmeProd", str(batch.id)), batch.external_id)
        assert [re.match(id_pattern("AcmeProd", f"P{p.id}"), p.external_id) for p in batch.payments]
    assert {p.inyett_state for p in payment_file.payments} == {"queued"}
    assert all(b.one_payment_per_batch for b in batches)


def test_one_batch_per_file_when_the_setting_is_off(ctx):
    activate_inyett(batch_reference="AcmeProd", one_payment_per_batch=False)
    payment_file = create_file(add_invoices())
    [batch_id] = batch_ids()
    assert re.match(id_pattern("AcmeProd", "1"), batch_id)
    assert {p.batch.external_id for p in payment_file.payments} == {batch_id}


def test_without_a_reference_the_ids_start_with_the_installation(ctx):
    activate_inyett(batch_reference="")
    payment = create_file(add_invoices()[:2]).payments[0]
    assert [re.match(id_pattern("", str(n)), b) for n, b in enumerate(batch_ids(), 1)]
    assert re.match(id_pattern("", f"P{payment.id}"), payment.external_id)


def test_two_installations_sharing_a_key_never_send_the_same_id(tmp_path):
    # Same reference (empty), same row numbers: before, both sent batch "1" and payment "P1",
    # and the second was "delivered" by a 409 and read the first one's analysis.
    sent = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        with make_app(tmp_path / name).app_context():
            activate_inyett(batch_reference="")
            payment = create_file(add_invoices()[:1]).payments[0]
            sent.append((payment.batch.external_id, payment.external_id))
    assert sent[0][0] != sent[1][0] and sent[0][1] != sent[1][1]


def test_ids_stay_within_35_characters_and_a_reference_saved_longer_is_cut(ctx):
    settings = get_settings()
    settings.batch_reference = "R" * 20  # allowed before the limit was 12
    longest = ids.payment_external_id(settings, MAX_DATABASE_ID)
    assert len(longest) == 35 and longest.startswith("R" * 12 + "-")
    assert len(ids.batch_external_id(settings, MAX_DATABASE_ID)) == 34
    assert ids.payment_external_id(settings, 1) != ids.payment_external_id(settings, 1)


def test_changing_the_reference_later_does_not_change_stored_ids(ctx):
    activate_inyett(batch_reference="Gammal", one_payment_per_batch=False)
    create_file(add_invoices()[:2])
    activate_inyett(batch_reference="Ny", one_payment_per_batch=True)
    batch = db.session.scalars(select(InyettBatch)).one()
    assert batch.external_id.startswith("Gammal-")
    assert batch.one_payment_per_batch is False


def test_inactive_connection_creates_the_file_and_marks_payments_not_checked(ctx):
    payment_file = create_file(add_invoices())
    assert batch_ids() == []
    assert {p.inyett_state for p in payment_file.payments} == {"inactive"}
    assert payment_file.xml.startswith(b"<?xml")


def test_the_file_is_a_valid_pain001_with_our_payment_ids_as_end_to_end_ids(ctx):
    activate_inyett()
    payment_file = create_file(add_invoices())
    tree = etree.fromstring(payment_file.xml)
    ids = tree.xpath("//p:CdtTrfTxInf/p:PmtId/p:EndToEndId/text()", namespaces=NS)
    assert ids == [p.external_id for p in payment_file.payments]
    assert tree.xpath("//p:GrpHdr/p:CtrlSum/text()", namespaces=NS) == ["20683.60"]
    invoices = db.session.scalars(select(SupplierInvoice)).all()
    assert {i.status for i in invoices} == {"in_payment"}


def test_invoices_already_in_a_payment_cannot_be_paid_twice(ctx):
    ids = add_invoices()
    create_file(ids[:1])
    with pytest.raises(
        PaymentRejected,
        match="^Fakturan F-1001 hann tas med i en annan betalning. Listan visar nu de fakturor",
    ):
        create_file(ids)
    # Nothing half-saved: the other invoices are still open, in no payment.
    assert {db.session.get(SupplierInvoice, i).status for i in ids[1:]} == {"open"}
    assert len(db.session.scalars(select(Payment)).all()) == 1


@pytest.mark.parametrize(
    ("payment_date", "message"),
    [(date(2026, 11, 20), "bakåt i tiden"), (date(2026, 11, 28), "bankdag")],
)
def test_payment_dates_in_the_past_or_on_weekends_are_refused(ctx, payment_date, message):
    ids = add_invoices()
    company = db.session.get(SupplierInvoice, ids[0]).company
    with pytest.raises(PaymentRejected, match=message):
        payments.create_payment_file(
            company.id,
            ids,
            payment_date,
            debtor_account_id=company.debtor_accounts[0].id,
            actor="b",
            today=TODAY,
        )
    assert db.session.scalars(select(Payment)).all() == []


@pytest.mark.parametrize(
    ("country", "payment_date", "message"),
    [
        (
            "SE",
            date(2026, 12, 24),
            "2026-12-24 är inte en bankdag i Sverige. Närmaste bankdag är 2026-12-28.",
        ),
        (
            "SE",
            date(2026, 12, 31),
            "2026-12-31 är inte en bankdag i Sverige. Närmaste bankdag är 2027-01-04.",
        ),
        (
            "SE",
            date(2027, 6, 25),
            "2027-06-25 är inte en bankdag i Sverige. Närmaste bankdag är 2027-06-28.",
        ),
        # Skjærtorsdag: a bank day in Sweden, a public holiday in Norway.
        (
            "NO",
            date(2027, 3, 25),
            "2027-03-25 är inte en bankdag i Norge. Närmaste bankdag är 2027-03-30.",
        ),
        (
            "NO",
            date(2027, 5, 17),
            "2027-05-17 är inte en bankdag i Norge. Närmaste bankdag är 2027-05-18.",
        ),
    ],
)
def test_a_holiday_of_the_companys_country_is_refused_with_the_next_bank_day(
    ctx, country, payment_date, message
):
    ids = add_invoices()
    company = db.session.get(SupplierInvoice, ids[0]).company
    company.country = country
    db.session.commit()
    with pytest.raises(PaymentRejected) as rejected:
        payments.create_payment_file(
            company.id,
            ids,
            payment_date,
            debtor_account_id=company.debtor_accounts[0].id,
            actor="b",
            today=TODAY,
        )
    assert str(rejected.value) == message
    assert rejected.value.field == "payment_date"
    assert db.session.scalars(select(Payment)).all() == []


def test_a_file_dated_on_a_norwegian_bank_day_that_is_no_swedish_one_is_created(ctx):
    ids = add_invoices()
    invoice = db.session.get(SupplierInvoice, ids[0])
    company = invoice.company
    company.country = "NO"
    # A Norwegian company pays a Norwegian account in kroner (a Swedish bankgiro it cannot).
    invoice.supplier.country, invoice.supplier.account_type = "NO", "BBAN"
    invoice.supplier.account, invoice.currency, invoice.ocr = "86011117947", "NOK", None
    company.debtor_accounts[0].currency = "NOK"
    db.session.commit()
    payment_file = payments.create_payment_file(
        company.id,
        [invoice.id],
        date(2026, 12, 31),
        debtor_account_id=company.debtor_accounts[0].id,
        actor="b",
        today=TODAY,
    )
    assert payment_file.payment_date == date(2026, 12, 31)


def test_a_payment_date_may_be_a_year_ahead_but_not_a_day_more(ctx):
    ids = add_invoices()
    company = db.session.get(SupplierInvoice, ids[0]).company

    def pay(invoice_ids, payment_date):
        return payments.create_payment_file(
            company.id,
            invoice_ids,
            payment_date,
            debtor_account_id=company.debtor_accounts[0].id,
            actor="b",
            today=TODAY,
        )

    with pytest.raises(PaymentRejected) as rejected:
        pay(ids[:1], date(2027, 11, 25))  # a Thursday, a year and a day after TODAY
    assert str(rejected.value) == (
        "Betaldatum kan ligga högst ett år fram i tiden, senast 2027-11-24."
    )
    assert rejected.value.field == "payment_date"
    assert pay(ids[:1], date(2027, 11, 24)).payment_date == date(2027, 11, 24)


def add_bank_account(company_name="Testbolaget AB") -> DebtorAccount:
    """A bank account for the company to pay from, after its bankgiro."""
    company = db.session.scalar(select(Company).where(Company.name == company_name))
    account = DebtorAccount(
        account_type="BBAN", account="54400123456", currency="SEK", agreement_id="TEST-SEB-2"
    )
    company.debtor_accounts.append(account)
    db.session.commit()
    return account


@responses.activate
def test_the_chosen_account_pays_in_the_file_and_in_the_batch_sent_to_inyett(ctx):
    activate_inyett(batch_reference="Acme", one_payment_per_batch=False)
    chosen = add_bank_account()
    payment_file = create_file(add_invoices()[:2], debtor_account_id=chosen.id)
    assert payment_file.debtor_account == chosen
    tree = etree.fromstring(payment_file.xml)
    # One file, one paying account: every payment of it leaves from the chosen one.
    assert tree.xpath("//p:DbtrAcct/p:Id/p:Othr/p:Id/text()", namespaces=NS) == ["54400123456"]
    assert tree.xpath("//p:DbtrAcct//p:SchmeNm/p:Cd/text()", namespaces=NS) == ["BBAN"]
    # Its bank by the BIC read from the clearing number 5440 (SEB), not by the clearing.
    assert tree.xpath("//p:DbtrAgt/p:FinInstnId/p:BIC/text()", namespaces=NS) == ["ESSESESS"]
    responses.post(
        BATCHES,
        json={"code": 200},
        match=[
            matchers.json_params_matcher(
                {"externalId": stored_batch_id(1), "debtorAccount": "54400123456"},
                strict_match=False,
            )
        ],
    )
    responses.get(
        f"{BATCHES}/{stored_batch_id(1)}/warnings", json={"status": "Pending", "transactions": []}
    )
    drain(rounds=1)
    assert {p.inyett_state for p in payment_file.payments} == {"awaiting_answer"}


def test_an_account_of_another_company_or_of_none_is_refused_and_nothing_stored(ctx):
    db.session.add(Company(name="Andra bolaget AB", orgnr="2021005448", country="SE"))
    others = add_bank_account("Andra bolaget AB")
    ids = add_invoices()
    for account_id in (others.id, 999):
        with pytest.raises(PaymentRejected) as refused:
            create_file(ids, debtor_account_id=account_id)
        assert str(refused.value) == "Välj ett av bolagets egna konton att betala från."
        assert refused.value.field == "debtor_account"
    assert db.session.scalars(select(PaymentFile)).all() == []
    assert db.session.scalars(select(Payment)).all() == []
    assert {i.status for i in db.session.scalars(select(SupplierInvoice))} == {"open"}


@responses.activate
def test_sending_posts_the_contracts_json_for_each_batch(ctx):
    activate_inyett(batch_reference="Acme")
    payment_file = create_file(add_invoices()[:1])
    payment = payment_file.payments[0]
    responses.post(
        BATCHES,
        json={"code": 200},
        match=[
            matchers.header_matcher({"Authorization": f"Bearer {API_KEY}"}),
            matchers.json_params_matcher(
                {
                    "externalId": stored_batch_id(1),
                    "debtorAccount": "55555551",
                    "transactions": [
                        {
                            "externalId": payment.external_id,
                            "amount": "18450.00",
                            "currency": "SEK",
                            "creditorAccountType": "BGNR",
                            "creditorAccount": "50501055",
                            "creditorOrgNr": "2021005448",
                            "ocr": "1234567806",
                            "invoiceNr": "F-1001",
                            "verNr": payment_file.message_id,
                            "paymentdate": f"{PAYMENT_DATE.isoformat()}T00:00:00",
                        }
                    ],
                }
            ),
        ],
    )
    responses.get(
        f"{BATCHES}/{stored_batch_id(1)}/warnings", json={"status": "Pending", "transactions": []}
    )
    drain(rounds=1)
    assert payment.inyett_state == "awaiting_answer"


@responses.activate
def test_shared_batch_sends_all_payments_in_one_request(ctx):
    activate_inyett(batch_reference="Acme", one_payment_per_batch=False)
    payment_file = create_file(add_invoices())
    ids = [p.external_id for p in payment_file.payments]
    common = {
        "currency": "SEK",
        "verNr": payment_file.message_id,
        "paymentdate": f"{PAYMENT_DATE.isoformat()}T00:00:00",
    }
    # BATCHES is the company's profile country's address: /3/SE/payment-control/batches.
    responses.post(
        BATCHES,
        json={"code": 200},
        match=[
            matchers.header_matcher({"Authorization": f"Bearer {API_KEY}"}),
            matchers.json_params_matcher(
                {
                    "externalId": stored_batch_id(1),
                    "debtorAccount": "55555551",
                    "transactions": [
                        {
                            "externalId": ids[0],
                            "amount": "18450.00",
                            "creditorAccountType": "BGNR",
                            "creditorAccount": "50501055",
                            "creditorOrgNr": "2021005448",
                            "ocr": "1234567806",
                            "invoiceNr": "F-1001",
                            **common,
                        },
                        {
                            "externalId": ids[1],
                            "amount": "999.50",
                            "creditorAccountType": "PGNR",
                            "creditorAccount": "1234566",
                            "creditorOrgNr": "5560360793",
                            "invoiceNr": "F-1002",
                            **common,
                        },
                        {
                            "externalId": ids[2],
                            "amount": "1234.00",
                            "creditorAccountType": "BBAN",
                            "creditorAccount": "50001234560",
                            "creditorOrgNr": "5560473521",
                            "ocr": "123455",
                            "invoiceNr": "F-1003",
                            **common,
                        },
                        {
                            "externalId": ids[3],
                            "amount": "0.10",
                            "creditorAccountType": "IBAN",
                            "creditorAccount": "SE4550000000058398257466",
                            "creditorOrgNr": "2120000142",
                            "invoiceNr": "F-1004",
                            **common,
                        },
                    ],
                }
            ),
        ],
    )
    responses.get(
        f"{BATCHES}/{stored_batch_id(1)}/warnings", json={"status": "Pending", "transactions": []}
    )
    drain(rounds=1)
    posts = [c for c in responses.calls if c.request.method == "POST"]
    assert len(posts) == 1
    assert {p.inyett_state for p in payment_file.payments} == {"awaiting_answer"}


@responses.activate
def test_a_500_then_200_delivers_once(ctx):
    activate_inyett()
    payment_file = create_file(add_invoices()[:1])
    responses.post(BATCHES, status=500)
    responses.post(BATCHES, json={"code": 200})
    responses.get(f"{BATCHES}/{stored_batch_id(1)}/warnings", json=its_own_answer(1))
    drain()
    posts = [c for c in responses.calls if c.request.method == "POST"]
    assert len(posts) == 2
    assert payment_file.payments[0].inyett_state == "answered"
    assert payment_file.payments[0].warnings == []


@responses.activate
def test_a_timeout_then_already_exists_counts_as_delivered(ctx):
    activate_inyett()
    payment_file = create_file(add_invoices()[:1])
    responses.post(BATCHES, body=requests.Timeout())
    responses.post(BATCHES, status=409, json={"code": 409, "message": "Batch already exists"})
    responses.get(
        f"{BATCHES}/{stored_batch_id(1)}/warnings", json={"status": "Pending", "transactions": []}
    )
    drain(rounds=2)
    assert payment_file.payments[0].inyett_state == "awaiting_answer"
    assert payment_file.payments[0].batch.state == "awaiting_answer"


@responses.activate
def test_a_re_sent_batch_answered_with_the_configured_status_counts_as_delivered(tmp_path):
    app = make_app(tmp_path, BATCH_EXISTS_STATUS=422)
    with app.app_context():
        activate_inyett()
        payment_file = create_file(add_invoices()[:1])
        responses.post(BATCHES, body=requests.Timeout())
        responses.post(BATCHES, status=422, json={"code": 422, "message": "Batch exists"})
        responses.get(
            f"{BATCHES}/{stored_batch_id(1)}/warnings",
            json={"status": "Pending", "transactions": []},
        )
        drain(rounds=2)
        assert payment_file.payments[0].inyett_state == "awaiting_answer"
        assert "fanns redan hos Inyett" in db.session.scalar(
            select(AuditEntry.summary).where(AuditEntry.kind == "inyett_send")
        )


@responses.activate
def test_undo_after_a_send_that_got_no_answer_deletes_the_batch_at_inyett(ctx):
    # The create call may have reached Inyett before the connection broke: undo must not
    # leave a batch there that the app believes was never sent.
    activate_inyett()
    payment_file = create_file(add_invoices()[:1])
    responses.post(BATCHES, body=requests.ConnectionError())
    drain(rounds=1)
    payment = payment_file.payments[0]
    assert payment.batch.state == "queued" and payment.batch.sent_at is None
    preview = payments.undo_payment(payment, actor="attestant")
    assert preview.deletes_batch_at_inyett
    responses.delete(f"{BATCHES}/{stored_batch_id(1)}", status=404, json={"code": 404})
    drain()
    assert [c.request.method for c in responses.calls] == ["POST", "DELETE"]
    assert db.session.scalar(select(InyettBatch.state)) == "deleted"


@responses.activate
def test_a_400_ends_in_fel_with_inyetts_reason_and_no_retry(ctx):
    activate_inyett()
    payment_file = create_file(add_invoices()[:1])
    responses.post(BATCHES, status=400, json={"code": 400, "message": "debtorAccount is invalid"})
    drain()
    payment = payment_file.payments[0]
    assert payment.inyett_state == "failed"
    assert "debtorAccount is invalid" in payment.inyett_error
    assert len(responses.calls) == 1
    assert any(
        s.startswith(f"Batch {stored_batch_id(1)} misslyckades:")
        and "debtorAccount is invalid" in s
        for s in audit_summaries()
    )


@responses.activate
def test_a_delete_that_keeps_failing_is_logged_once_and_tried_again(ctx):
    ctx.config["SEND_MAX_ATTEMPTS"] = 1
    activate_inyett()
    payment_file = create_file(add_invoices()[:1])
    responses.post(BATCHES, status=201, json={})
    drain(rounds=1)
    payments.undo_payment(payment_file.payments[0], actor="attestant")
    responses.delete(f"{BATCHES}/{stored_batch_id(1)}", status=503)
    drain(rounds=3)
    assert [c.request.method for c in responses.calls] == ["POST", "DELETE", "DELETE", "DELETE"]
    assert db.session.scalar(select(InyettBatch.state)) == "delete_queued"
    logged = [s for s in audit_summaries() if "kunde inte tas bort hos Inyett" in s]
    assert len(logged) == 1 and logged[0].startswith(
        f"Batch {stored_batch_id(1)} kunde inte tas bort"
    )


def audit_summaries() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.summary)))


@responses.activate
def test_429_waits_as_long_as_retry_after_says(ctx):
    activate_inyett()
    create_file(add_invoices()[:1])
    responses.post(BATCHES, status=429, headers={"Retry-After": "120"})
    from inyett.services import outbox
    from inyett.services.settings import client_for_batch

    outbox.process_due(client_for_batch)
    batch = db.session.scalars(select(InyettBatch)).one()
    wait = (batch.next_attempt_at - batch.created_at).total_seconds()
    assert 115 < wait < 130
    assert batch.state == "queued"


@responses.activate
def test_warnings_are_polled_until_analysed_and_stored_per_payment(ctx):
    activate_inyett(one_payment_per_batch=False)
    payment_file = create_file(add_invoices()[:2])
    first, second = payment_file.payments
    responses.post(BATCHES, json={"code": 200})
    responses.get(
        f"{BATCHES}/{stored_batch_id(1)}/warnings", json={"status": "Pending", "transactions": []}
    )
    responses.get(
        f"{BATCHES}/{stored_batch_id(1)}/warnings",
        json={
            "status": "Analysed",
            "transactions": [
                {
                    "externalId": first.external_id,
                    "warnings": [
                        {
                            "code": "LimitAmount",
                            "name": "Limit amount",
                            "description": "Above the limit",
                            "category": "Transaction",
                        },
                        {"code": "BrandNewCode", "name": "New", "description": "Something new"},
                    ],
                },
                {"externalId": second.external_id, "warnings": []},
            ],
        },
    )
    drain()
    assert [w.code for w in first.warnings] == ["LimitAmount", "BrandNewCode"]
    assert first.warning_count == 2
    assert second.inyett_state == "answered" and second.warnings == []


def test_nothing_is_lost_when_the_app_restarts_between_commit_and_send(tmp_path):
    from tests.conftest import make_app

    app = make_app(tmp_path)
    with app.app_context():
        activate_inyett()
        create_file(add_invoices()[:2])
    fresh = make_app_without_setup(tmp_path, app.config)
    with responses.RequestsMock() as mock:
        mock.post(BATCHES, json={"code": 200})
        result = fresh.test_cli_runner().invoke(args=["inyett", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "2 steg utförda" in result.output
    with fresh.app_context():
        states = {p.inyett_state for p in db.session.scalars(select(Payment))}
    assert states == {"awaiting_answer"}


def test_after_a_restart_the_worker_sends_what_was_queued_without_any_request(tmp_path):
    from tests.conftest import make_app

    app = make_app(tmp_path)
    with app.app_context():
        activate_inyett()
        create_file(add_invoices()[:2])
    with responses.RequestsMock() as mock:
        mock.post(BATCHES, json={"code": 200})
        restarted = make_app_without_setup(tmp_path, {**app.config, "OUTBOX_WORKER": True})
        try:
            deadline = time.monotonic() + 10
            with restarted.app_context():
                while time.monotonic() < deadline:
                    states = set(db.session.scalars(select(Payment.inyett_state)))
                    db.session.commit()
                    if states == {"awaiting_answer"}:
                        break
                    time.sleep(0.05)
        finally:
            restarted.extensions["inyett_outbox_worker"].stop()
        assert states == {"awaiting_answer"}
        assert len(mock.calls) == 2


def make_app_without_setup(tmp_path, config):
    from inyett import create_app
    from tests.conftest import disposed_after_test

    keys = (
        "TESTING",
        "DATABASE_URL",
        "SECRET_KEY",
        "ENCRYPTION_KEY",
        "API_URL",
        "TEST_API_URL",
        "OUTBOX_WORKER",
        "PASSWORD_HASH_METHOD",
    )
    return disposed_after_test(create_app({key: config[key] for key in keys}))


@responses.activate
def test_undo_with_one_payment_per_batch_deletes_only_its_batch(ctx):
    activate_inyett()
    payment_file = create_file(add_invoices()[:2])
    first, second = payment_file.payments
    responses.post(BATCHES, json={"code": 200})
    responses.get(f"{BATCHES}/{stored_batch_id(1)}/warnings", json=its_own_answer(1))
    responses.get(f"{BATCHES}/{stored_batch_id(2)}/warnings", json=its_own_answer(2))
    drain()
    preview = payments.undo_payment(first, actor="attestant")
    assert preview.deletes_batch_at_inyett and preview.co_removed == []
    responses.delete(f"{BATCHES}/{stored_batch_id(1)}", json={"code": 200})
    drain()
    deletes = [c.request.url for c in responses.calls if c.request.method == "DELETE"]
    assert deletes == [f"{BATCHES}/{stored_batch_id(1)}"]
    assert second.inyett_state == "answered"
    assert first.invoice.status == "open"
    assert first.payment_file is None
    tree = etree.fromstring(payment_file.xml)
    assert tree.xpath("//p:EndToEndId/text()", namespaces=NS) == [second.external_id]


@responses.activate
def test_undo_in_a_shared_batch_removes_the_others_at_inyett_and_they_can_be_resent(ctx):
    activate_inyett(one_payment_per_batch=False)
    payment_file = create_file(add_invoices()[:3])
    first, second, third = payment_file.payments
    responses.post(BATCHES, json={"code": 200})
    responses.get(f"{BATCHES}/{stored_batch_id(1)}/warnings", json=its_own_answer(1))
    drain()
    assert [p.external_id for p in payments.preview_undo(first).co_removed] == [
        second.external_id,
        third.external_id,
    ]
    payments.undo_payment(first, actor="attestant")
    responses.delete(f"{BATCHES}/{stored_batch_id(1)}", json={"code": 200})
    drain()
    assert (second.inyett_state, third.inyett_state) == ("removed", "removed")
    assert second.inyett_error == (
        "Batchen togs bort hos Inyett när betalningen till Skatteverket (faktura F-1001) ångrades."
    )
    assert second.payment_file is payment_file  # still paid, only no longer checked
    payments.resend(second, actor="betalare")
    assert second.batch.external_id == stored_batch_id(2)
    assert second.batch.one_payment_per_batch is True


@responses.activate
def test_an_attested_payment_sent_again_after_removal_must_be_attested_again(ctx):
    from inyett.models import User
    from inyett.services import attestation

    activate_inyett(one_payment_per_batch=False)
    first, second = create_file(add_invoices()[:2]).payments
    responses.post(BATCHES, json={"code": 200})
    responses.get(f"{BATCHES}/{stored_batch_id(1)}/warnings", json=its_own_answer(1))
    drain()
    attester = db.session.scalar(select(User).where(User.username == "attestant"))
    attestation.attest(second, user=attester, acknowledged=False)
    payments.undo_payment(first, actor="attestant")
    responses.delete(f"{BATCHES}/{stored_batch_id(1)}", json={"code": 200})
    drain()
    assert (second.status, second.inyett_state) == ("attested", "removed")
    payments.resend(second, actor="betalare")
    assert second.status == "awaiting_attest" and second.attested_by is None
    assert "attesten av attestant gäller inte längre" in db.session.scalar(
        select(AuditEntry.summary).order_by(AuditEntry.id.desc())
    )


def test_undo_of_a_payment_never_sent_touches_nothing_at_inyett(ctx):
    activate_inyett()
    payment_file = create_file(add_invoices()[:1])
    preview = payments.undo_payment(payment_file.payments[0], actor="attestant")
    assert not preview.deletes_batch_at_inyett
    assert db.session.scalars(select(InyettBatch)).one().state == "deleted"


def test_amounts_are_exact_decimals(ctx):
    activate_inyett()
    payment_file = create_file(add_invoices())
    assert sum(p.amount for p in payment_file.payments) == Decimal("20683.60")
    assert get_settings().active


@responses.activate
def test_the_admins_skicka_igen_queues_only_a_failed_batch(app, client, auth):
    with app.app_context():
        activate_inyett()
        create_file(add_invoices()[:2])
        responses.post(BATCHES, status=400, json={"code": 400, "message": "debtorAccount is bad"})
        drain()
        failed, other = db.session.scalars(select(InyettBatch).order_by(InyettBatch.id))
        other.state = "answered"
        db.session.commit()
        failed_id, answered_id = failed.id, other.id
    auth.login("admin")
    queue = "/systeminstallningar/inyett-ko"
    assert "vid Skicka igen" in client.get(queue).get_data(as_text=True)  # no time for a Fel
    answered = auth.post(f"{queue}/{answered_id}/skicka-igen", token_from=queue)
    assert "har inte misslyckats" in client.get(answered.headers["Location"]).get_data(as_text=True)
    auth.post(f"{queue}/{failed_id}/skicka-igen", token_from=queue)
    with app.app_context():
        states = [b.state for b in db.session.scalars(select(InyettBatch).order_by(InyettBatch.id))]
    assert states == ["queued", "answered"]


@responses.activate
def test_a_payment_changed_while_its_batch_is_sent_makes_the_sender_send_again(ctx):
    # An attester may act while Inyett answers; the sender's write then fails its version check,
    # and instead of failing the batch it sends again, which Inyett answers with "exists".
    activate_inyett()
    payment = create_file(add_invoices()[:1]).payments[0]

    def created_while_someone_changes_the_payment(request):
        with db.engine.begin() as other_connection:
            other_connection.execute(
                update(Payment).values(version=Payment.version + 1, message="ändrad")
            )
        return 200, {}, json.dumps({"code": 200})

    responses.add_callback(responses.POST, BATCHES, created_while_someone_changes_the_payment)
    drain(rounds=1)
    db.session.expire_all()
    batch = db.session.scalar(select(InyettBatch))
    assert batch.state == "queued" and batch.claimed_by is None
    responses.replace(responses.POST, BATCHES, status=409, json={"code": 409})
    responses.get(f"{BATCHES}/{stored_batch_id(1)}/warnings", json=its_own_answer(1))
    drain()
    assert payment.inyett_state == "answered" and payment.message == "ändrad"


def test_a_message_the_payees_channel_cannot_carry_stops_the_file_and_nothing_is_stored(ctx):
    ids = add_invoices()
    plusgiro_invoice = db.session.get(SupplierInvoice, ids[1])
    plusgiro_invoice.message = "Faktura K-88 för oktober och november"
    db.session.commit()
    with pytest.raises(PaymentRejected) as refused:
        create_file(ids)
    assert str(refused.value) == (
        "Meddelandet till Plusgirobolaget AB är 37 tecken men mottagaren får bara 25. "
        "Korta meddelandet på betalningen. Inget sparades."
    )
    assert db.session.scalars(select(PaymentFile)).all() == []
    assert {i.status for i in db.session.scalars(select(SupplierInvoice))} == {"open"}


def test_the_file_names_the_payer_by_its_bank_account_bank_and_agreement(ctx, monkeypatch):
    """Before: DbtrAcct was the bankgiro, DbtrAgt had no BIC and InitgPty only the org.nr.
    Now the Debtor carries the company's bank account, the BIC read from it, the bank's
    profile, the agreement id and the company's own bankgiro."""
    orders = []
    build_valid = pain001.build_valid
    monkeypatch.setattr(
        pain001, "build_valid", lambda order: orders.append(order) or build_valid(order)
    )
    create_file(add_invoices()[:1])
    debtor = orders[-1].debtor
    assert (debtor.account_type, debtor.account) == ("BBAN", "6000123456789")
    assert (debtor.bic, debtor.bank) == ("HANDSESS", "handelsbanken")
    assert (debtor.agreement_id, debtor.bankgiro, debtor.plusgiro) == (
        "TEST-HB-1",
        "55555551",
        None,
    )
