"""Attestation of supplier payments: who may attest what, and when a file is ready for the bank.

Two attesters, or an attester and an undo, may act on the same payment at the same moment. Each
attestation is therefore one conditional UPDATE whose WHERE repeats the rules, so the database
lets exactly one of them win (on SQLite and PostgreSQL alike) and the other is told why.
"""

from dataclasses import dataclass
from dataclasses import field
from functools import cached_property

from sqlalchemy import exists
from sqlalchemy import not_
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import selectinload

from inyett import warning_texts
from inyett.extensions import db
from inyett.formatting import plural
from inyett.models import DualAttestLimit
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import User
from inyett.models import utcnow
from inyett.services import attest_rights
from inyett.services import audit
from inyett.services.attest_rights import ATTESTER_ROLES
from inyett.services.payments import CHANGED_MEANWHILE
from inyett.services.payments import PaymentRejected
from inyett.services.payments import explain_lost_race
from inyett.services.payments import why_not_undoable

WAITING_STATES = ("queued", "awaiting_answer")
# Inyett has not checked these: it has not answered, could not take the payment, or dropped it
# with a shared batch when another payment was undone. Each must be sent again or undone first.
# (Ej kontrollerad because the connection was off is the documented exception: attestable.)
NOT_ATTESTABLE_STATES = (*WAITING_STATES, "failed", "removed")


def needs_acknowledgement(payment: Payment) -> bool:
    """True when attesting requires "Jag har granskat varningarna": Inyett warned."""
    return payment.warning_count > 0


def attestations_needed(payment: Payment) -> int:
    """Two when the payment is above its company's dual limit for its currency, else one."""
    limit = next(
        (x for x in payment.company.dual_attest_limits if x.currency == payment.currency), None
    )
    return 2 if limit is not None and payment.amount > limit.above_amount else 1


def _above_dual_limit():
    """attestations_needed() == 2 as a condition on Payment, for the attest UPDATE."""
    return exists().where(
        DualAttestLimit.company_id == Payment.company_id,
        DualAttestLimit.currency == Payment.currency,
        Payment.amount > DualAttestLimit.above_amount,
    )


def attestable_by(user: User) -> list:
    """The payments `user` may attest now, as conditions on Payment: waiting, checked by Inyett,
    not their own, within their rights (or those of someone they stand in for today), and not
    one whose first of two attestations they gave. The same rules why_not_attestable tells."""
    return [
        Payment.status == "awaiting_attest",
        Payment.created_by != user.username,
        Payment.inyett_state.not_in(NOT_ATTESTABLE_STATES),
        attest_rights.covers_payment(user),
        or_(Payment.first_attested_by.is_(None), Payment.first_attested_by != user.username),
    ]


def why_not_attestable(
    payment: Payment, user: User, stood_in_for: list[User] | None = None
) -> str | None:
    """The Swedish reason `user` cannot attest `payment` now, or None when they can;
    `stood_in_for` as attest_rights.why_no_right takes it."""
    if user.role not in ATTESTER_ROLES:
        return "Bara attestanter kan attestera."
    if payment.status == "attested":
        return f"Redan attesterad av {payment.attested_by}."
    if payment.status == "undone":
        return "Betalningen är ångrad."
    if payment.created_by == user.username:
        return "Du skapade betalningen och kan inte attestera den själv."
    if payment.first_attested_by == user.username:
        return "Du har gett den första attesten. En annan attestant behöver ge den andra."
    no_right = attest_rights.why_no_right(payment, user, stood_in_for)
    if no_right:
        return no_right
    if payment.inyett_state in WAITING_STATES:
        return "Väntar på svar från Inyett."
    if payment.inyett_state == "failed":
        return "Inyett kunde inte ta emot betalningen. Skicka igen eller ångra den."
    if payment.inyett_state == "removed":
        # The Inyett column says why it was removed; this says what to do about it.
        return "Inte kontrollerad av Inyett. Skicka igen eller ångra den."
    return None


@dataclass(frozen=True, slots=True)
class RowState:
    """What a payment's row in a list offers the user, asked in one call per row: the row
    asked each of these of the payment (acknowledgement twice), a template call each, a tenth
    of the attest list's rendering."""

    blocked: str | None
    needs_two: bool
    needs_acknowledgement: bool
    undo_refused: str | None


class RowStates:
    """The RowState of each row of a list for `user`. Whom the user stands in for is read once
    for the list: asked per row, it was a query in every row their own rights did not cover."""

    def __init__(self, user: User):
        self._user = user

    @cached_property
    def _stood_in_for(self) -> list[User]:
        # Own rights that cover every company leave nothing for anyone else's to cover.
        return [] if self._user.attests_all_companies else attest_rights.standing_in_for(self._user)

    def of(self, payment: Payment) -> RowState:
        return RowState(
            blocked=why_not_attestable(payment, self._user, self._stood_in_for),
            # Asked only while it awaits attestation: the limits are read per company.
            needs_two=payment.status == "awaiting_attest" and attestations_needed(payment) == 2,
            needs_acknowledgement=needs_acknowledgement(payment),
            undo_refused=why_not_undoable(payment),
        )


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
        raise PaymentRejected(_why_lost(payment, user)) from None
    db.session.commit()


@dataclass(frozen=True)
class Reviewed:
    """A payment as the attester saw it in the bulk review: which one, and in which version, so
    that what is attested is what was reviewed."""

    payment_id: int
    version: int


@dataclass
class BulkOutcome:
    attested: list[Payment] = field(default_factory=list)
    # Each refused payment with the Swedish reason, shown on its row.
    refused: list[tuple[Payment, str]] = field(default_factory=list)


