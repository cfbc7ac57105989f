"""Attestation of supplier payments: who may attest what, and when a file is ready for the bank.

Two attesters, or an attester and an undo, may act on the same payment at the same moment. Each
attestation is therefore one conditional UPDATE whose WHERE repeats the rules, so the database
lets exactly one of them win (on SQLite and PostgreSQL alike) and the other is told why.
"""

from sqlalchemy import update

from inyett.extensions import db
from inyett.formatting import plural
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import User
from inyett.models import utcnow
from inyett.services import audit
from inyett.services.payments import CHANGED_MEANWHILE
from inyett.services.payments import PaymentRejected
from inyett.services.payments import explain_lost_race

WAITING_STATES = ("queued", "awaiting_answer")
# Inyett has not checked these: it has not answered, could not take the payment, or dropped it
# with a shared batch when another payment was undone. Each must be sent again or undone first.
# (Ej kontrollerad because the connection was off is the documented exception: attestable.)
NOT_ATTESTABLE_STATES = (*WAITING_STATES, "failed", "removed")


def needs_acknowledgement(payment: Payment) -> bool:
    """True when attesting requires "Jag har granskat varningarna": Inyett warned."""
    return payment.warning_count > 0


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
    if payment.inyett_state == "failed":
        return "Inyett kunde inte ta emot betalningen. Skicka igen eller ångra den."
    if payment.inyett_state == "removed":
        # The Inyett column says why it was removed; this says what to do about it.
        return "Inte kontrollerad av Inyett. Skicka igen eller ångra den."
    return None


def attest(
    payment: Payment, *, user: User, acknowledged: bool, expected_version: int | None = None
) -> None:
    """Attest the payment, recording which warnings the attester acknowledged."""
    if expected_version is not None and payment.version != expected_version:
        raise PaymentRejected(explain_lost_race(payment))
    reason = why_not_attestable(payment, user)
    if reason:
        raise PaymentRejected(reason)
    if needs_acknowledgement(payment) and not acknowledged:
        raise PaymentRejected("Bekräfta att du har granskat varningarna innan du attesterar.")
    try:
        _mark_attested(payment, user, acknowledged, expected_version)
    except PaymentRejected:
        db.session.rollback()
        raise PaymentRejected(explain_lost_race(payment)) from None
    db.session.commit()


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
        try:
            _mark_attested(payment, user, acknowledged=False, expected_version=None)
        except PaymentRejected:
            db.session.rollback()
            raise PaymentRejected(
                f"{payment.supplier_name} ({payment.invoice_number}): "
                f"{explain_lost_race(payment)} Inget attesterades."
            ) from None
    db.session.commit()


def _mark_attested(
    payment: Payment, user: User, acknowledged: bool, expected_version: int | None
) -> None:
    """Attest in one conditional UPDATE (not committed); PaymentRejected when the rules no
    longer hold in the database, because someone else got there first."""
    acknowledges = needs_acknowledgement(payment)
    warning_codes = [w.code for w in payment.warnings]
    conditions = [
        Payment.id == payment.id,
        Payment.status == "awaiting_attest",
        Payment.created_by != user.username,
        Payment.inyett_state.not_in(NOT_ATTESTABLE_STATES),
    ]
    if not acknowledged:
        conditions.append(Payment.warning_count == 0)
    if expected_version is not None:
        conditions.append(Payment.version == expected_version)
    result = db.session.execute(
        update(Payment)
        .where(*conditions)
        .values(
            status="attested",
            attested_by=user.username,
            attested_at=utcnow(),
            warnings_acknowledged=acknowledges,
            version=Payment.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise PaymentRejected(CHANGED_MEANWHILE)
    summary = (
        f"Attesterade {payment.external_id} ({payment.supplier_name}, {payment.invoice_number}, "
        f"{payment.amount} {payment.currency})"
    )
    if acknowledges:
        summary += "; granskade varningar: " + ", ".join(warning_codes)
    audit.record("attest", user.username, summary)


def why_file_not_ready(payment_file: PaymentFile) -> str | None:
    """Why the file cannot go to the bank yet (Swedish), or None when it is ready."""
    remaining = [p for p in payment_file.payments if p.status != "undone"]
    if not remaining:
        return "Alla betalningar i filen är ångrade."
    of_all = plural(len(remaining), "betalning", "betalningar")
    # Even attested payments: Inyett must have checked what goes to the bank.
    failed = sum(p.inyett_state == "failed" for p in remaining)
    removed = sum(p.inyett_state == "removed" for p in remaining)
    unchecked = []
    if failed:
        unchecked.append(f"{failed} av {of_all} har Fel hos Inyett: skicka igen eller ångra.")
    if removed:
        unchecked.append(
            f"{removed} av {of_all} har tagits bort hos Inyett med en delad batch och inte "
            "kontrollerats: skicka igen eller ångra."
        )
    if unchecked:
        return " ".join(unchecked)
    unattested = sum(p.status != "attested" for p in remaining)
    if unattested:
        return f"{unattested} av {of_all} väntar på attest."
    return None
