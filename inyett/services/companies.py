"""Companies (bolag) and the accounts they pay from, set up by an administrator. Neither is
removed here, and a company is not edited: payment files refer to both, and a changed org.nr
would rewrite what an earlier file says. An account may be corrected while no file that the
bank has or may get is paid from it."""

from dataclasses import dataclass

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inyett import account_numbers
from inyett import formatting
from inyett.account_numbers import InvalidNumber
from inyett.extensions import db
from inyett.formatting import plural
from inyett.models import Company
from inyett.models import DebtorAccount
from inyett.models import PaymentFile
from inyett.services import audit
from inyett.services.ledger import LedgerRejected
from inyett.services.ledger import name_problem

# The name goes into the bank file as the debtor's name, which pain.001 holds to 70 characters:
# a longer one would be cut there without anyone having seen it.
NAME_MAX_LENGTH = 70
# The currencies a payment proposal can pay in (the invoice form offers these).
CURRENCIES = ("SEK", "NOK", "EUR")


class CompanyRejected(LedgerRejected):
    """Bad input; `errors` maps a form field to a Swedish message."""


def all_companies() -> list[Company]:
    return list(db.session.scalars(select(Company).order_by(Company.name)))


def create_company(name: str, orgnr: str, country: str, actor: str) -> Company:
    """A new company, or CompanyRejected with a message per field."""
    errors = {}
    name = name.strip()
    if not name:
        errors["name"] = "Ange bolagets namn."
    elif problem := name_problem("Namnet", name):
        errors["name"] = problem
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = f"Namnet får vara högst {NAME_MAX_LENGTH} tecken."
    country = country.strip().upper()
    clean_orgnr = None
    if country not in account_numbers.COUNTRIES:
        errors["country"] = "Land ska vara Sverige (SE) eller Norge (NO)."
    elif not orgnr.strip():
        errors["orgnr"] = "Ange bolagets organisationsnummer."
    else:
        try:
            clean_orgnr = account_numbers.clean_orgnr(orgnr, country)
        except InvalidNumber as bad:
            errors["orgnr"] = str(bad)
    if clean_orgnr and "orgnr" not in errors:
        existing = _company_with_orgnr(clean_orgnr)
        if existing is not None:
            errors["orgnr"] = _orgnr_taken(existing)
    if errors:
        raise CompanyRejected(errors)
    company = Company(name=name, orgnr=clean_orgnr, country=country)
    db.session.add(company)
    audit.record(
        "company",
        actor,
        f"Bolaget {name} ({formatting.orgnr(clean_orgnr, country)}, {country}) tillagt",
    )
    try:
        db.session.commit()
    except IntegrityError:
        # Another admin added the same org.nr between the check above and this commit.
        db.session.rollback()
        existing = _company_with_orgnr(clean_orgnr)
        raise CompanyRejected(
            {"orgnr": _orgnr_taken(existing) if existing else "Organisationsnumret finns redan."}
        ) from None
    return company


@dataclass(frozen=True)
class CheckedAccount:
    account_type: str
    account: str
    currency: str
    bic: str | None


class AccountInUse(Exception):
    """The paying account cannot be changed now; `str(exc)` says why, in Swedish."""


def add_debtor_account(
    company: Company, account_type: str, account: str, currency: str, bic: str, actor: str
) -> DebtorAccount:
    """A new account for `company` to pay from, checked like a supplier's account, or
    CompanyRejected with a message per field."""
    checked = _checked_account(company, account_type, account, currency, bic, editing=None)
    debtor_account = DebtorAccount(**vars(checked))
    company.debtor_accounts.append(debtor_account)
    audit.record(
        "company", actor, f"Bolaget {company.name} kan betala från {_described(debtor_account)}"
    )
    db.session.commit()
    return debtor_account


