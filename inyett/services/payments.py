"""Payments to file: from open invoices to a pain.001 file whose payments are queued for Inyett,
and undoing a payment again."""

import uuid
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from inyett import ids
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
from inyett.models import PayeeAccount
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import PaymentInvoice
from inyett.models import SupplierInvoice
from inyett.models import utcnow
from inyett.services import audit
from inyett.services import companies
from inyett.services import netting
from inyett.services import notices
from inyett.services import outbox
from inyett.services import payee_accounts
from inyett.services import payees
from inyett.services import settings as settings_service


class PaymentRejected(Exception):
    """The request cannot be carried out; `str(exc)` is a Swedish reason for the user and
    `field` the form field it is about, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


NOT_AN_OWN_ACCOUNT = "Välj ett av bolagets egna konton att betala från."
EXCHANGE_LABEL = "Betala med växling"
NOT_THE_COMPANYS_INVOICES = "En eller flera fakturor finns inte hos bolaget."
CHANGED_MEANWHILE = "Någon annan hann ändra betalningen. Listan visar nu hur den ser ut."
# How far ahead a payment may be dated: further is a typing mistake, not a plan.
LATEST_PAYMENT_DAYS = 365


def latest_payment_date(today: date) -> date:
    return today + timedelta(days=LATEST_PAYMENT_DAYS)


def why_not_a_payment_date(country: str, day: date, today: date) -> str | None:
    """Why `day` cannot be a payment date in `country` (with the date that can), or None."""
    if day < today:
        return "Betaldatum kan inte ligga bakåt i tiden."
    # Before the bank days: the calendar has no next bank day to offer after 9999-12-31.
    latest = latest_payment_date(today)
    if day > latest:
        return f"Betaldatum kan ligga högst ett år fram i tiden, senast {latest.isoformat()}."
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
    if payment.first_attested_by:
        return (
            f"{payment.first_attested_by} hann ge den första attesten före dig. "
            "Betalningen behöver nu en andra attest av någon annan."
        )
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
    payment_date: date | None,
    *,
    debtor_account_id: int,
    actor: str,
    today: date,
    exchange_confirmed: bool = False,
) -> PaymentFile:
    """Store the payments, paid from the company's account `debtor_account_id`, and their
    validated pain.001 file; queue them for Inyett if active. Each is paid on `payment_date`,
    or on its due date when that is None (netting.payment_date). An invoice in another currency
    than the account's is paid only when the company has no account in its currency and the
    payer has confirmed (`exchange_confirmed`) that the bank exchanges it."""
    company, debtor_account = _company_and_paying_account(company_id, debtor_account_id)
    if payment_date is not None and (
        refusal := why_not_a_payment_date(company.country, payment_date, today)
    ):
        raise PaymentRejected(refusal, "payment_date")
    invoices = _invoices_of(company, invoice_ids)
    _refuse_unpayable(company, debtor_account, invoices, exchange_confirmed)
    accounts = _approved_accounts(invoices)
    _dated_plan(company, debtor_account, invoices, payment_date, today)  # refuses before writing
    _take_out_of_open(invoices)
    # Read again now that they are ours: on SQLite nothing locked them when first read, and an
    # invoice corrected in Ändra faktura meanwhile is paid (and netted) as corrected.
    for invoice in invoices:
        db.session.refresh(invoice)
    try:
        _refuse_unpayable(company, debtor_account, invoices, exchange_confirmed)
        dated = _dated_plan(company, debtor_account, invoices, payment_date, today)
    except PaymentRejected:
        db.session.rollback()
        raise
    payment_file = PaymentFile(
        company=company,
        debtor_account=debtor_account,
        payment_date=min(day for _, day in dated),
        created_by=actor,
        message_id=_message_id(company, utcnow()),
    )
    db.session.add(payment_file)
    settings = settings_service.get_settings()
    payments = _stored_payments(dated, accounts, payment_file, actor, settings.active)
    if settings.active:
        _queue_batches(company, payment_file, payments, settings)
    # Named after the batches have their ids, so that each payment is written once more, not
    # twice (its version check keeps those writes one row at a time).
    for payment in payments:
        payment.external_id = ids.payment_external_id(settings, payment.id)
    payment_file.xml = build_file(payment_file)
    exchanged = _exchanged(debtor_account, invoices)
    audit.record("payment_file", actor, _file_summary(payment_file, exchanged, settings.active))
    db.session.commit()
    return payment_file


def _refuse_incomplete_account(debtor_account: DebtorAccount) -> None:
    if missing := companies.bank_of(debtor_account).missing:
        raise PaymentRejected(
            f"Betalfilen kan inte skapas från {paying_account(debtor_account)}: "
            f"{', '.join(missing).lower()}. Banken behöver dem för att ta emot filen. "
            "En administratör fyller i dem under Systeminställningar › Bolag (Ändra).",
            field="debtor_account",
        )


def _file_summary(payment_file: PaymentFile, exchanged: bool, inyett_active: bool) -> str:
    payments = payment_file.payments
    return (
        f"Betalfil {payment_file.message_id} för {payment_file.company.name} "
        f"från {paying_account(payment_file.debtor_account)}: "
        f"{plural(len(payments), 'betalning', 'betalningar')}, "
        f"{_dates_summary(payments)}"
        + _netting_summary(payments)
        + (", med växling" if exchanged else "")
        + ("" if inyett_active else " (Inyett-kopplingen inte aktiv)")
    )


def _dated_plan(
    company: Company,
    debtor_account: DebtorAccount,
    invoices: list[SupplierInvoice],
    chosen_date: date | None,
    today: date,
) -> list[tuple[netting.PlannedPayment, date]]:
    """The payments to make, netted (services.netting), each with its date; refused with the
    reason when one cannot be made or its date cannot be a payment date."""
    dated = []
    for planned in netting.plan(invoices):
        if refusal := netting.why_not_payable(planned, debtor_account, company.country):
            raise PaymentRejected(refusal, "invoice_ids")
        day = chosen_date or netting.payment_date(planned, company.country, today)
        # A chosen date is checked before anything else; a due date here, as each may differ.
        if chosen_date is None and (refusal := why_not_a_payment_date(company.country, day, today)):
            raise PaymentRejected(
                f"Fakturan {planned.main.invoice_number} från {planned.main.supplier.name} "
                f"betalas på förfallodagen {day.isoformat()}: {refusal} Välj ”Betala alla "
                "samma dag” med ett annat datum.",
                "payment_date",
            )
        dated.append((planned, day))
    return dated


def _netting_summary(payments: list[Payment]) -> str:
    netted = [p for p in payments if len(p.netted) > 1]
    return "".join(
        f"; kvittat till {p.supplier_name}: {p.message}, netto {p.amount} {p.currency}"
        for p in netted
    )


def _dates_summary(payments: list[Payment]) -> str:
    return "betaldatum " + ", ".join(sorted({p.payment_date.isoformat() for p in payments}))


def build_file(payment_file: PaymentFile) -> bytes | None:
    """Build and validate the pain.001 of the file's remaining payments (None when empty).

    A file the bank's profile or the schema refuses is a PaymentRejected saying what to do,
    after the session is rolled back: nothing of the change that needed the file is saved."""
    try:
        return _valid_xml(payment_file)
    except pain001.PaymentFileRefused as refused:
        db.session.rollback()
        raise PaymentRejected(f"{refused} Inget sparades.") from None
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
    order = pain001.PaymentOrder(
        message_id=payment_file.message_id,
        created_at=payment_file.created_at or utcnow(),
        debtor=_debtor(payment_file),
        execution_date=payment_file.payment_date,
        # One payment group (PmtInf) per date: each invoice is paid on its own.
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
                creditor_address=_creditor_address(p),
                creditor_bic=p.supplier_bic,
                execution_date=p.payment_date,
            )
            for p in payments
        ),
    )
    return pain001.build_valid(order)


def _debtor(payment_file: PaymentFile) -> pain001.Debtor:
    company = payment_file.company
    account = payment_file.debtor_account
    bank = companies.bank_of(account)
    return pain001.Debtor(
        name=company.name,
        orgnr=company.orgnr,
        country=company.country,
        # An account saved before bank accounts were asked for still names its giro number
        # here; no new file is made from it (create_payment_file), but a file made before
        # is rebuilt from it when a payment is undone.
        account_type=account.account_type,
        account=account.account,
        bic=bank.bic,
        bank=bank.bank,
        agreement_id=account.agreement_id,
        bankgiro=account.bankgiro,
        plusgiro=account.plusgiro,
    )


def _creditor_address(payment: Payment) -> pain001.PostalAddress | None:
    """The payee's address as it was when the payment was made, or None where none is known
    (most payees at home)."""
    if not (payment.supplier_street or payment.supplier_post_code or payment.supplier_town):
        return None
    return pain001.PostalAddress(
        country=payment.supplier_country,
        town=payment.supplier_town,
        post_code=payment.supplier_post_code,
        street=payment.supplier_street,
    )


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
    if batch_id is not None and not outbox.claim(batch_id, _undo_claim(payment), utcnow()):
        raise PaymentRejected(_why_batch_is_held(payment, batch_id))
    try:
        preview = _undo_claimed(payment, actor, expected_version)
    except PaymentRejected:
        if batch_id is not None:
            outbox.release(db.session.get(InyettBatch, batch_id))
            db.session.commit()
        raise
    return preview


def _undo_claim(payment: Payment) -> str:
    return f"undo-{payment.id}"


def _why_batch_is_held(payment: Payment, batch_id: int) -> str:
    # Read as stored now (the failed claim has committed): who holds the batch, and whether an
    # undo of this payment finished meanwhile.
    if payment.status == "undone":
        return "Betalningen hann ångras av någon annan."
    holder = db.session.get(InyettBatch, batch_id).claimed_by or ""
    if holder == _undo_claim(payment):
        return "Betalningen ångras just nu av någon annan."
    if holder.startswith("undo-"):
        return "En annan betalning i samma batch ångras just nu. Försök igen om en liten stund."
    return "Betalningen skickas till Inyett just nu. Försök igen om en liten stund."


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
        .values(status="undone", live_invoice_id=None, version=Payment.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise PaymentRejected(explain_lost_race(payment))
    db.session.refresh(payment)
    batch = payment.batch
    preview = preview_undo(payment)
    _reopen_invoices(payment)
    if batch is not None:
        if preview.deletes_batch_at_inyett:
            _queue_delete(batch, payment, preview.co_removed)
            notices.payments_dropped(payment, preview.co_removed, actor)
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


def _reopen_invoices(payment: Payment) -> None:
    """Every invoice and credit note the payment paid goes back among the open invoices."""
    db.session.execute(
        update(PaymentInvoice)
        .where(PaymentInvoice.payment_id == payment.id)
        .values(live_invoice_id=None)
        .execution_options(synchronize_session=False)
    )
    # Back among the open invoices only when no other payment still pays it: two live payments
    # of one invoice from before the database held the rule would otherwise let a third in.
    other_live_payment = exists().where(
        PaymentInvoice.invoice_id == SupplierInvoice.id,
        PaymentInvoice.payment_id != payment.id,
        PaymentInvoice.payment_id == Payment.id,
        Payment.status != "undone",
    )
    paid_by_this = select(PaymentInvoice.invoice_id).where(PaymentInvoice.payment_id == payment.id)
    db.session.execute(
        update(SupplierInvoice)
        .where(SupplierInvoice.id.in_(paid_by_this), ~other_live_payment)
        .values(status="open")
        .execution_options(synchronize_session=False)
    )
    for row in payment.netted:
        db.session.expire(row)
        db.session.expire(row.invoice, ["status"])


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
    with a shared batch gets a batch of its own. Of two at once (two people, a double click)
    exactly one sends; the other is told."""
    if payment.status == "undone":
        raise PaymentRejected("Betalningen är ångrad.")
    if payment.inyett_state == "failed" and payment.batch is not None:
        try:
            outbox.retry(payment.batch, actor=actor)
        except outbox.NothingToRetry:
            raise PaymentRejected(_explain_lost_resend(payment)) from None
        return
    if payment.inyett_state != "removed":
        raise PaymentRejected("Betalningen behöver inte skickas igen.")
    settings = _active_settings()
    _take_for_resend(payment)
    _queue_batches(payment.company, payment.payment_file, [payment], settings, single=True)
    audit.record(
        "inyett_send",
        actor,
        f"{payment.external_id} köad igen som egen batch" + _forget_attests(payment),
    )
    commit_or_explain()


