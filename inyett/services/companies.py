"""Companies (bolag) and the accounts they pay from, set up by an administrator. Neither is
removed nor edited here: payment files refer to both, and a changed org.nr or account would
rewrite what an earlier file says it was paid from."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inyett import account_numbers
from inyett import formatting
from inyett.account_numbers import InvalidNumber
from inyett.extensions import db
from inyett.models import Company
from inyett.models import DebtorAccount
from inyett.services import audit
from inyett.services.ledger import LedgerRejected
from inyett.services.ledger import has_hidden_characters
from inyett.services.ledger import hidden_characters_message

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
    elif has_hidden_characters(name):
        errors["name"] = hidden_characters_message("Namnet")
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


def add_debtor_account(
    company: Company, account_type: str, account: str, currency: str, bic: str, actor: str
) -> DebtorAccount:
    """A new account for `company` to pay from, checked like a supplier's account, or
    CompanyRejected with a message per field."""
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
    if bic.strip():
        try:
            bic = account_numbers.clean_bic(bic)
        except InvalidNumber as bad:
            errors["bic"] = str(bad)
    else:
        bic = ""
    if (
        clean_account
        and "account_type" not in errors
        and any(
            a.account_type == account_type and a.account == clean_account
            for a in company.debtor_accounts
        )
    ):
        errors["account"] = f"{company.name} betalar redan från det kontot."
    if errors:
        raise CompanyRejected(errors)
    debtor_account = DebtorAccount(
        account_type=account_type, account=clean_account, currency=currency, bic=bic or None
    )
    company.debtor_accounts.append(debtor_account)
    audit.record(
        "company",
        actor,
        f"Bolaget {company.name} kan betala från {formatting.paying_account(debtor_account)}"
        + (f", BIC {bic}" if bic else ""),
    )
    db.session.commit()
    return debtor_account


def _company_with_orgnr(orgnr: str) -> Company | None:
    return db.session.scalar(select(Company).where(Company.orgnr == orgnr))


def _orgnr_taken(company: Company) -> str:
    return f"Organisationsnumret finns redan: det är {company.name}."
