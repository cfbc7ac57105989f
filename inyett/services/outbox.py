"""The outbox: batches are committed first and sent afterwards, with bounded retries, so that
creating a payment file never fails or loses payments because Inyett is slow or down.

A batch moves queued -> awaiting_answer -> answered (or failed), and delete_queued -> deleted.
Workers claim a batch with one conditional UPDATE before touching it, so two workers (threads
or processes, on SQLite or PostgreSQL) never handle the same batch at once.
"""

import contextlib
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from datetime import timedelta

from flask import current_app
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update

from inyett import api_client
from inyett.api_client import InyettClient
from inyett.api_client import InyettError
from inyett.extensions import db
from inyett.models import InyettBatch
from inyett.models import PaymentWarning
from inyett.models import utcnow
from inyett.services import audit

BATCH_STATES = {
    "queued": "Köad",
    "awaiting_answer": "Väntar på svar",
    "answered": "Svar mottaget",
    "failed": "Fel",
    "delete_queued": "Ska tas bort hos Inyett",
    "deleted": "Borttagen",
}
ACTIVE_STATES = ("queued", "awaiting_answer", "delete_queued")
MAX_SEND_ATTEMPTS = 8
MAX_POLLS = 40
FIRST_POLL_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 300.0
CLAIM_SECONDS = 120.0

ClientFactory = Callable[[InyettBatch], InyettClient]


class BatchBusy(Exception):
    """Another worker holds the batch right now."""


def backoff_seconds(attempt: int, first: float = 2.0) -> float:
    """Exponential back-off, capped: 2, 4, 8 … seconds."""
    return min(MAX_BACKOFF_SECONDS, first * 2 ** max(0, attempt - 1))


def claim(batch_id: int, owner: str, now: datetime) -> bool:
    """Take the batch for `CLAIM_SECONDS`; False when someone else holds it."""
    result = db.session.execute(
        update(InyettBatch)
        .where(InyettBatch.id == batch_id)
        .where(or_(InyettBatch.claimed_until.is_(None), InyettBatch.claimed_until < now))
        .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), claimed_by=owner)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def release(batch: InyettBatch) -> None:
    batch.claimed_until = None
    batch.claimed_by = None


def due_batch_ids(now: datetime, limit: int = 100) -> list[int]:
    """Ids of batches whose next step is due and that nobody holds."""
    return list(
        db.session.scalars(
            select(InyettBatch.id)
            .where(InyettBatch.state.in_(ACTIVE_STATES))
            .where(InyettBatch.next_attempt_at <= now)
            .where(or_(InyettBatch.claimed_until.is_(None), InyettBatch.claimed_until < now))
            .order_by(InyettBatch.next_attempt_at, InyettBatch.id)
            .limit(limit)
        )
    )


def process_due(
    make_client: ClientFactory, now: Callable[[], datetime] = utcnow, concurrency: int = 1
) -> int:
    """Handle every batch that is due now, `concurrency` at a time; return how many."""
    owner = uuid.uuid4().hex
    claimed = [batch_id for batch_id in due_batch_ids(now()) if claim(batch_id, owner, now())]
    if concurrency <= 1 or len(claimed) <= 1:
        for batch_id in claimed:
            _process_claimed(batch_id, make_client, now)
        return len(claimed)
    app = current_app._get_current_object()

    def process_in_own_session(batch_id: int) -> None:
        with app.app_context():
            try:
                _process_claimed(batch_id, make_client, now)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="inyett-send") as pool:
        list(pool.map(process_in_own_session, claimed))
    return len(claimed)


def _process_claimed(batch_id: int, make_client: ClientFactory, now: Callable[[], datetime]):
    batch = db.session.get(InyettBatch, batch_id, populate_existing=True)
    process_batch(batch, make_client, now())


def process_batch(batch: InyettBatch, make_client: ClientFactory, now: datetime) -> None:
    """Take the batch's next step at Inyett and store the outcome (the caller holds the claim)."""
    try:
        client = make_client(batch)
        if batch.state == "queued":
            _send(batch, client, now)
        elif batch.state == "awaiting_answer":
            _poll(batch, client, now)
        elif batch.state == "delete_queued":
            _delete(batch, client, now)
    except InyettError as error:
        _failed_attempt(batch, error, now)
    except Exception as error:  # noqa: BLE001 - a bad batch must not stop the others
        db.session.rollback()
        _give_up(batch, f"Oväntat fel: {type(error).__name__}", now)
    release(batch)
    db.session.commit()


def batch_body(batch: InyettBatch) -> dict:
    """The create-batch request for Inyett (contract: shared/spec/inyett-api.md)."""
    return {
        "externalId": batch.external_id,
        "debtorAccount": batch.debtor_account,
        "transactions": [
            {
                key: value
                for key, value in {
                    "externalId": p.external_id,
                    "amount": f"{p.amount:.2f}",
                    "currency": p.currency,
                    "creditorAccountType": p.account_type,
                    "creditorAccount": p.account,
                    "creditorOrgNr": p.supplier_orgnr,
                    "ocr": p.ocr,
                    "invoiceNr": p.invoice_number,
                    "verNr": p.payment_file.message_id if p.payment_file else None,
                    "paymentdate": f"{p.payment_date.isoformat()}T00:00:00",
                }.items()
                if value
            }
            for p in batch.payments
        ],
    }


