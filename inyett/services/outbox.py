"""The outbox: batches are committed first and sent afterwards, with bounded retries, so that
creating a payment file never fails or loses payments because Inyett is slow or down.

A batch moves queued -> awaiting_answer -> answered (or failed), and delete_queued -> deleted.
Senders claim one batch at a time with a conditional UPDATE right before they handle it, so two
senders (threads or processes, on SQLite or PostgreSQL) never handle the same batch at once, and
every step is safe to take twice (a repeated create answered with BATCH_EXISTS_STATUS counts
as delivered once Inyett shows that the batch it holds has our transactions; an answer without
them is never taken as "no warnings").
"""

import contextlib
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from datetime import timedelta

from flask import current_app
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from inyett import api_client
from inyett import ids
from inyett import warning_texts
from inyett.api_client import InyettClient
from inyett.api_client import InyettError
from inyett.extensions import db
from inyett.models import InyettBatch
from inyett.models import Payment
from inyett.models import PaymentWarning
from inyett.models import utcnow
from inyett.services import audit
from inyett.services import notices
from inyett.services import service_status
from inyett.services import settings as settings_service

BATCH_STATES = {
    "queued": "Köad",
    "awaiting_answer": "Väntar på svar",
    "answered": "Svar mottaget",
    "failed": "Fel",
    "delete_queued": "Ska tas bort hos Inyett",
    "deleted": "Borttagen",
}
ACTIVE_STATES = ("queued", "awaiting_answer", "delete_queued")
MAX_POLLS = 40
FIRST_POLL_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 300.0

ClientFactory = Callable[[InyettBatch], InyettClient]
ANSWER_LACKS_THE_PAYMENT = (
    "Inyetts svar saknar betalningen; batch-id:t kan tillhöra en annan installation. "
    "Välj Skicka igen."
)


class BatchIdTaken(InyettError):
    """Inyett holds another batch under the batch's id; it is sent again under a new one."""

    retryable = True

    def __init__(self, old_id: str, new_id: str):
        super().__init__(
            f"Batch-id:t {old_id} fanns redan hos Inyett för en annan batch; "
            f"batchen skickas som {new_id}."
        )


def backoff_seconds(attempt: int, first: float) -> float:
    """Exponential back-off, capped: first, 2 × first, 4 × first … seconds."""
    return min(MAX_BACKOFF_SECONDS, first * 2 ** max(0, attempt - 1))


