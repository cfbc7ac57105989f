"""A batch id Inyett already holds for another batch (another installation with the same key,
a restored database, a reinstall) must never make a payment show "Inga varningar": Inyett's
answer for that id is about someone else's transactions."""

import re

import pytest
import responses
from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy import text

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import InyettBatch
from inyett.models import InyettSettings
from inyett.models import User
from inyett.services import attestation
from inyett.services import backup
from inyett.services import outbox
from inyett.services import payments
from inyett.services.settings import get_settings
from tests.conftest import INYETT_URL
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file
from tests.payments_helpers import drain
from tests.payments_helpers import its_own_answer

BATCHES = f"{INYETT_URL}/3/SE/payment-control/batches"
EXISTS = {"status": 409, "json": {"code": 409, "message": "Batch already exists"}}
PENDING = {"status": "Pending", "transactions": []}
WARNING = {"code": "LimitAmount", "name": "Limit amount", "description": "d", "category": "T"}


def someone_elses_answer(external_id: str = "P1") -> dict:
    # The other installation's transaction, with no warnings: what used to read as ours.
    return {"status": "Analysed", "transactions": [{"externalId": external_id, "warnings": []}]}


@pytest.fixture
def payment(app):
    with app.app_context():
        activate_inyett(batch_reference="")
        yield create_file(add_invoices()[:1]).payments[0]


def warnings_url(external_id: str) -> str:
    return f"{BATCHES}/{external_id}/warnings"


def calls(method: str) -> list[str]:
    return [c.request.url for c in responses.calls if c.request.method == method]


@responses.activate
def test_an_analysed_answer_without_the_payment_is_fel_never_no_warnings(payment):
    first_id = payment.batch.external_id
    responses.post(BATCHES, json={"code": 200})
    responses.get(warnings_url(first_id), json=someone_elses_answer())
    drain()
    assert payment.inyett_state == "failed"
    assert payment.inyett_error == (
        "Inyetts svar saknar betalningen; batch-id:t kan tillhöra en annan installation. "
        "Välj Skicka igen."
    )
    assert payment.warnings == [] and payment.batch.answered_at is None
    # The id is someone else's at Inyett: an undo now must not delete their batch.
    assert payment.batch.external_id != first_id
    assert payments.preview_undo(payment).deletes_batch_at_inyett is False


@responses.activate
def test_skicka_igen_after_a_foreign_answer_sends_under_a_new_id_and_gets_its_own(payment):
    first_id = payment.batch.external_id
    responses.post(BATCHES, json={"code": 200})
    responses.get(warnings_url(first_id), json=someone_elses_answer())
    drain()
    new_id = payment.batch.external_id
    payments.resend(payment, actor="betalare")
    responses.get(warnings_url(new_id), json=its_own_answer(1, {payment.external_id: [WARNING]}))
    drain()
    assert payment.inyett_state == "answered"
    assert [w.code for w in payment.warnings] == ["LimitAmount"]
    posted = [c.request.body for c in responses.calls if c.request.method == "POST"]
    assert [first_id.encode() in body for body in posted] == [True, False]
    assert new_id.encode() in posted[1]


@responses.activate
def test_a_409_for_another_installations_batch_is_sent_again_under_a_new_id(payment):
    first_id = payment.batch.external_id
    responses.post(BATCHES, **EXISTS)
    responses.post(BATCHES, json={"code": 200})
    responses.get(warnings_url(first_id), json=someone_elses_answer())
    drain(rounds=1)
    batch = payment.batch
    assert batch.state == "queued" and batch.external_id != first_id
    assert payment.inyett_state == "queued"
    assert "fanns redan hos Inyett för en annan batch" in batch.last_error

    responses.get(warnings_url(batch.external_id), json=its_own_answer(1))
    drain()
    assert payment.inyett_state == "answered"
    assert calls("DELETE") == []  # the other installation's batch is left alone
    summaries = db.session.scalars(select(AuditEntry.summary)).all()
    assert any(f"Batch-id:t {first_id} hos Inyett hör inte till" in s for s in summaries)


@responses.activate
def test_a_409_for_a_batch_deleted_at_inyett_is_sent_again_under_a_new_id(payment):
    # E.g. a restored database still has a batch that was undone after the backup.
    first_id = payment.batch.external_id
    responses.post(BATCHES, **EXISTS)
    responses.post(BATCHES, json={"code": 200})
    responses.get(warnings_url(first_id), status=404, json={"code": 404})
    drain(rounds=1)
    assert payment.batch.external_id != first_id
    responses.get(warnings_url(payment.batch.external_id), json=its_own_answer(1))
    drain()
    assert payment.inyett_state == "answered"


@responses.activate
def test_a_409_for_our_own_batch_sent_before_counts_as_delivered(payment):
    first_id = payment.batch.external_id
    responses.post(BATCHES, **EXISTS)
    responses.get(warnings_url(first_id), json=its_own_answer(1))
    drain()
    assert payment.inyett_state == "answered" and payment.batch.external_id == first_id
    assert len(calls("POST")) == 1