REVIEW_CONFIRMATION = "Jag har granskat varningarna för de markerade betalningarna"
CHANGED_SINCE_REVIEW = (
    "Betalningen har ändrats sedan du granskade den och attesterades inte. "
    "Raden visar nu hur den ser ut: granska den igen."
)


def attest_reviewed(reviewed: list[Reviewed], *, user: User, acknowledged: bool) -> BulkOutcome:
    """Attest each reviewed payment as Attestera on its own row would, after one confirmation
    that the warnings shown were reviewed: each is its own conditional UPDATE and audit entry,
    and a payment that cannot be attested (the user's own, attested by someone else, changed
    since the review) is refused on its own while the others go through."""
    if not reviewed:
        raise PaymentRejected("Markera de betalningar som ska attesteras.")
    # In id order, so that two bulk attests over the same rows lock them in the same order.
    reviewed = sorted(reviewed, key=lambda r: r.payment_id)
    payments = _reviewed_payments(reviewed)
    if not acknowledged and any(needs_acknowledgement(p) for p in payments.values()):
        raise PaymentRejected(f"Bekräfta: {REVIEW_CONFIRMATION}.")
    outcome = BulkOutcome()
    for review in reviewed:
        payment = payments.get(review.payment_id)
        if payment is None:
            continue
        reason = _why_not_as_reviewed(payment, user, review.version)
        if reason is None:
            try:
                _mark_attested(payment, user, acknowledged=True, expected_version=review.version)
            except PaymentRejected:
                reason = _why_lost(payment, user, _changed_since_review)
        if reason:
            outcome.refused.append((payment, reason))
        else:
            outcome.attested.append(payment)
    db.session.commit()
    for payment in outcome.attested:
        db.session.refresh(payment)
    return outcome


def _reviewed_payments(reviewed: list[Reviewed]) -> dict[int, Payment]:
    found = db.session.scalars(
        select(Payment)
        .where(Payment.id.in_([r.payment_id for r in reviewed]))
        .options(selectinload(Payment.warnings))
        .execution_options(populate_existing=True)
    ).all()
    return {payment.id: payment for payment in found}


def _why_not_as_reviewed(payment: Payment, user: User, version: int) -> str | None:
    if payment.version != version:
        return _changed_since_review(payment)
    return why_not_attestable(payment, user)


def _why_lost(payment: Payment, user: User, explain=explain_lost_race) -> str:
    """Why the attest UPDATE found no row: the user's right changed meanwhile (an admin
    lowered or removed it), or the payment did."""
    db.session.expire(user)
    return attest_rights.why_no_right(payment, user) or explain(payment)


def _changed_since_review(payment: Payment) -> str:
    reason = explain_lost_race(payment)
    return CHANGED_SINCE_REVIEW if reason == CHANGED_MEANWHILE else reason


def _mark_attested(
    payment: Payment, user: User, acknowledged: bool, expected_version: int | None
) -> None:
    """Attest in one conditional UPDATE (not committed); PaymentRejected when the rules no
    longer hold in the database, because someone else got there first. Above the company's
    dual limit the first attestation is a step of its own, and the second must be another's."""
    acknowledges = needs_acknowledgement(payment)
    conditions = [Payment.id == payment.id, *attestable_by(user)]
    if not acknowledged:
        conditions.append(Payment.warning_count == 0)
    if expected_version is not None:
        conditions.append(Payment.version == expected_version)
    first_of_two = payment.first_attested_by is None and attestations_needed(payment) == 2
    if first_of_two:
        conditions += [Payment.first_attested_by.is_(None), _above_dual_limit()]
        values = {"first_attested_by": user.username, "first_attested_at": utcnow()}
    else:
        if payment.first_attested_by is None:
            conditions += [Payment.first_attested_by.is_(None), not_(_above_dual_limit())]
        else:
            conditions += [
                Payment.first_attested_by == payment.first_attested_by,
                Payment.first_attested_by != user.username,
            ]
        values = {
            "status": "attested",
            "attested_by": user.username,
            "attested_at": utcnow(),
            "warnings_acknowledged": acknowledges,
        }
    result = db.session.execute(
        update(Payment)
        .where(*conditions)
        .values(**values, version=Payment.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise PaymentRejected(CHANGED_MEANWHILE)
    audit.record("attest", user.username, _attest_summary(payment, user, first_of_two))


def _attest_summary(payment: Payment, user: User, first_of_two: bool) -> str:
    step = "Första av två attester för" if first_of_two else "Attesterade"
    summary = (
        f"{step} {payment.external_id} ({payment.supplier_name}, {payment.invoice_number}, "
        f"{payment.amount} {payment.currency})"
    )
    if payment.first_attested_by and not first_of_two:
        summary += f"; andra attesten, den första av {payment.first_attested_by}"
    summary += "; attesträtt: " + attest_rights.right_used(payment, user)
    if needs_acknowledgement(payment):
        summary += "; granskade varningarna: " + ", ".join(warning_texts.names(payment))
    return summary


def files_ready_for_bank(attested: list[Payment]) -> list[PaymentFile]:
    """The files of `attested` that can now go to the bank and have not been downloaded: what
    the attest list offers to download where the attest was made."""
    files = {p.payment_file_id: p.payment_file for p in attested if p.payment_file is not None}
    return [f for f in files.values() if not f.download_count and why_file_not_ready(f) is None]


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
        halfway = sum(p.status != "attested" and p.first_attested_by is not None for p in remaining)
        if halfway:
            return (
                f"{unattested} av {of_all} väntar på attest, varav {halfway} på den andra av "
                "två attester."
            )
        return f"{unattested} av {of_all} väntar på attest."
    return None