def claim(batch_id: int, owner: str, now: datetime) -> bool:
    """Take the batch if nobody holds it, in one conditional UPDATE, so that of two asking at
    once exactly one gets it."""
    result = db.session.execute(
        update(InyettBatch)
        .where(InyettBatch.id == batch_id, _unclaimed(now))
        .values(**_claim_for(owner, now))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _claim_for(owner: str, now: datetime) -> dict:
    # A holder that dies only delays its batch until the claim runs out.
    hold = timedelta(seconds=float(current_app.config["SEND_CLAIM_SECONDS"]))
    return {"claimed_until": now + hold, "claimed_by": owner}


def _unclaimed(now: datetime):
    return or_(InyettBatch.claimed_until.is_(None), InyettBatch.claimed_until < now)


def _first_attempt(now: datetime):
    return func.coalesce(
        InyettBatch.first_attempt_at, case((InyettBatch.state == "queued", now), else_=None)
    )


def _due(due_by: datetime):
    return (InyettBatch.state.in_(ACTIVE_STATES), InyettBatch.next_attempt_at <= due_by)


def release(batch: InyettBatch) -> None:
    batch.claimed_until = None
    batch.claimed_by = None


def claim_next(owner: str, due_by: datetime, now: datetime) -> InyettBatch | None:
    """Claim the oldest batch due by `due_by` that nobody holds and load it with its payments;
    None when none is left.

    One UPDATE picks and claims the batch, so a sender pays one round trip to the database for
    it; the due check is repeated outside the pick because another sender may have handled the
    batch between the pick and the write."""
    oldest_due = (
        select(InyettBatch.id)
        .where(*_due(due_by), _unclaimed(now))
        .order_by(InyettBatch.next_attempt_at, InyettBatch.id)
        .limit(1)
        # PostgreSQL: senders pass over a batch another is claiming instead of waiting for it
        # and then finding it taken. SQLite has one writer at a time and leaves this out.
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    batch_id = db.session.execute(
        update(InyettBatch)
        .where(InyettBatch.id == oldest_due, *_due(due_by), _unclaimed(now))
        # A queued batch is about to be sent, and from then on Inyett may hold it: saying so in
        # the claim saves a write of its own before the call.
        .values(**_claim_for(owner, now), first_attempt_at=_first_attempt(now))
        .returning(InyettBatch.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    batch = None
    if batch_id is not None:
        batch = (
            db.session.scalars(
                select(InyettBatch)
                .where(InyettBatch.id == batch_id)
                .options(joinedload(InyettBatch.payments).joinedload(Payment.payment_file))
                .execution_options(populate_existing=True)
            )
            .unique()
            .one()
        )
    _end_transaction()
    return batch


def process_due(
    make_client: ClientFactory, now: Callable[[], datetime] = utcnow, concurrency: int = 1
) -> int:
    """Handle every batch that is due now, `concurrency` at a time; return how many.

    Each sender thread claims one batch at a time, right before it handles it, so that no
    claim runs out while waiting in a queue and other senders (threads or processes) take
    the rest meanwhile."""
    due_by = now()
    owner = uuid.uuid4().hex
    if concurrency <= 1:
        handled = _handle_claimed_until_done(make_client, now, due_by, owner)
    else:
        handled = _handle_in_threads(make_client, now, due_by, owner, concurrency)
    service_status.mark(service_status.SENDER_ALIVE)
    return handled


def _handle_in_threads(
    make_client: ClientFactory,
    now: Callable[[], datetime],
    due_by: datetime,
    owner: str,
    concurrency: int,
) -> int:
    app = current_app._get_current_object()

    def handle_in_own_session(_thread: int) -> int:
        with app.app_context():
            try:
                return _handle_claimed_until_done(make_client, now, due_by, owner)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="inyett-send") as pool:
        return sum(pool.map(handle_in_own_session, range(concurrency)))


def _handle_claimed_until_done(
    make_client: ClientFactory, now: Callable[[], datetime], due_by: datetime, owner: str
) -> int:
    handled = 0
    client_for = _one_client_per_environment(make_client)
    while (batch := claim_next(owner, due_by, now())) is not None:
        process_batch(batch, client_for, now())
        handled += 1
    return handled


def _one_client_per_environment(make_client: ClientFactory) -> ClientFactory:
    # A client costs a settings read and a decryption; one run of a sender uses the key it
    # started with.
    clients: dict[bool, InyettClient] = {}

    def client_for(batch: InyettBatch) -> InyettClient:
        if batch.test_environment not in clients:
            clients[batch.test_environment] = make_client(batch)
        return clients[batch.test_environment]

    return client_for


def process_batch(batch: InyettBatch, make_client: ClientFactory, now: datetime) -> None:
    """Take the batch's next step at Inyett and store the outcome (the caller holds the claim)."""
    answered = False
    try:
        client = make_client(batch)
        if batch.state == "queued":
            _send(batch, client, now)
        elif batch.state == "awaiting_answer":
            _poll(batch, client, now)
        elif batch.state == "delete_queued":
            _delete(batch, client, now)
        answered = True
    except InyettError as error:
        _failed_attempt(batch, error, now)
    except Exception as error:  # noqa: BLE001 - a bad batch must not stop the others
        db.session.rollback()
        _give_up(batch, f"Oväntat fel: {type(error).__name__}", now)
    batch_id, holder = batch.id, batch.claimed_by
    release(batch)
    try:
        db.session.commit()
    except StaleDataError:
        # A payment changed meanwhile (an attester acted, or another sender took over a claim
        # that ran out). Every step is safe to take twice, so drop this outcome and let the
        # step be taken again on fresh rows.
        db.session.rollback()
        db.session.execute(
            update(InyettBatch)
            .where(InyettBatch.id == batch_id, InyettBatch.claimed_by == holder)
            .values(claimed_until=None, claimed_by=None, next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    # A round of many batches may take minutes: each batch is a sign of life too.
    service_status.mark(
        service_status.SENDER_ALIVE, *([service_status.INYETT_ANSWERED] if answered else [])
    )


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
    if not created and not _inyett_holds_this_batch(client, batch):
        raise BatchIdTaken(batch.external_id, _give_new_id(batch))
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
    try:
        answer = client.get_warnings(country, batch_id)
    except api_client.BatchNotFound:
        _give_new_id(batch)
        _give_up(batch, f"Inyett har inte batchen {batch_id}. Välj Skicka igen.", now)
        return
    if answer.analysed and not _is_this_batch(answer, batch):
        _give_new_id(batch)
        _give_up(batch, ANSWER_LACKS_THE_PAYMENT, now)
        return
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
        answered_before = _warning_keys(payment.warnings)
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
        if payment.status == "attested" and _warning_keys(payment.warnings) != answered_before:
            _withdraw_attest(payment)
    batch.state = "answered"
    batch.answered_at = now
    batch.last_error = None
    _set_payments(batch, "answered", None)


def _warning_keys(warnings) -> list[tuple[str, str]]:
    return sorted((w.code, w.description) for w in warnings)


def _withdraw_attest(payment: Payment) -> None:
    # Inyett answered again (after a restore, or Skicka igen after Fel) and not as before: the
    # attest approved warnings nobody has seen, so an attester sees the new answer first.
    names = ", ".join(warning_texts.names(payment)) or "inga varningar"
    audit.record(
        "attest",
        "system",
        f"Attesten av {payment.external_id} ({payment.attested_by}) gäller inte längre: "
        f"Inyetts nya svar har andra varningar ({names}). Betalningen attesteras igen.",
    )
    payment.status = "awaiting_attest"
    payment.attested_by = payment.attested_at = None
    payment.warnings_acknowledged = False


def _inyett_holds_this_batch(client: InyettClient, batch: InyettBatch) -> bool:
    """After a create answered "exists": is what Inyett holds under the id this very batch, sent
    before (a timeout, a sender that died), or another installation's with the same id?"""
    try:
        answer = client.get_warnings(batch.country, batch.external_id)
    except api_client.BatchNotFound:
        # Deleted there, e.g. by an undo made after the backup this database came from: no
        # analysis will come under that id.
        return False
    if not answer.analysed and not answer.transactions:
        # Inyett need not list a pending batch's transactions (the simulator does not), so it
        # cannot be told apart yet; the poll checks it once it is analysed.
        return True
    return _is_this_batch(answer, batch)


def _is_this_batch(answer: api_client.BatchWarnings, batch: InyettBatch) -> bool:
    # Transaction ids carry the installation's id and a random part (inyett.ids), so another
    # batch with exactly our transactions is ours.
    return set(answer.transactions) == {p.external_id for p in batch.payments}


def _give_new_id(batch: InyettBatch) -> str:
    """Rename a batch whose id at Inyett belongs to another batch; return the new id.

    Inyett does not hold this batch under either id, so nothing must be deleted there on its
    behalf (least of all the other batch): it counts as never sent."""
    old_id = batch.external_id
    batch.external_id = ids.batch_external_id(settings_service.get_settings(), batch.id)
    batch.first_attempt_at = batch.sent_at = None
    audit.record(
        "inyett_send",
        "system",
        f"Batch-id:t {old_id} hos Inyett hör inte till den här batchen (kanske till en annan "
        f"installation); batchen skickas som {batch.external_id}",
    )
    return batch.external_id


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
    # Commits the claim, or ends the read before a call to Inyett: holding a transaction open
    # while Inyett answers would block the other senders (SQLite locks the whole file). What
    # was read stays loaded: the claim keeps other senders off the batch, and a payment that an
    # attester changes meanwhile fails its version check and the step is taken again.
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _failed_attempt(batch: InyettBatch, error: InyettError, now: datetime) -> None:
    config = current_app.config
    max_attempts = int(config["SEND_MAX_ATTEMPTS"])
    batch.attempts += 1
    if not error.retryable or batch.attempts >= max_attempts:
        _give_up(batch, str(error), now)
        return
    wait = getattr(error, "retry_after", None) or backoff_seconds(
        batch.attempts, float(config["SEND_FIRST_RETRY_SECONDS"])
    )
    batch.next_attempt_at = now + timedelta(seconds=wait)
    batch.last_error = f"{error} (försök {batch.attempts} av {max_attempts})"


def _give_up(batch: InyettBatch, reason: str, now: datetime) -> None:
    reason = reason[:500]
    # Logged once per reason: a delete that keeps failing is tried again every few minutes.
    first_time = batch.last_error != reason
    batch.last_error = reason
    if batch.state == "delete_queued":
        # The payments are already undone here; the admin's queue shows the pending delete.
        batch.next_attempt_at = now + timedelta(seconds=MAX_BACKOFF_SECONDS)
        if first_time:
            audit.record(
                "inyett_delete",
                "system",
                f"Batch {batch.external_id} kunde inte tas bort hos Inyett: {reason} "
                "Nytt försök var femte minut.",
            )
        return
    batch.state = "failed"
    _set_payments(batch, "failed", reason)
    notices.batch_failed(batch)
    audit.record(
        "inyett_send",
        "system",
        f"Batch {batch.external_id} misslyckades: {reason} Betalningarna visar Fel tills "
        "någon väljer Skicka igen.",
    )


def _set_payments(batch: InyettBatch, state: str, error: str | None) -> None:
    for payment in batch.payments:
        payment.inyett_state = state
        payment.inyett_error = error


class NothingToRetry(Exception):
    """The batch has not failed, so "Skicka igen" has nothing to do."""


def retry(batch: InyettBatch, *, actor: str) -> None:
    """Queue a failed batch again ("Skicka igen"); a batch Inyett already has counts as sent."""
    now = utcnow()
    # One conditional UPDATE, so that of two asking at once exactly one queues the batch, and
    # not while an undo holds it.
    result = db.session.execute(
        update(InyettBatch)
        .where(InyettBatch.id == batch.id, InyettBatch.state == "failed", _unclaimed(now))
        .values(
            state=case((InyettBatch.sent_at.is_not(None), "awaiting_answer"), else_="queued"),
            attempts=0,
            next_attempt_at=now,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise NothingToRetry(
            f"Batchen {batch.external_id} har inte misslyckats och skickas inte igen."
        )
    db.session.refresh(batch)
    _set_payments(batch, "queued" if batch.state == "queued" else "awaiting_answer", None)
    audit.record("inyett_send", actor, f"Batch {batch.external_id} köad igen")
    db.session.commit()


def unfinished_count() -> int:
    """How many batches still have a step to take at Inyett."""
    return db.session.scalar(
        select(func.count(InyettBatch.id)).where(InyettBatch.state.in_(ACTIVE_STATES))
    )


def batch_counts() -> dict[str, int]:
    """How many batches are in each state that still needs something: a step left at Inyett,
    or failed (waiting for Skicka igen or Ångra)."""
    return dict(
        db.session.execute(
            select(InyettBatch.state, func.count(InyettBatch.id))
            .where(InyettBatch.state.in_((*ACTIVE_STATES, "failed")))
            .group_by(InyettBatch.state)
        ).all()
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