def resend_removed(payment_file: PaymentFile, *, actor: str) -> int:
    """ "Skicka igen alla": every payment of the file that a shared batch's undo dropped at
    Inyett, queued again in one action, each in a batch of its own (as Skicka igen does) so
    that a later undo drops no other. Of two at once exactly one sends; returns how many."""
    dropped = [
        p for p in payment_file.payments if p.status != "undone" and p.inyett_state == "removed"
    ]
    if not dropped:
        raise PaymentRejected("Ingen betalning i filen behöver skickas igen.")
    settings = _active_settings()
    if not _take_removed([p.id for p in dropped]):
        # Someone sent or undid one of them meanwhile: send none, and show what is there now.
        db.session.rollback()
        raise PaymentRejected(
            "Någon annan hann skicka igen eller ångra betalningar i filen. "
            "Sidan visar nu hur det står; välj Skicka igen alla på nytt om något återstår."
        )
    for payment in dropped:
        db.session.refresh(payment)
    _queue_batches(payment_file.company, payment_file, dropped, settings, single=True)
    for payment in dropped:
        # One entry per payment, as if sent again on its own row: each has its own trail.
        audit.record(
            "inyett_send",
            actor,
            f"{payment.external_id} köad igen som egen batch (Skicka igen alla i betalfil "
            f"{payment_file.message_id})" + _forget_attests(payment),
        )
    commit_or_explain()
    return len(dropped)


