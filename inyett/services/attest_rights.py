"""Attesträtt: which companies a user may attest for, and up to which amount per payment.

A user who attests all companies (every user until an admin limits them, so nothing changes on
upgrade) may attest any payment. A limited user may attest a payment only when a right names its
company and currency, and the amount is at most the right's limit (no limit when it has none).
The limit is per currency and compared in the payment's own currency: exact, and no exchange
rate decides who may attest.
"""

from decimal import Decimal

from sqlalchemy import exists
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inyett.extensions import db
from inyett.formatting import amount as formatted_amount
from inyett.models import AttestRight
from inyett.models import Company
from inyett.models import DualAttestLimit
from inyett.models import Payment
from inyett.models import User
from inyett.services import audit
from inyett.services.ledger import CURRENCIES


class RightRejected(Exception):
    """An admin's change to a right that cannot be made; the message is Swedish."""


def why_no_right(payment: Payment, user: User) -> str | None:
    """The Swedish reason the user's rights do not cover the payment, or None when they do."""
    if user.attests_all_companies:
        return None
    in_company = [r for r in user.attest_rights if r.company_id == payment.company_id]
    if not in_company:
        return f"Du har ingen attesträtt för {payment.company.name}."
    right = next((r for r in in_company if r.currency == payment.currency), None)
    if right is None:
        company = payment.company.name
        return f"Du har ingen attesträtt för betalningar i {payment.currency} i {company}."
    if right.max_amount is not None and payment.amount > right.max_amount:
        return f"Över din attestgräns {describe_limit(right)}."
    return None


def covers_payment(user: User):
    """The same rule as why_no_right, as a condition on Payment for the attest UPDATE, so that a
    right an admin removes or lowers at that moment is what the database checks."""
    right_covers = exists().where(
        AttestRight.user_id == user.id,
        AttestRight.company_id == Payment.company_id,
        AttestRight.currency == Payment.currency,
        or_(AttestRight.max_amount.is_(None), AttestRight.max_amount >= Payment.amount),
    )
    attests_all = exists().where(User.id == user.id, User.attests_all_companies.is_(True))
    return or_(attests_all, right_covers)


def right_used(payment: Payment, user: User) -> str:
    """Under which right the user attests the payment, as the audit log records it; read from
    the database, as the attest UPDATE checked it."""
    all_companies = db.session.scalar(select(User.attests_all_companies).where(User.id == user.id))
    if all_companies:
        return "alla bolag utan beloppsgräns"
    right = db.session.scalar(
        select(AttestRight).where(
            AttestRight.user_id == user.id,
            AttestRight.company_id == payment.company_id,
            AttestRight.currency == payment.currency,
        )
    )
    return describe(right)


def describe_limit(right: AttestRight) -> str:
    if right.max_amount is None:
        return f"utan beloppsgräns i {right.currency}"
    return f"{formatted_amount(right.max_amount)} {right.currency}"


def describe(right: AttestRight) -> str:
    """`Demo Eiendom AS, NOK: högst 50 000,00 NOK` as the audit log and the page say it."""
    limit = "ingen beloppsgräns" if right.max_amount is None else f"högst {describe_limit(right)}"
    return f"{right.company.name}, {right.currency}: {limit}"


def set_all_companies(user: User, all_companies: bool, actor: User) -> bool:
    """Let the user attest every company, or only what their rights list; False when unchanged."""
    if user.attests_all_companies == all_companies:
        return False
    user.attests_all_companies = all_companies
    scope = "alla bolag utan beloppsgräns" if all_companies else "bara enligt sina attesträtter"
    audit.record("user", actor.username, f"Användaren {user.username} attesterar nu {scope}")
    db.session.commit()
    return True


def grant(
    user: User, company: Company, currency: str, max_amount: Decimal | None, actor: User
) -> AttestRight:
    """Give (or change) the user's right in a company and currency."""
    if user.role not in ("attester", "admin"):
        raise RightRejected(f"{user.username} är inte attestant och kan inte ha attesträtt.")
    if currency not in CURRENCIES:
        raise RightRejected(f"Valutan ska vara en av {', '.join(CURRENCIES)}.")
    # Row-locked so that two admins changing the same right cannot lose one change unseen.
    right = db.session.scalar(
        select(AttestRight)
        .where(
            AttestRight.user_id == user.id,
            AttestRight.company_id == company.id,
            AttestRight.currency == currency,
        )
        .with_for_update()
    )
    before = describe(right) if right else None
    if right is None:
        right = AttestRight(user=user, company=company, currency=currency)
        db.session.add(right)
    right.max_amount = max_amount
    change = f"{describe(right)}" + (f" (var {before})" if before else "")
    audit.record("user", actor.username, f"Attesträtt för {user.username}: {change}")
    try:
        db.session.commit()
    except IntegrityError:
        # Another admin gave the same new right at the same moment; theirs stands.
        db.session.rollback()
        raise RightRejected(
            "Attesträtten ändrades samtidigt av någon annan. Försök igen."
        ) from None
    return right


def revoke(user: User, right_id: int, actor: User) -> bool:
    """Remove one of the user's rights; False when it was already gone."""
    right = db.session.get(AttestRight, right_id)
    if right is None or right.user_id != user.id:
        return False
    audit.record(
        "user", actor.username, f"Attesträtt borttagen för {user.username}: {describe(right)}"
    )
    db.session.delete(right)
    db.session.commit()
    return True


def set_dual_limit(company: Company, currency: str, above_amount: Decimal, actor: User) -> None:
    """From now on, the company's payments in `currency` above the amount need two attesters
    (neither the creator); one that already has its one attestation keeps it."""
    if currency not in CURRENCIES:
        raise RightRejected(f"Valutan ska vara en av {', '.join(CURRENCIES)}.")
    limit = db.session.scalar(
        select(DualAttestLimit)
        .where(DualAttestLimit.company_id == company.id, DualAttestLimit.currency == currency)
        .with_for_update()
    )
    before = f" (var över {formatted_amount(limit.above_amount)})" if limit else ""
    if limit is None:
        limit = DualAttestLimit(company_id=company.id, currency=currency)
        db.session.add(limit)
    limit.above_amount = above_amount
    audit.record(
        "company",
        actor.username,
        f"{company.name}: två attestanter för betalningar i {currency} över "
        f"{formatted_amount(above_amount)} {currency}{before}",
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise RightRejected("Gränsen ändrades samtidigt av någon annan. Försök igen.") from None


def remove_dual_limit(limit_id: int, actor: User) -> bool:
    """One attester is enough again for the limit's company and currency; False if gone."""
    limit = db.session.get(DualAttestLimit, limit_id)
    if limit is None:
        return False
    company = db.session.get(Company, limit.company_id)
    audit.record(
        "company",
        actor.username,
        f"{company.name}: en attestant räcker igen för betalningar i {limit.currency} "
        f"(var två över {formatted_amount(limit.above_amount)} {limit.currency})",
    )
    db.session.delete(limit)
    db.session.commit()
    return True
