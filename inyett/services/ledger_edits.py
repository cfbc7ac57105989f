"""Correcting the ledger: a supplier's name and org.nr, an invoice's fields, and removing
either, while no live payment uses them. A payment copies what it pays, so a change after it
was made would not reach the bank, and the payer would think it had: the payment is undone
first. Each write is conditional on the row still being free, in the database, so that a
payment made at the same moment either takes the row as it was or as corrected, never half."""

from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from inyett import formatting
from inyett.extensions import db
from inyett.models import PayeeAccount
from inyett.models import Payment
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.services import audit
from inyett.services import ledger
from inyett.services.ledger import InvoiceInput
from inyett.services.ledger import LedgerRejected

UNDO_FIRST = "ångra betalningen först under Betalfiler."
CHANGED_MEANWHILE = "Någon annan ändrade just samma uppgifter. Ladda om sidan och försök igen."
EDITABLE_INVOICE_FIELDS = ("invoice_number", "ocr", "message", "amount", "currency", "due_date")
INVOICE_FIELD_NAMES = {
    "invoice_number": "fakturanr",
    "ocr": "OCR",
    "message": "meddelande",
    "amount": "belopp",
    "currency": "valuta",
    "due_date": "förfallodag",
}


@dataclass(frozen=True)
class Holder:
    """Why a row cannot be corrected now, and the payment whose file to go to (if any)."""

    message: str
    payment: Payment | None


class RowGone(LedgerRejected):
    """Someone removed the row while this person was correcting it."""

    def __init__(self, message: str):
        super().__init__({"": message})
        self.message = message


class HeldByPayment(LedgerRejected):
    """The row cannot be corrected now: `holder` says why, and where to go."""

    def __init__(self, holder: Holder):
        super().__init__({"": holder.message})
        self.holder = holder


def live_payment_of(invoice_ids) -> Payment | None:
    """The live (not undone) payment of one of the invoices, the first made first."""
    return db.session.scalars(
        select(Payment)
        .where(Payment.live_invoice_id.in_(invoice_ids), Payment.status != "undone")
        .order_by(Payment.id)
    ).first()


def invoice_holder(invoice: SupplierInvoice) -> Holder | None:
    """What keeps `invoice` from being corrected, or None while it is open."""
    if invoice.status == "open":
        return None
    payment = live_payment_of([invoice.id])
    return Holder(f"Fakturan är med i {_where(payment)}; {UNDO_FIRST}", payment)


def supplier_holder(supplier: Supplier) -> Holder | None:
    """What keeps `supplier` from being corrected: one of its invoices in a live payment."""
    held = select(SupplierInvoice.id).where(
        SupplierInvoice.supplier_id == supplier.id, SupplierInvoice.status == "in_payment"
    )
    if db.session.scalar(held.limit(1)) is None:
        return None
    payment = live_payment_of(held)
    return Holder(
        f"{supplier.name} har en faktura som är med i {_where(payment)}; {UNDO_FIRST}", payment
    )


def _where(payment: Payment | None) -> str:
    """`betalfil IK1-… (2026-12-01)`; an invoice marked as paid by an earlier version without
    a live payment is in "en betalning"."""
    if payment is None or payment.payment_file is None:
        return "en betalning"
    payment_file = payment.payment_file
    return f"betalfil {payment_file.message_id} ({payment_file.payment_date.isoformat()})"


def _refuse(holder: Holder | None) -> None:
    if holder is not None:
        raise HeldByPayment(holder)


def edit_invoice(invoice: SupplierInvoice, data: InvoiceInput, *, actor: str) -> None:
    """Correct an open invoice with the checks of Ny faktura, or refuse with the reason."""
    _refuse(invoice_holder(invoice))
    fields = ledger.checked_invoice(invoice.supplier, data, other_than=invoice.id)
    before = {name: getattr(invoice, name) for name in EDITABLE_INVOICE_FIELDS}
    changes = _invoice_changes(before, fields)
    if not changes:
        return
    try:
        written = db.session.execute(
            update(SupplierInvoice)
            .where(SupplierInvoice.id == invoice.id, SupplierInvoice.status == "open")
            .values(**fields)
            .execution_options(synchronize_session=False)
        )
    except IntegrityError:
        db.session.rollback()
        raise LedgerRejected({"invoice_number": ledger.ADDED_MEANWHILE}) from None
    if written.rowcount != 1:
        _lost_to_a_payment(invoice)
    audit.record(
        "ledger",
        actor,
        f"Faktura {before['invoice_number']} från {invoice.supplier.name} ändrad: "
        + ", ".join(changes),
    )
    db.session.commit()
    db.session.expire(invoice)


def _lost_to_a_payment(invoice: SupplierInvoice) -> None:
    """A payment took the invoice (or someone removed it) after we looked: nothing is written."""
    _lost(invoice, "Fakturan hann tas bort av någon annan.", invoice_holder)


def _lost(row, gone: str, holder_of) -> None:
    """The conditional write of `row` matched nothing: roll back and say why, read afresh."""
    row_id = row.id  # read before the rollback expires it
    db.session.rollback()
    if db.session.get(type(row), row_id) is None:
        raise RowGone(gone)
    db.session.refresh(row)
    _refuse(holder_of(row))
    raise LedgerRejected({"": CHANGED_MEANWHILE})


def _invoice_changes(before: dict, after: dict) -> list[str]:
    currency_before, currency_after = before["currency"], after["currency"]
    changes = []
    for name in EDITABLE_INVOICE_FIELDS:
        if before[name] == after[name]:
            continue
        if name == "amount":
            old = f"{formatting.amount(before[name])} {currency_before}"
            new = f"{formatting.amount(after[name])} {currency_after}"
        else:
            old, new = _shown(before[name]), _shown(after[name])
        changes.append(f"{INVOICE_FIELD_NAMES[name]} {old} → {new}")
    return changes