def _send(batch: InyettBatch, client: InyettClient, now: datetime) -> None:
    if not batch.payments:
        batch.state = "deleted"
        return
    body, country = batch_body(batch), batch.country
    _end_transaction()
    created = client.create_batch(country, body)
    batch.state = "awaiting_answer"
    batch.sent_at = now
    batch.attempts = 0
    batch.last_error = None
    batch.next_attempt_at = now + timedelta(seconds=FIRST_POLL_SECONDS)
    _set_payments(batch, "awaiting_answer", None)
    audit.record(
        "inyett_send",
        "system",
        f"Batch {batch.external_id} skickad med {len(batch.payments)} betalningar"
        + ("" if created else " (fanns redan hos Inyett)"),
    )


def _poll(batch: InyettBatch, client: InyettClient, now: datetime) -> None:
    country, batch_id = batch.country, batch.external_id
    _end_transaction()
    answer = client.get_warnings(country, batch_id)
    if not answer.analysed:
        batch.attempts += 1
        if batch.attempts >= MAX_POLLS:
            _give_up(batch, "Inyett har inte analyserat batchen. Försök igen senare.", now)
        else:
            batch.next_attempt_at = now + timedelta(
                seconds=backoff_seconds(batch.attempts, FIRST_POLL_SECONDS)
            )
        return
    for payment in batch.payments:
        payment.warnings = [
            PaymentWarning(
                code=w.code[:60],
                name=w.name[:200],
                description=w.description[:1000],
                category=w.category[:40],
            )
            for w in answer.transactions.get(payment.external_id, [])
        ]
        payment.warning_count = len(payment.warnings)
    batch.state = "answered"
    batch.answered_at = now
    batch.last_error = None
    _set_payments(batch, "answered", None)


def _delete(batch: InyettBatch, client: InyettClient, now: datetime) -> None:
    # Already gone at Inyett is just as good: the goal is that Inyett no longer has it.
    country, batch_id = batch.country, batch.external_id
    _end_transaction()
    with contextlib.suppress(api_client.BatchNotFound):
        client.delete_batch(country, batch_id)
    batch.state = "deleted"
    batch.last_error = None
    audit.record("inyett_delete", "system", f"Batch {batch.external_id} borttagen hos Inyett")


def _end_transaction() -> None:
    # Holding a database transaction open while Inyett answers would block the other senders
    # (SQLite locks the whole file); nothing is pending here, so this only ends the read.
    db.session.commit()


def _failed_attempt(batch: InyettBatch, error: InyettError, now: datetime) -> None:
    batch.attempts += 1
    if not error.retryable or batch.attempts >= MAX_SEND_ATTEMPTS:
        _give_up(batch, str(error), now)
        return
    wait = getattr(error, "retry_after", None) or backoff_seconds(batch.attempts)
    batch.next_attempt_at = now + timedelta(seconds=wait)
    batch.last_error = f"{error} (försök {batch.attempts} av {MAX_SEND_ATTEMPTS})"


def _give_up(batch: InyettBatch, reason: str, now: datetime) -> None:
    batch.last_error = reason[:500]
    if batch.state == "delete_queued":
        # The payments are already undone here; the admin's queue shows the pending delete.
        batch.next_attempt_at = now + timedelta(seconds=MAX_BACKOFF_SECONDS)
        return
    batch.state = "failed"
    _set_payments(batch, "failed", reason[:500])


def _set_payments(batch: InyettBatch, state: str, error: str | None) -> None:
    for payment in batch.payments:
        payment.inyett_state = state
        payment.inyett_error = error


def retry(batch: InyettBatch, *, actor: str) -> None:
    """Queue a failed batch again ("Skicka igen"); a batch Inyett already has counts as sent."""
    batch.state = "awaiting_answer" if batch.sent_at else "queued"
    batch.attempts = 0
    batch.next_attempt_at = utcnow()
    batch.last_error = None
    _set_payments(batch, "queued" if batch.state == "queued" else "awaiting_answer", None)
    audit.record("inyett_send", actor, f"Batch {batch.external_id} köad igen")
    db.session.commit()


def unfinished_count() -> int:
    """How many batches still have a step to take at Inyett."""
    return db.session.scalar(
        select(func.count(InyettBatch.id)).where(InyettBatch.state.in_(ACTIVE_STATES))
    )


def unfinished_batches(limit: int = 500) -> list[InyettBatch]:
    """Batches with a step left at Inyett, or that failed, oldest first (the admin's queue)."""
    return list(
        db.session.scalars(
            select(InyettBatch)
            .where(InyettBatch.state.in_((*ACTIVE_STATES, "failed")))
            .order_by(InyettBatch.id)
            .limit(limit)
        )
    )