def why_account_locked(debtor_account: DebtorAccount) -> str | None:
    """Why the account cannot be changed now, or None. A downloaded file says for good which
    account paid it. A file still waiting for the bank was checked at Inyett and attested as
    paid from this account: rebuilding it from another would change what was approved behind
    the attesters' backs, so it is downloaded or its payments undone first. A file emptied by
    undo goes nowhere and holds nothing back."""
    files = db.session.scalars(
        select(PaymentFile)
        .where(
            PaymentFile.debtor_account_id == debtor_account.id,
            or_(PaymentFile.downloaded_at.is_not(None), PaymentFile.xml.is_not(None)),
        )
        .order_by(PaymentFile.downloaded_at.is_(None), PaymentFile.id)
    ).all()
    if not files:
        return None
    first = files[0]
    if first.downloaded_at is not None:
        return (
            f"Kontot kan inte ändras: betalfilen {first.message_id} laddades ner för banken "
            f"{formatting.local_datetime(first.downloaded_at)} och ska fortsätta visa att den "
            "betalades från kontot. Lägg till det rätta kontot som ett nytt konto i stället."
        )
    names = ", ".join(f.message_id for f in files)
    return (
        f"Kontot kan inte ändras: {plural(len(files), 'betalfil', 'betalfiler')} ({names}) "
        "betalas från det och har ännu inte laddats ner. Deras betalningar är kontrollerade "
        "hos Inyett och attesteras med det här kontot. Ladda ner filerna för banken eller "
        "ångra betalningarna i dem först."
    )


def update_debtor_account(
    debtor_account: DebtorAccount,
    account_type: str,
    account: str,
    currency: str,
    bic: str,
    actor: str,
) -> bool:
    """Correct an account no file holds on to (AccountInUse otherwise); CompanyRejected for
    bad input. True when anything changed; the change is audited with old and new values."""
    # Locked before the check, and a new payment file locks it for share (payments service):
    # a file made at the same moment either is seen below or is built from the new values.
    db.session.execute(
        select(DebtorAccount)
        .where(DebtorAccount.id == debtor_account.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    reason = why_account_locked(debtor_account)
    if reason:
        db.session.rollback()
        raise AccountInUse(reason)
    company = debtor_account.company
    try:
        checked = _checked_account(company, account_type, account, currency, bic, debtor_account)
    except CompanyRejected:
        db.session.rollback()  # let go of the lock while the form is shown again
        raise
    before = _described(debtor_account)
    for name, value in vars(checked).items():
        setattr(debtor_account, name, value)
    after = _described(debtor_account)
    if after == before:
        db.session.rollback()
        return False
    audit.record("company", actor, f"{company.name}: kontot {before} ändrat till {after}")
    db.session.commit()
    return True


def _checked_account(
    company: Company,
    account_type: str,
    account: str,
    currency: str,
    bic: str,
    editing: DebtorAccount | None,
) -> CheckedAccount:
    """The account's values cleaned, or CompanyRejected with a message per field."""
    errors = {}
    account_type = account_type.strip().upper()
    clean_account = None
    if account_type not in account_numbers.ACCOUNT_TYPES:
        errors["account_type"] = "Kontotyp ska vara Bankgiro, Plusgiro, Bankkonto eller IBAN."
    elif not account.strip():
        errors["account"] = "Ange kontonumret."
    else:
        try:
            clean_account = account_numbers.clean_payee_account(
                account_type, account, company.country
            )
        except InvalidNumber as bad:
            errors["account"] = str(bad)
    currency = currency.strip().upper()
    if currency not in CURRENCIES:
        errors["currency"] = f"Valuta ska vara {', '.join(CURRENCIES)}."
    clean_bic = None
    if bic.strip():
        try:
            clean_bic = account_numbers.clean_bic(bic)
        except InvalidNumber as bad:
            errors["bic"] = str(bad)
    if clean_account and any(
        a is not editing and a.account_type == account_type and a.account == clean_account
        for a in company.debtor_accounts
    ):
        errors["account"] = f"{company.name} betalar redan från det kontot."
    if errors:
        raise CompanyRejected(errors)
    return CheckedAccount(account_type, clean_account, currency, clean_bic)


def _described(debtor_account: DebtorAccount) -> str:
    bic = debtor_account.bic
    return formatting.paying_account(debtor_account) + (f", BIC {bic}" if bic else "")


def _company_with_orgnr(orgnr: str) -> Company | None:
    return db.session.scalar(select(Company).where(Company.orgnr == orgnr))


def _orgnr_taken(company: Company) -> str:
    return f"Organisationsnumret finns redan: det är {company.name}."