def _shown(value) -> str:
    if value is None or value == "":
        return "(tomt)"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def delete_invoice(invoice: SupplierInvoice, *, actor: str) -> None:
    """Remove an open invoice from the ledger. One that an undone payment paid stays in the
    database as removed, since that payment's history points at it; any other is deleted."""
    _refuse(invoice_holder(invoice))
    described = (
        f"Faktura {invoice.invoice_number} från {invoice.supplier.name} "
        f"({formatting.amount(invoice.amount)} {invoice.currency}, förfaller "
        f"{invoice.due_date.isoformat()}) borttagen"
    )
    still_open = (SupplierInvoice.id == invoice.id, SupplierInvoice.status == "open")
    ever_paid = exists().where(Payment.invoice_id == SupplierInvoice.id)
    gone = db.session.execute(
        delete(SupplierInvoice)
        .where(*still_open, ~ever_paid)
        .execution_options(synchronize_session=False)
    )
    if gone.rowcount != 1:
        gone = db.session.execute(
            update(SupplierInvoice)
            .where(*still_open)
            .values(status="removed")
            .execution_options(synchronize_session=False)
        )
    if gone.rowcount != 1:
        _lost_to_a_payment(invoice)
    audit.record("ledger", actor, described)
    db.session.commit()
    db.session.expunge(invoice)


def edit_supplier(supplier: Supplier, name: str, orgnr: str, *, actor: str) -> None:
    """Correct a supplier's name and org.nr (its account is changed under four-eyes control,
    elsewhere), refused while one of its invoices is in a live payment."""
    _refuse(supplier_holder(supplier))
    fields = ledger.clean_supplier_identity(name, orgnr, supplier.country)
    payee = {
        "country": supplier.country,
        "account_type": supplier.account_type,
        "account": supplier.account,
        "orgnr": fields["orgnr"],
    }
    ledger.refuse_known_payee(supplier.company, payee, other_than=supplier.id)
    changes = [
        f"{label} {_shown(old)} → {_shown(new)}"
        for label, old, new in (
            ("namn", supplier.name, fields["name"]),
            ("org.nr", _orgnr(supplier.orgnr, supplier), _orgnr(fields["orgnr"], supplier)),
        )
        if old != new
    ]
    if not changes:
        return
    old_name = supplier.name
    try:
        written = db.session.execute(
            update(Supplier)
            .where(Supplier.id == supplier.id, ~_has_invoice_in_payment())
            .values(**fields)
            .execution_options(synchronize_session=False)
        )
    except IntegrityError:
        db.session.rollback()
        raise LedgerRejected({"orgnr": ledger.ADDED_MEANWHILE}) from None
    if written.rowcount != 1:
        _supplier_lost(supplier)
    audit.record("ledger", actor, f"Leverantören {old_name} ändrad: " + ", ".join(changes))
    db.session.commit()
    db.session.expire(supplier)


def _orgnr(orgnr: str | None, supplier: Supplier) -> str | None:
    return formatting.orgnr(orgnr, supplier.country) if orgnr else None


def _has_invoice_in_payment():
    return (
        exists()
        .where(SupplierInvoice.supplier_id == Supplier.id)
        .where(SupplierInvoice.status == "in_payment")
    )


def _supplier_lost(supplier: Supplier) -> None:
    _lost(supplier, "Leverantören hann tas bort av någon annan.", supplier_removal_holder)


def supplier_removal_holder(supplier: Supplier) -> Holder | None:
    """What keeps `supplier` from being removed: a live payment, or invoices of its own."""
    return supplier_holder(supplier) or _invoices_left(supplier)


def _invoices_left(supplier: Supplier) -> Holder | None:
    """Why a supplier with invoices is not removed: they would go with it unseen."""
    count = db.session.scalar(
        select(func.count(SupplierInvoice.id)).where(SupplierInvoice.supplier_id == supplier.id)
    )
    if not count:
        return None
    return Holder(
        f"{supplier.name} har {formatting.plural(count, 'faktura', 'fakturor')} i reskontran "
        "(öppna, betalda eller borttagna): ta bort de öppna först. En leverantör som har "
        "betalats finns kvar för betalningarnas historik.",
        None,
    )


def delete_supplier(supplier: Supplier, *, actor: str) -> None:
    """Remove a supplier that has no invoices at all: one with open invoices is refused
    rather than taking them with it, so that no invoice leaves the ledger unseen."""
    _refuse(supplier_removal_holder(supplier))
    has_invoices = exists().where(SupplierInvoice.supplier_id == Supplier.id)
    try:
        # Its account history goes with it: no payment can point at an account of a supplier
        # that never had an invoice, and the Händelselogg keeps who entered and approved it.
        db.session.execute(
            delete(PayeeAccount)
            .where(
                PayeeAccount.supplier_id == supplier.id,
                ~exists().where(SupplierInvoice.supplier_id == supplier.id),
            )
            .execution_options(synchronize_session=False)
        )
        gone = db.session.execute(
            delete(Supplier)
            .where(Supplier.id == supplier.id, ~has_invoices)
            .execution_options(synchronize_session=False)
        )
    except IntegrityError:
        # An invoice added at the same moment; PostgreSQL tells it by its foreign key.
        gone = None
    if gone is None or gone.rowcount != 1:
        _supplier_lost(supplier)
    audit.record("ledger", actor, f"Leverantören {supplier.name} borttagen")
    db.session.commit()
    db.session.expunge(supplier)
