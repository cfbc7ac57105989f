"""Payments to file: from open invoices to a pain.001 file whose payments are queued for Inyett,
and undoing a payment again."""

import uuid
from dataclasses import dataclass
from datetime import date
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm.exc import StaleDataError

from inyett import pain001
from inyett.bankfiles import calendar as bank_calendar
from inyett.extensions import db
from inyett.formatting import local_datetime
from inyett.formatting import paying_account
from inyett.formatting import plural
from inyett.models import Company
from inyett.models import DebtorAccount
from inyett.models import InyettBatch
from inyett.models import InyettSettings
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import SupplierInvoice
from inyett.models import utcnow
from inyett.services import audit
from inyett.services import outbox
from inyett.services import settings as settings_service


class PaymentRejected(Exception):
    """The request cannot be carried out; `str(exc)` is a Swedish reason for the user and
    `field` the form field it is about, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


NOT_AN_OWN_ACCOUNT = "Välj ett av bolagets egna konton att betala från."
CHANGED_MEANWHILE = "Någon annan hann ändra betalningen. Listan visar nu hur den ser ut."


def why_not_a_payment_date(country: str, day: date, today: date) -> str | None:
    """Why `day` cannot be a payment date in `country` (with the date that can), or None."""
    if day < today:
        return "Betaldatum kan inte ligga bakåt i tiden."
    if not bank_calendar.is_bank_day(country, day):
        return (
            f"{day.isoformat()} är inte en bankdag i {bank_calendar.COUNTRY_NAMES[country]}. "
            f"Närmaste bankdag är {bank_calendar.next_bank_day(country, day).isoformat()}."
        )
    return None


def explain_lost_race(payment: Payment) -> str:
    """Why a change to `payment` lost to someone else's, read from what is stored now."""
    db.session.refresh(payment)
    if payment.status == "attested":
        return f"{payment.attested_by} hann attestera betalningen före dig."
    if payment.status == "undone":
        return "Betalningen hann ångras av någon annan."
    return CHANGED_MEANWHILE


def commit_or_explain() -> None:
    """Commit; when another user changed the same payment first, say so instead of failing."""
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise PaymentRejected(CHANGED_MEANWHILE) from exc


@dataclass(frozen=True)
class UndoPreview:
    """What undoing a payment does at Inyett: which other payments leave with its batch."""

    payment: Payment
    deletes_batch_at_inyett: bool
    co_removed: list[Payment]


def create_payment_file(
    company_id: int,
    invoice_ids: list[int],
    payment_date: date,
    *,
    debtor_account_id: int,
    actor: str,
    today: date,
) -> PaymentFile:
    """Store the payments, paid from the company's account `debtor_account_id`, and their
    validated pain.001 file; queue them for Inyett if active."""
    company = db.session.get(Company, company_id)
    if company is None:
        raise PaymentRejected("Bolaget finns inte.")
    if not company.debtor_accounts:
        raise PaymentRejected(
            f"{company.name} har inget eget konto att betala från. "
            "En administratör lägger till det under Systeminställningar › Bolag."
        )
    debtor_account = _debtor_account(company, debtor_account_id)
    refusal = why_not_a_payment_date(company.country, payment_date, today)
    if refusal:
        raise PaymentRejected(refusal, "payment_date")
    invoices = _open_invoices(company, invoice_ids)
    payment_file = PaymentFile(
        company=company,
        debtor_account=debtor_account,
        payment_date=payment_date,
        created_by=actor,
        message_id=_message_id(company, utcnow()),
    )
    db.session.add(payment_file)
    settings = settings_service.get_settings()
    payments = [_payment_for(invoice, payment_file, actor, settings.active) for invoice in invoices]
    db.session.flush()
    if settings.active:
        _queue_batches(company, payment_file, payments, settings)
    # Named after the batches have their ids, so that each payment is written once more, not
    # twice (its version check keeps those writes one row at a time).
    for payment in payments:
        payment.external_id = _payment_external_id(settings.batch_reference, payment.id)
    payment_file.xml = build_file(payment_file)
    audit.record(
        "payment_file",
        actor,
        f"Betalfil {payment_file.message_id} för {company.name} "
        f"från {paying_account(debtor_account)}: "
        f"{plural(len(payments), 'betalning', 'betalningar')}, "
        f"betaldatum {payment_date.isoformat()}"
        + ("" if settings.active else " (Inyett-kopplingen inte aktiv)"),
    )
    db.session.commit()
    return payment_file