def _active_settings() -> InyettSettings:
    settings = settings_service.get_settings()
    if not settings.active:
        raise PaymentRejected("Inyett-kopplingen är inte aktiv.")
    return settings


def _forget_attests(payment: Payment) -> str:
    """A payment sent anew was attested on an answer Inyett has since dropped: the new answer
    must be seen by an attester before the file can go to the bank. Returns what the audit
    entry adds."""
    forgotten = ""
    if payment.status == "attested":
        forgotten += f"; attesten av {payment.attested_by} gäller inte längre"
        payment.status = "awaiting_attest"
        payment.attested_by = payment.attested_at = None
        payment.warnings_acknowledged = False
    if payment.first_attested_by:
        forgotten += f"; den första attesten av {payment.first_attested_by} gäller inte längre"
        payment.first_attested_by = payment.first_attested_at = None
    return forgotten


def _take_for_resend(payment: Payment) -> None:
    if not _take_removed([payment.id]):
        db.session.rollback()
        raise PaymentRejected(_explain_lost_resend(payment))
    db.session.refresh(payment)


def _take_removed(payment_ids: list[int]) -> bool:
    """Mark removed payments queued again, all or none: one conditional UPDATE, so that of two
    resends (or a resend and an undo) only one matches."""
    result = db.session.execute(
        update(Payment)
        .where(
            Payment.id.in_(payment_ids),
            Payment.status != "undone",
            Payment.inyett_state == "removed",
        )
        .values(inyett_state="queued", inyett_error=None, version=Payment.version + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == len(payment_ids)


def _explain_lost_resend(payment: Payment) -> str:
    db.session.refresh(payment)
    if payment.status == "undone":
        return "Betalningen hann ångras av någon annan."
    if payment.inyett_state not in ("failed", "removed"):
        return "Betalningen hann skickas igen av någon annan."
    return CHANGED_MEANWHILE


def _company_and_paying_account(
    company_id: int, debtor_account_id: int
) -> tuple[Company, DebtorAccount]:
    """The company and the account of its own that pays, complete as the bank needs it."""
    company = db.session.get(Company, company_id)
    if company is None:
        raise PaymentRejected("Bolaget finns inte.")
    if not company.debtor_accounts:
        raise PaymentRejected(
            f"{company.name} har inget eget konto att betala från. "
            "En administratör lägger till det under Systeminställningar › Bolag."
        )
    debtor_account = _debtor_account(company, debtor_account_id)
    _refuse_incomplete_account(debtor_account)
    return company, debtor_account


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


def _refuse_unpayable(
    company: Company,
    debtor_account: DebtorAccount,
    invoices: list[SupplierInvoice],
    exchange_confirmed: bool,
) -> None:
    """Hold each invoice to the payee and currency rules again: an earlier version stored
    some that a bank refuses or pays wrong (services.payees), and an invoice in another
    currency than the account's is exchanged by the bank at its own rate."""
    for invoice in invoices:
        about = f"Fakturan {invoice.invoice_number} från {invoice.supplier.name}"
        if problem := payees.stored_payee_problem(company, invoice.supplier, invoice.currency):
            raise PaymentRejected(f"{about} kan inte betalas: {problem}")
        if invoice.currency == debtor_account.currency:
            continue
        mismatch = (
            f"{about} är i {invoice.currency}, men den betalas från "
            f"{paying_account(debtor_account)}"
        )
        own = next((a for a in company.debtor_accounts if a.currency == invoice.currency), None)
        if own is not None:
            raise PaymentRejected(
                f"{mismatch}. Betala den från bolagets konto {paying_account(own)} i en egen "
                "betalfil.",
                "debtor_account",
            )
        if not exchange_confirmed:
            raise PaymentRejected(
                f"{mismatch}: banken växlar till sin kurs. Kryssa i ”{EXCHANGE_LABEL}” om det "
                "är rätt.",
                "exchange_confirmed",
            )


def _approved_accounts(invoices: list[SupplierInvoice]) -> dict[int, PayeeAccount]:
    """Each invoice's supplier's approved payee account, which its payment copies; or the
    refusal naming the first whose account a second person has not approved. Locked for share
    until the file is stored, so a change of account at the same moment waits for it."""
    accounts = payee_accounts.approved_for({invoice.supplier_id for invoice in invoices}, lock=True)
    for invoice in invoices:
        if invoice.supplier_id not in accounts:
            raise PaymentRejected(
                f"Fakturan {invoice.invoice_number} från {invoice.supplier.name} kan inte "
                f"betalas: {payee_accounts.not_approved_reason(invoice.supplier)}"
            )
    return accounts


def _exchanged(debtor_account: DebtorAccount, invoices: list[SupplierInvoice]) -> bool:
    return any(invoice.currency != debtor_account.currency for invoice in invoices)


def _invoices_of(company: Company, invoice_ids: list[int]) -> list[SupplierInvoice]:
    if not invoice_ids:
        raise PaymentRejected("Välj minst en faktura att betala.")
    invoices = list(
        db.session.scalars(
            select(SupplierInvoice)
            .where(SupplierInvoice.id.in_(invoice_ids))
            .where(SupplierInvoice.company_id == company.id)
            .order_by(SupplierInvoice.id)
            # PostgreSQL: two payments of overlapping invoices lock them in the same order, so
            # the second waits for the first instead of deadlocking with it.
            .with_for_update()
        )
    )
    if len(invoices) != len(set(invoice_ids)):
        raise PaymentRejected(NOT_THE_COMPANYS_INVOICES)
    return invoices


def _take_out_of_open(invoices: list[SupplierInvoice]) -> None:
    """Mark the invoices in_payment in one conditional UPDATE, or refuse: of two payments of one
    invoice at the same moment (a double click, two payers) the database lets one match it."""
    ids = [invoice.id for invoice in invoices]
    taken = db.session.execute(
        update(SupplierInvoice)
        .where(SupplierInvoice.id.in_(ids), SupplierInvoice.status == "open")
        .values(status="in_payment")
        .execution_options(synchronize_session="evaluate")
    )
    if taken.rowcount != len(ids):
        db.session.rollback()
        raise _taken_meanwhile(ids)


def _taken_meanwhile(invoice_ids: list[int]) -> PaymentRejected:
    """The refusal naming the invoices among `invoice_ids` that another payment has now."""
    in_a_live_payment = exists().where(PaymentInvoice.live_invoice_id == SupplierInvoice.id)
    numbers = list(
        db.session.scalars(
            select(SupplierInvoice.invoice_number)
            .where(SupplierInvoice.id.in_(invoice_ids))
            .where(or_(SupplierInvoice.status != "open", in_a_live_payment))
            .order_by(SupplierInvoice.id)
        )
    )
    if len(numbers) == 1:
        named = f"Fakturan {numbers[0]}"
    elif numbers:
        named = "Fakturorna " + ", ".join(numbers[:-1]) + f" och {numbers[-1]}"
    else:  # taken and given back again (undone) before we looked
        named = "En av fakturorna"
    return PaymentRejected(
        f"{named} hann tas med i en annan betalning. Listan visar nu de fakturor som är kvar."
    )


def _stored_payments(
    dated: list[tuple[netting.PlannedPayment, date]],
    accounts: dict[int, PayeeAccount],
    payment_file: PaymentFile,
    actor: str,
    inyett_active: bool,
) -> list[Payment]:
    try:
        payments = [
            _payment_for(
                planned, day, accounts[planned.main.supplier_id], payment_file, actor, inyett_active
            )
            for planned, day in dated
        ]
        db.session.flush()
    except IntegrityError:
        # An invoice open by its status but still live in a payment from before the database
        # held the rule: the unique live_invoice_id refuses the second payment.
        db.session.rollback()
        raise _taken_meanwhile([i.id for planned, _ in dated for i in planned.invoices]) from None
    return payments


def _payment_for(
    planned: netting.PlannedPayment,
    day: date,
    account: PayeeAccount,
    payment_file: PaymentFile,
    actor: str,
    inyett_active: bool,
) -> Payment:
    invoice = planned.main
    supplier = invoice.supplier
    payment = Payment(
        external_id=f"t{uuid.uuid4().hex}",  # unique placeholder until the id is known
        company=invoice.company,
        invoice=invoice,
        live_invoice_id=invoice.id,
        netted=[PaymentInvoice(invoice=i, live_invoice_id=i.id) for i in planned.invoices],
        payment_file=payment_file,
        supplier_name=supplier.name,
        supplier_orgnr=supplier.orgnr,
        supplier_country=supplier.country,
        payee_account_id=account.id,
        supplier_street=account.street,
        supplier_post_code=account.post_code,
        supplier_town=account.town,
        supplier_bic=account.bic,
        account_type=account.account_type,
        account=account.account,
        invoice_number=invoice.invoice_number,
        # A netted payment is never paid by OCR (netting.why_not_payable): its message names
        # every invoice and credit note in it.
        ocr=None if planned.is_netted else invoice.ocr,
        message=planned.remittance,
        amount=planned.amount,
        currency=invoice.currency,
        payment_date=day,
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
            debtor_account=payment_file.debtor_account.inyett_account,
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
        batch.external_id = ids.batch_external_id(settings, batch.id)
        for payment in group:
            payment.batch = batch
            payment.inyett_state = "queued"
            payment.inyett_error = None


def _message_id(company: Company, now: datetime) -> str:
    # Unique without a counter: company, second and a random tail, within pain.001's 35.
    return f"IK{company.id}-{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
