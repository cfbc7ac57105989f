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
from sqlalchemy.orm import aliased

from inyett import dates
from inyett.extensions import db
from inyett.formatting import amount as formatted_amount
from inyett.models import AttestRight
from inyett.models import Company
from inyett.models import DualAttestLimit
from inyett.models import Payment
from inyett.models import Substitution
from inyett.models import User
from inyett.services import audit
from inyett.services.ledger import CURRENCIES

ATTESTER_ROLES = ("attester", "admin")


class RightRejected(Exception):
    """A change to a right or a substitute that cannot be made; the message is Swedish, and
    `field` names the form field it is about, when one is."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def why_no_right(
    payment: Payment, user: User, stood_in_for: list[User] | None = None
) -> str | None:
    """The Swedish reason the user's rights do not cover the payment, or None when they do,
    their own or those of someone they stand in for today: `stood_in_for`, when a list has read
    them once for all its rows, else read here."""
    reason = _why_not_own(payment, user)
    if reason is None:
        return None
    owners = standing_in_for(user) if stood_in_for is None else stood_in_for
    return None if any(_why_not_own(payment, owner) is None for owner in owners) else reason


def _why_not_own(payment: Payment, user: User) -> str | None:
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


def standing_in_for(user: User) -> list[User]:
    """The enabled attesters whose substitute `user` is today (Swedish time). An owner who is
    no longer an attester lends nothing: a payer's "all companies" is no attest right."""
    today = dates.today_in_sweden()
    return list(
        db.session.scalars(
            select(User)
            .join(Substitution, Substitution.owner_id == User.id)
            .where(
                *_substituting(user, today),
                User.is_enabled.is_(True),
                User.role.in_(ATTESTER_ROLES),
            )
        )
    )


def _substituting(user: User, today) -> list:
    return [
        Substitution.substitute_id == user.id,
        Substitution.starts_on <= today,
        Substitution.ends_on >= today,
    ]


def covers_payment(user: User):
    """The same rule as why_no_right, as a condition on Payment for the attest UPDATE, so that a
    right an admin removes or lowers at that moment is what the database checks."""
    own, owner = aliased(User), aliased(User)
    mine = exists().where(own.id == user.id, _rights_cover(own))
    theirs = exists().where(
        *_substituting(user, dates.today_in_sweden()),
        owner.id == Substitution.owner_id,
        owner.is_enabled.is_(True),
        owner.role.in_(ATTESTER_ROLES),
        _rights_cover(owner),
    )
    return or_(mine, theirs)


def _rights_cover(holder):
    return or_(
        holder.attests_all_companies.is_(True),
        exists()
        .where(
            AttestRight.user_id == holder.id,
            AttestRight.company_id == Payment.company_id,
            AttestRight.currency == Payment.currency,
            or_(AttestRight.max_amount.is_(None), AttestRight.max_amount >= Payment.amount),
        )
        # Nested in another EXISTS: the payment and the holder are the outer rows.
        .correlate_except(AttestRight),
    )


def right_used(payment: Payment, user: User) -> str:
    """Under which right the user attests the payment, as the audit log records it; read from
    the database, as the attest UPDATE checked it."""
    own = _stored_right(payment, user)
    if own:
        return own
    for owner in standing_in_for(user):
        theirs = _stored_right(payment, owner)
        if theirs:
            return f"{theirs}, attesterad av {user.display_name} för {owner.display_name}"
    return "ingen"


def _stored_right(payment: Payment, holder: User) -> str | None:
    if db.session.scalar(select(User.attests_all_companies).where(User.id == holder.id)):
        return "alla bolag utan beloppsgräns"
    right = db.session.scalar(
        select(AttestRight).where(
            AttestRight.user_id == holder.id,
            AttestRight.company_id == payment.company_id,
            AttestRight.currency == payment.currency,
            or_(AttestRight.max_amount.is_(None), AttestRight.max_amount >= payment.amount),
        )
    )
    return describe(right) if right else None


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
    if user.role not in ATTESTER_ROLES:
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


def substitutions_of(owner: User) -> list[Substitution]:
    return list(
        db.session.scalars(
            select(Substitution)
            .where(Substitution.owner_id == owner.id)
            .order_by(Substitution.starts_on, Substitution.id)
        )
    )


def standing_in_periods(substitute: User) -> list[Substitution]:
    """The periods, today's and later ones, in which `substitute` stands in for someone."""
    return list(
        db.session.scalars(
            select(Substitution)
            .where(
                Substitution.substitute_id == substitute.id,
                Substitution.ends_on >= dates.today_in_sweden(),
            )
            .order_by(Substitution.starts_on, Substitution.id)
        )
    )


def possible_substitutes(owner: User) -> list[User]:
    """Who can be named the owner's substitute: the other attesters and admins."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_(ATTESTER_ROLES), User.id != owner.id)
            .order_by(User.username)
        )
    )


def set_substitute(owner: User, substitute: User, starts_on, ends_on, actor: User) -> Substitution:
    """From starts_on to ends_on (inclusive) the substitute attests with the owner's rights;
    set by the owner themself or by an admin (`actor`, whom the audit log names)."""
    _check_substitution(owner, substitute, starts_on, ends_on, actor)
    substitution = Substitution(
        owner=owner, substitute=substitute, starts_on=starts_on, ends_on=ends_on
    )
    db.session.add(substitution)
    audit.record(
        "user",
        actor.username,
        f"{substitute.display_name} ({substitute.username}) är ersättare för "
        f"{owner.display_name} ({owner.username}) {starts_on}–{ends_on}",
    )
    try:
        db.session.commit()
    except IntegrityError:
        # The same substitute for the same period is there already, as from a double click.
        db.session.rollback()
        whose = "din ersättare" if actor.id == owner.id else f"ersättare för {owner.display_name}"
        raise RightRejected(
            f"{substitute.display_name} är redan {whose} {starts_on}–{ends_on}.", "substitute"
        ) from None
    return substitution


def _check_substitution(owner: User, substitute: User, starts_on, ends_on, actor: User) -> None:
    if owner.role not in ATTESTER_ROLES:
        raise RightRejected(
            f"{owner.username} är inte attestant och har ingen attesträtt som en ersättare kan "
            "använda."
        )
    if substitute.id == owner.id:
        yourself = "dig själv" if actor.id == owner.id else "användaren själv"
        raise RightRejected(f"Välj någon annan än {yourself} som ersättare.", "substitute")
    if substitute.role not in ATTESTER_ROLES:
        raise RightRejected(
            f"{substitute.username} är inte attestant och kan inte vara ersättare för attest.",
            "substitute",
        )
    if ends_on < starts_on:
        raise RightRejected("Till och med kan inte vara före Från och med.", "till")
    today = dates.today_in_sweden()
    if ends_on < today:
        raise RightRejected(
            f"Perioden slutade {ends_on}, före i dag ({today}). Ange en period som inte redan "
            "är slut.",
            "till",
        )


def remove_substitute(owner: User, substitution_id: int, actor: User) -> bool:
    """Remove one of the owner's substitutes; False when it was already gone. Someone else's
    is refused, whoever asks, so that an id posted by hand removes nothing it should not."""
    substitution = db.session.get(Substitution, substitution_id)
    if substitution is None:
        return False
    if substitution.owner_id != owner.id:
        raise RightRejected("Ersättaren hör till en annan användare och togs inte bort.")
    audit.record(
        "user",
        actor.username,
        f"{substitution.substitute.username} är inte längre ersättare för {owner.username} "
        f"{substitution.starts_on}–{substitution.ends_on}",
    )
    db.session.delete(substitution)
    db.session.commit()
    return True