def build_file(payment_file: PaymentFile) -> bytes | None:
    """Build and validate the pain.001 of the file's remaining payments (None when empty).

    A file the schema refuses is a PaymentRejected saying what to do, after the session is
    rolled back: nothing of the change that needed the file is saved."""
    try:
        return _valid_xml(payment_file)
    except pain001.InvalidPaymentFile as invalid:
        current_app.logger.error("pain.001 refused by the ISO schema: %s", invalid)
        reason = _why_file_invalid(payment_file, invalid)
        db.session.rollback()
        raise PaymentRejected(reason) from None


def _why_file_invalid(payment_file: PaymentFile, invalid: pain001.InvalidPaymentFile) -> str:
    if any("/Dbtr" in path for path in invalid.paths):
        return (
            "Betalfilen kunde inte skapas: bankens filformat (pain.001) godtar inte uppgifterna "
            f"om kontot den betalas från, {paying_account(payment_file.debtor_account)}. "
            "En administratör rättar kontot under Systeminställningar › Bolag. Inget sparades."
        )
    return (
        "Betalfilen kunde inte skapas: den följer inte bankens filformat (pain.001). "
        "Inget sparades. Kontakta IT; felet står i serverns logg."
    )


def _valid_xml(payment_file: PaymentFile) -> bytes | None:
    payments = [p for p in payment_file.payments if p.status != "undone"]
    if not payments:
        return None
    company = payment_file.company
    account = payment_file.debtor_account
    order = pain001.PaymentOrder(
        message_id=payment_file.message_id,
        created_at=payment_file.created_at or utcnow(),
        debtor=pain001.Debtor(
            name=company.name,
            orgnr=company.orgnr,
            country=company.country,
            account_type=account.account_type,
            account=account.account,
            bic=account.bic,
        ),
        execution_date=payment_file.payment_date,
        transfers=tuple(
            pain001.CreditTransfer(
                end_to_end_id=p.external_id,
                amount=p.amount,
                currency=p.currency,
                creditor_name=p.supplier_name,
                creditor_country=p.supplier_country,
                creditor_orgnr=p.supplier_orgnr,
                account_type=p.account_type,
                account=p.account,
                ocr=p.ocr,
                message=p.message,
                invoice_number=p.invoice_number,
            )
            for p in payments
        ),
    )
    return pain001.build_valid(order)


def preview_undo(payment: Payment) -> UndoPreview:
    """Tell what undoing `payment` removes at Inyett, before the user confirms."""
    batch = payment.batch
    # Once a create call has left, Inyett may hold the batch even if no answer came back.
    at_inyett = batch is not None and batch.first_attempt_at is not None
    co_removed = [p for p in batch.payments if p.id != payment.id] if at_inyett else []
    return UndoPreview(payment=payment, deletes_batch_at_inyett=at_inyett, co_removed=co_removed)


def why_not_undoable(payment: Payment) -> str | None:
    """The Swedish reason `payment` cannot be undone now, or None when it can."""
    if payment.status == "undone":
        return "Betalningen är redan ångrad."
    # An attested payment can still leave its file, as long as the bank cannot have the file:
    # the attest approved paying it, and not paying it is always on the safe side.
    payment_file = payment.payment_file
    if payment_file.downloaded_at is not None:
        return (
            f"Betalfilen laddades ner för banken {local_datetime(payment_file.downloaded_at)} "
            "och kan inte ändras här. Stoppa betalningen i banken."
        )
    return None


def undo_payment(
    payment: Payment, *, actor: str, expected_version: int | None = None
) -> UndoPreview:
    """Take the payment out of its file and back to the open invoices, and delete its batch at
    Inyett; payments sharing that batch are marked removed there and can be sent again."""
    reason = why_not_undoable(payment)
    if reason:
        raise PaymentRejected(reason)
    if expected_version is not None and payment.version != expected_version:
        raise PaymentRejected(explain_lost_race(payment))
    batch_id = payment.batch_id
    # Hold the batch like a worker does, so that it is not being sent while we change it.
    if batch_id is not None and not outbox.claim(batch_id, f"undo-{payment.id}", utcnow()):
        raise PaymentRejected(
            "Betalningen skickas till Inyett just nu. Försök igen om en liten stund."
        )
    try:
        preview = _undo_claimed(payment, actor, expected_version)
    except PaymentRejected:
        if batch_id is not None:
            outbox.release(db.session.get(InyettBatch, batch_id))
            db.session.commit()
        raise
    return preview


