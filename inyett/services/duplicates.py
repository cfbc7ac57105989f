"""Which of our own payments Inyett's duplicate warnings are about, so that the attester can
look at the other payment before deciding. Inyett does not say which one it compared with; we
look for ours to the same account with the same reference (OCR or invoice number) and an amount
that fits the warning, in another payment file that is still to be paid (not undone)."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from inyett.extensions import db
from inyett.models import Payment
from inyett.warning_texts import DUPLICATE_CODES


class OtherPayments:
    """The other payment per payment, looked up for a whole list at once (one query however
    many rows warn) and for a single row when asked about one the list did not hold."""

    def __init__(self, payments=()):
        self._found: dict[int, Payment | None] = {}
        self._look_up([p for p in payments if _warns_of_duplicate(p)])

    def of(self, payment: Payment) -> Payment | None:
        if not _warns_of_duplicate(payment):
            return None
        if payment.id not in self._found:
            self._look_up([payment])
        return self._found[payment.id]

    def _look_up(self, payments: list[Payment]) -> None:
        if not payments:
            return
        candidates = db.session.scalars(
            select(Payment)
            .where(
                Payment.account.in_({p.account for p in payments}),
                Payment.status != "undone",
                Payment.payment_file_id.is_not(None),
            )
            .options(selectinload(Payment.payment_file))
            .order_by(Payment.id.desc())
        ).all()
        for payment in payments:
            self._found[payment.id] = next(
                (other for other in candidates if _is_the_other(payment, other)), None
            )


def _warns_of_duplicate(payment: Payment) -> bool:
    return payment.warning_count > 0 and any(w.code in DUPLICATE_CODES for w in payment.warnings)


def _reference(payment: Payment) -> str:
    return payment.ocr or payment.invoice_number


def _is_the_other(payment: Payment, other: Payment) -> bool:
    if other.payment_file_id == payment.payment_file_id or other.id == payment.id:
        return False
    if (other.company_id, other.account_type, other.account, other.currency) != (
        payment.company_id,
        payment.account_type,
        payment.account,
        payment.currency,
    ):
        return False
    codes = {w.code for w in payment.warnings}
    same_amount = other.amount == payment.amount
    # A reminder: the same reference, paid before at a slightly lower amount.
    reminder = "DuplicatePaymentReminder" in codes and other.amount < payment.amount
    return _reference(other) == _reference(payment) and (same_amount or reminder)
