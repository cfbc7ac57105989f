"""Attestation of supplier payments: who may attest what, and when a file is ready for the bank."""

from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import User
from inyett.models import utcnow
from inyett.services import audit
from inyett.services.payments import CHANGED_MEANWHILE
from inyett.services.payments import PaymentRejected
from inyett.services.payments import commit_or_explain

# Inyett has not been able to look at these: the attester must confirm having reviewed them.
UNCHECKED_STATES = ("failed", "removed", "withdrawn")
WAITING_STATES = ("queued", "awaiting_answer")


def needs_acknowledgement(payment: Payment) -> bool:
    """True when attesting requires "Jag har granskat varningarna"."""
    return payment.warning_count > 0 or payment.inyett_state in UNCHECKED_STATES


def why_not_attestable(payment: Payment, user: User) -> str | None:
    """The Swedish reason `user` cannot attest `payment` now, or None when they can."""
    if user.role not in ("attester", "admin"):
        return "Bara attestanter kan attestera."
    if payment.status == "attested":
        return f"Redan attesterad av {payment.attested_by}."
    if payment.status == "undone":
        return "Betalningen är ångrad."
    if payment.created_by == user.username:
        return "Du skapade betalningen och kan inte attestera den själv."
    if payment.inyett_state in WAITING_STATES:
        return "Väntar på svar från Inyett."
    return None


def attest(
    payment: Payment, *, user: User, acknowledged: bool, expected_version: int | None = None
) -> None:
    """Attest the payment, recording which warnings the attester acknowledged."""
    if expected_version is not None and payment.version != expected_version:
        raise PaymentRejected(CHANGED_MEANWHILE)
    reason = why_not_attestable(payment, user)
    if reason:
        raise PaymentRejected(reason)
    if needs_acknowledgement(payment) and not acknowledged:
        raise PaymentRejected("Bekräfta att du har granskat varningarna innan du attesterar.")
    payment.status = "attested"
    payment.attested_by = user.username
    payment.attested_at = utcnow()
    payment.warnings_acknowledged = needs_acknowledgement(payment)
    codes = ", ".join(w.code for w in payment.warnings)
    audit.record(
        "attest",
        user.username,
        f"Attesterade {payment.external_id} ({payment.supplier_name}, {payment.amount} "
        f"{payment.currency})" + (f"; granskade varningar: {codes}" if codes else ""),
    )
    commit_or_explain()


def attest_many(payments: list[Payment], *, user: User) -> None:
    """Attest all the payments, or none: each must be attestable without an acknowledgement."""
    if not payments:
        raise PaymentRejected("Markera de betalningar som ska attesteras.")
    for payment in payments:
        reason = why_not_attestable(payment, user) or (
            "Har varningar som måste granskas en och en."
            if needs_acknowledgement(payment)
            else None
        )
        if reason:
            raise PaymentRejected(f"{payment.supplier_name} ({payment.invoice_number}): {reason}")
    for payment in payments:
        payment.status = "attested"
        payment.attested_by = user.username
        payment.attested_at = utcnow()
        audit.record(
            "attest", user.username, f"Attesterade {payment.external_id} (flera samtidigt)"
        )
    commit_or_explain()


def file_is_ready(payment_file: PaymentFile) -> bool:
    """A file is ready for the bank when it has payments and every one of them is attested."""
    remaining = [p for p in payment_file.payments if p.status != "undone"]
    return bool(remaining) and all(p.status == "attested" for p in remaining)