def _hold_open_file(payment: Payment) -> None:
    """Write the payment's file row, refused once the file is downloaded: a download or a
    re-date at the same moment (services/bank_delivery.py) then waits for this undo, or this
    undo sees the download, so the bank never gets a file holding an undone payment. First of
    the undo's writes, because those lock the file before its payments too: locked in the same
    order, two of them never wait on each other."""
    still_open = db.session.execute(
        update(PaymentFile)
        .where(PaymentFile.id == payment.payment_file_id, PaymentFile.downloaded_at.is_(None))
        .values(downloaded_at=None)
        .execution_options(synchronize_session=False)
    )
    if still_open.rowcount != 1:
        db.session.rollback()
        if payment.status == "undone":  # by someone else, since this undo was asked for
            raise PaymentRejected(explain_lost_race(payment))
        raise PaymentRejected(why_not_undoable(payment) or CHANGED_MEANWHILE)
    # Read again now that it is held: a re-date may have committed since it was loaded, and
    # the file is built again with the date it has.
    db.session.refresh(payment.payment_file)


def _undo_claimed(payment: Payment, actor: str, expected_version: int | None) -> UndoPreview:
    _hold_open_file(payment)
    # One conditional UPDATE decides between an undo and an attestation (or another undo) of
    # the same payment made at the same moment: only one of them matches the row.
    conditions = [Payment.id == payment.id, Payment.status.in_(("awaiting_attest", "attested"))]
    if expected_version is not None:
        conditions.append(Payment.version == expected_version)
    result = db.session.execute(
        update(Payment)
        .where(*conditions)
        .values(status="undone", version=Payment.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise PaymentRejected(explain_lost_race(payment))
    db.session.refresh(payment)
    batch = payment.batch
    preview = preview_undo(payment)
    payment.invoice.status = "open"
    if batch is not None:
        if preview.deletes_batch_at_inyett:
            _queue_delete(batch, payment, preview.co_removed)
        else:
            payment.inyett_state = "withdrawn"
            payment.batch = None
            if not batch.payments:
                batch.state = "deleted"
        outbox.release(batch)
    payment_file = payment.payment_file
    payment.payment_file = None
    payment_file.xml = build_file(payment_file)
    audit.record("undo", actor, _undo_summary(payment, batch, preview))
    commit_or_explain()
    return preview


def _queue_delete(batch: InyettBatch, payment: Payment, co_removed: list[Payment]) -> None:
    batch.state = "delete_queued"
    batch.attempts = 0
    batch.next_attempt_at = utcnow()
    batch.last_error = None
    payment.inyett_state = "removed"
    payment.batch = None
    for other in co_removed:
        other.inyett_state = "removed"
        # Named as the user knows the payment; the internal id means nothing on the screen.
        other.inyett_error = (
            f"Batchen togs bort hos Inyett när betalningen till {payment.supplier_name} "
            f"(faktura {payment.invoice_number}) ångrades."
        )
        other.batch = None


def _undo_summary(payment: Payment, batch: InyettBatch | None, preview: UndoPreview) -> str:
    summary = (
        f"Ångrade {payment.external_id} ({payment.supplier_name}, "
        f"{payment.amount} {payment.currency})"
    )
    if payment.attested_by:
        summary += f", attesterad av {payment.attested_by}"
    if preview.deletes_batch_at_inyett:
        summary += f"; batch {batch.external_id} tas bort hos Inyett"
        if preview.co_removed:
            summary += ", med " + ", ".join(p.external_id for p in preview.co_removed)
    return summary


def resend(payment: Payment, *, actor: str) -> None:
    """ "Skicka igen": a failed payment's batch is queued again; a payment removed at Inyett
    with a shared batch gets a batch of its own."""
    if payment.status == "undone":
        raise PaymentRejected("Betalningen är ångrad.")
    if payment.inyett_state == "failed" and payment.batch is not None:
        outbox.retry(payment.batch, actor=actor)
        return
    if payment.inyett_state != "removed":
        raise PaymentRejected("Betalningen behöver inte skickas igen.")
    settings = settings_service.get_settings()
    if not settings.active:
        raise PaymentRejected("Inyett-kopplingen är inte aktiv.")
    _queue_batches(payment.company, payment.payment_file, [payment], settings, single=True)
    payment.inyett_error = None
    summary = f"{payment.external_id} köad igen som egen batch"
    if payment.status == "attested":
        # It was attested on an answer Inyett has since dropped: the new answer must be seen
        # by an attester before the file can go to the bank.
        summary += f"; attesten av {payment.attested_by} gäller inte längre"
        payment.status = "awaiting_attest"
        payment.attested_by = payment.attested_at = None
        payment.warnings_acknowledged = False
    audit.record("inyett_send", actor, summary)
    db.session.commit()


def _debtor_account(company: Company, debtor_account_id: int) -> DebtorAccount:
    # Another company's account is refused in the same words as one that does not exist: the
    # payer learns nothing about accounts outside the company.
    # Locked for share, and read afresh: an admin correcting the account at the same moment
    # (services/companies.py) waits for this file, or has finished and the file uses the new
    # values.
    account = db.session.scalar(
        select(DebtorAccount)
        .where(DebtorAccount.id == debtor_account_id, DebtorAccount.company_id == company.id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    )
    if account is None:
        raise PaymentRejected(NOT_AN_OWN_ACCOUNT, field="debtor_account")
    return account


def _open_invoices(company: Company, invoice_ids: list[int]) -> list[SupplierInvoice]:
    if not invoice_ids:
        raise PaymentRejected("Välj minst en faktura att betala.")
    invoices = list(
        db.session.scalars(
            select(SupplierInvoice)
            .where(SupplierInvoice.id.in_(invoice_ids))
            .where(SupplierInvoice.company_id == company.id)
            .order_by(SupplierInvoice.id)
        )
    )
    if len(invoices) != len(set(invoice_ids)):
        raise PaymentRejected("En eller flera fakturor finns inte hos bolaget.")
    taken = [i.invoice_number for i in invoices if i.status != "open"]
    if taken:
        raise PaymentRejected("Fakturorna " + ", ".join(taken) + " är redan med i en betalning.")
    return invoices


def _payment_for(
    invoice: SupplierInvoice, payment_file: PaymentFile, actor: str, inyett_active: bool
) -> Payment:
    supplier = invoice.supplier
    invoice.status = "in_payment"
    payment = Payment(
        external_id=f"t{uuid.uuid4().hex}",  # unique placeholder until the id is known
        company=invoice.company,
        invoice=invoice,
        payment_file=payment_file,
        supplier_name=supplier.name,
        supplier_orgnr=supplier.orgnr,
        supplier_country=supplier.country,
        account_type=supplier.account_type,
        account=supplier.account,
        invoice_number=invoice.invoice_number,
        ocr=invoice.ocr,
        message=invoice.message,
        amount=invoice.amount,
        currency=invoice.currency,
        payment_date=payment_file.payment_date,
        created_by=actor,
        inyett_state="queued" if inyett_active else "inactive",
    )
    db.session.add(payment)
    return payment


def _queue_batches(
    company: Company,
    payment_file: PaymentFile,
    payments: list[Payment],
    settings: InyettSettings,
    *,
    single: bool = False,
) -> None:
    """Put the payments in new batches: one each, or one for all, as the settings say now."""
    one_per_batch = single or settings.one_payment_per_batch
    groups = [[p] for p in payments] if one_per_batch else [payments]
    test_environment = settings_service.uses_test_environment(settings)
    batches = [
        InyettBatch(
            company=company,
            country=company.country,
            debtor_account=payment_file.debtor_account.account,
            one_payment_per_batch=one_per_batch,
            test_environment=test_environment,
        )
        for _ in groups
    ]
    db.session.add_all(batches)
    # One flush for all the batches: their ids, which the batch ids are made of, come back in
    # a few multi-row INSERTs instead of one round trip per batch.
    db.session.flush()
    for batch, group in zip(batches, groups, strict=True):
        batch.external_id = _batch_external_id(settings.batch_reference, batch.id)
        for payment in group:
            payment.batch = batch
            payment.inyett_state = "queued"
            payment.inyett_error = None


def _batch_external_id(reference: str, number: int) -> str:
    return f"{reference}-{number}" if reference else str(number)


def _payment_external_id(reference: str, number: int) -> str:
    return f"{reference}-P{number}" if reference else f"P{number}"


def _message_id(company: Company, now: datetime) -> str:
    # Unique without a counter: company, second and a random tail, within pain.001's 35.
    return f"IK{company.id}-{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