@responses.activate
def test_a_409_whose_batch_is_still_pending_is_checked_once_analysed(payment):
    # A pending answer lists no transactions, so whose batch it is shows only in the analysis.
    first_id = payment.batch.external_id
    responses.post(BATCHES, **EXISTS)
    responses.get(warnings_url(first_id), json=PENDING)
    drain(rounds=1)
    assert payment.inyett_state == "awaiting_answer"
    responses.replace(responses.GET, warnings_url(first_id), json=someone_elses_answer())
    drain()
    assert payment.inyett_state == "failed"
    assert payment.inyett_error.startswith("Inyetts svar saknar betalningen")


@responses.activate
def test_an_answer_with_more_transactions_than_the_batch_is_not_ours(app):
    with app.app_context():
        activate_inyett(one_payment_per_batch=False)
        payment_file = create_file(add_invoices()[:2])
        batch_id = payment_file.payments[0].batch.external_id
        answer = its_own_answer(1)
        answer["transactions"].append({"externalId": "Annan-P9", "warnings": []})
        responses.post(BATCHES, json={"code": 200})
        responses.get(warnings_url(batch_id), json=answer)
        drain()
        assert {p.inyett_state for p in payment_file.payments} == {"failed"}


@responses.activate
def test_a_batch_inyett_no_longer_has_is_fel_and_skicka_igen_sends_it_anew(payment):
    first_id = payment.batch.external_id
    responses.post(BATCHES, json={"code": 200})
    responses.get(warnings_url(first_id), status=404, json={"code": 404})
    drain()
    assert payment.inyett_state == "failed"
    assert payment.inyett_error == f"Inyett har inte batchen {first_id}. Välj Skicka igen."
    payments.resend(payment, actor="betalare")
    assert payment.batch.state == "queued"
    responses.get(warnings_url(payment.batch.external_id), json=its_own_answer(1))
    drain()
    assert payment.inyett_state == "answered"
    assert len(calls("POST")) == 2


@responses.activate
def test_an_id_that_is_always_taken_ends_in_fel_after_the_attempts(app):
    app.config["SEND_MAX_ATTEMPTS"] = 3
    with app.app_context():
        activate_inyett()
        payment = create_file(add_invoices()[:1]).payments[0]
        responses.post(BATCHES, **EXISTS)
        responses.get(re.compile(rf"{BATCHES}/.+/warnings"), json=someone_elses_answer())
        drain(rounds=5)
        assert payment.inyett_state == "failed"
        assert "fanns redan hos Inyett för en annan batch" in payment.inyett_error
        assert db.session.scalar(select(InyettBatch.attempts)) == 3
        assert outbox.unfinished_count() == 0


def test_the_upgrade_gives_an_existing_installation_an_id_of_its_own(app):
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(revision="3c9d1e7f5a20")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO inyett_settings (id, batch_reference, one_payment_per_batch, "
                    "active, use_test_environment) VALUES (1, 'Acme', true, true, false)"
                )
            )
        upgrade()
        installation_id = db.session.scalar(select(InyettSettings.installation_id))
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{5}", installation_id)
        assert get_settings().batch_reference == "Acme"


def attested_by_attestant(payment) -> None:
    attester = db.session.scalar(select(User).where(User.username == "attestant"))
    attestation.attest(payment, user=attester, acknowledged=False)


@responses.activate
def test_an_attested_payment_that_inyett_answers_anew_with_other_warnings_is_attested_again(
    payment,
):
    # After a restore, or Skicka igen after Fel, Inyett's answer is asked for again: what was
    # attested on "Inga varningar" must not stay attested on warnings nobody has seen.
    batch_id = payment.batch.external_id
    responses.post(BATCHES, json={"code": 200})
    responses.get(warnings_url(batch_id), json=its_own_answer(payment.batch.id))
    drain()
    attested_by_attestant(payment)
    assert payment.status == "attested"
    backup.mark_restored(actor="cli")
    responses.replace(
        responses.GET,
        warnings_url(batch_id),
        json=its_own_answer(payment.batch.id, {payment.external_id: [WARNING]}),
    )
    drain()
    assert payment.inyett_state == "answered" and payment.warning_count == 1
    assert (payment.status, payment.attested_by) == ("awaiting_attest", None)
    assert not payment.warnings_acknowledged
    summary = db.session.scalars(
        select(AuditEntry.summary).where(AuditEntry.kind == "attest").order_by(AuditEntry.id)
    ).all()[-1]
    assert summary == (
        f"Attesten av {payment.external_id} (attestant) gäller inte längre: Inyetts nya svar "
        "har andra varningar (Beloppsgräns). Betalningen attesteras igen."
    )


@responses.activate
def test_an_attested_payment_answered_anew_the_same_stays_attested(payment):
    batch_id = payment.batch.external_id
    responses.post(BATCHES, json={"code": 200})
    responses.get(
        warnings_url(batch_id),
        json=its_own_answer(payment.batch.id, {payment.external_id: [WARNING]}),
    )
    drain()
    attester = db.session.scalar(select(User).where(User.username == "attestant"))
    attestation.attest(payment, user=attester, acknowledged=True)
    backup.mark_restored(actor="cli")
    drain()
    assert (payment.status, payment.attested_by) == ("attested", "attestant")
