"""Companies (bolag) and the accounts they pay from, set up by an administrator. Neither is
removed here, and a company is not edited: payment files refer to both, and a changed org.nr
would rewrite what an earlier file says. An account may be corrected while no file that the
bank has or may get is paid from it."""

import re
from dataclasses import dataclass

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inyett import account_numbers
from inyett import formatting
from inyett import paying_banks
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
_COUNTRY_NAMES = {"SE": "Sverige", "NO": "Norge"}


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
class PayingAccountInput:
    """The form's values for an account to pay from, as typed."""

    account_type: str
    account: str
    currency: str
    bank: str = ""  # a profile key, or "" to follow the account number
    agreement_id: str = ""
    bankgiro: str = ""
    plusgiro: str = ""


@dataclass(frozen=True)
class CheckedAccount:
    account_type: str
    account: str
    currency: str
    bic: str | None
    bank: str
    agreement_id: str | None
    bankgiro: str | None
    plusgiro: str | None


@dataclass(frozen=True)
class BankOfAccount:
    """The bank an account pays through as the Bolag page and the payment file name it, and
    what is missing before a file can be made from it."""

    bank: str | None
    bic: str | None
    bank_name: str | None
    missing: tuple[str, ...]


class AccountInUse(Exception):
    """The paying account cannot be changed now; `str(exc)` says why, in Swedish."""


AGREEMENT_ID_MAX_LENGTH = 35  # InitgPty/Id/OrgId/Othr/Id in pain.001
_AGREEMENT_ID = re.compile(r"[A-Za-z0-9 ./-]+")


def bank_of(debtor_account: DebtorAccount) -> BankOfAccount:
    """Bank, BIC and what is missing: the bank as saved (or as the account number says, for
    an account saved before banks were asked for), the BIC from the registry."""
    missing = []
    identified = paying_banks.Identified()
    if debtor_account.has_bank_account:
        identified = paying_banks.identify(
            debtor_account.company.country, debtor_account.account_type, debtor_account.account
        )
    else:
        missing.append("Bankkonto saknas")
    if not debtor_account.agreement_id:
        missing.append("Avtals-id saknas")
    bank = debtor_account.bank or identified.bank
    return BankOfAccount(
        bank=bank,
        bic=identified.bic or debtor_account.bic,
        bank_name=identified.bank_name or (paying_banks.BANKS[bank].name if bank else None),
        missing=tuple(missing),
    )


def add_debtor_account(company: Company, typed: PayingAccountInput, actor: str) -> DebtorAccount:
    """A new account for `company` to pay from, checked like a supplier's account, or
    CompanyRejected with a message per field."""
    checked = _checked_account(company, typed, editing=None)
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
    debtor_account: DebtorAccount, typed: PayingAccountInput, actor: str
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
        checked = _checked_account(company, typed, debtor_account)
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
    company: Company, typed: PayingAccountInput, editing: DebtorAccount | None
) -> CheckedAccount:
    """The account's values cleaned, or CompanyRejected with a message per field."""
    errors = {}
    account_type, clean_account = _checked_bank_account(company, typed, errors)
    currency = typed.currency.strip().upper()
    if currency not in CURRENCIES:
        errors["currency"] = f"Valuta ska vara {', '.join(CURRENCIES)}."
    identified = paying_banks.Identified()
    if clean_account:
        identified = paying_banks.identify(company.country, account_type, clean_account)
    bank = typed.bank.strip() or identified.bank
    if clean_account and (
        problem := paying_banks.why_not_this_bank(bank, identified, company.country)
    ):
        errors["bank"] = problem
    agreement_id = " ".join(typed.agreement_id.split())
    if len(agreement_id) > AGREEMENT_ID_MAX_LENGTH:
        errors["agreement_id"] = f"Avtals-id får vara högst {AGREEMENT_ID_MAX_LENGTH} tecken."
    elif agreement_id and not _AGREEMENT_ID.fullmatch(agreement_id):
        errors["agreement_id"] = (
            "Avtals-id får bara innehålla bokstäver A–Z, siffror, mellanslag, punkt, "
            "snedstreck och bindestreck, som banken skrev det."
        )
    giros = {
        field: _checked_giro(company, field, getattr(typed, field), errors)
        for field in ("bankgiro", "plusgiro")
    }
    if clean_account and any(
        a is not editing and a.account_type == account_type and a.account == clean_account
        for a in company.debtor_accounts
    ):
        errors["account"] = f"{company.name} betalar redan från det kontot."
    if errors:
        raise CompanyRejected(errors)
    return CheckedAccount(
        account_type,
        clean_account,
        currency,
        identified.bic,
        bank,
        agreement_id or None,
        giros["bankgiro"],
        giros["plusgiro"],
    )


def _checked_bank_account(
    company: Company, typed: PayingAccountInput, errors: dict
) -> tuple[str, str | None]:
    account_type = typed.account_type.strip().upper()
    if account_type not in ("BBAN", "IBAN"):
        errors["account_type"] = "Kontotyp ska vara Bankkonto eller IBAN."
        return account_type, None
    if not typed.account.strip():
        errors["account"] = "Ange bolagets bankkonto."
        return account_type, None
    try:
        clean = account_numbers.clean_payee_account(account_type, typed.account, company.country)
    except InvalidNumber as bad:
        errors["account"] = str(bad)
        return account_type, None
    if account_type == "IBAN" and clean[:2] != company.country:
        # The banks the files are made for are Swedish and Norwegian: an account abroad is
        # paid from through that bank's own channels, not through a file from here.
        errors["account"] = f"Kontot ska vara ett konto i {_COUNTRY_NAMES[company.country]}."
        return account_type, None
    return account_type, clean


def _checked_giro(company: Company, field: str, value: str, errors: dict) -> str | None:
    if not value.strip():
        return None
    if company.country != "SE":
        errors[field] = f"{field.capitalize()} finns bara för svenska bolag."
        return None
    clean = (
        account_numbers.clean_bankgiro if field == "bankgiro" else account_numbers.clean_plusgiro
    )
    try:
        return clean(value)
    except InvalidNumber as bad:
        errors[field] = str(bad)
        return None


def _described(debtor_account: DebtorAccount) -> str:
    details = bank_of(debtor_account)
    parts = [formatting.paying_account(debtor_account)]
    if details.bank:
        parts.append(f"bank {paying_banks.BANKS[details.bank].name}")
    if details.bic:
        parts.append(f"BIC {details.bic}")
    for label, account_type, number in (
        ("bankgiro", "BGNR", debtor_account.bankgiro),
        ("plusgiro", "PGNR", debtor_account.plusgiro),
    ):
        if number:
            parts.append(f"{label} {account_numbers.format_account(account_type, number)}")
    if debtor_account.agreement_id:
        parts.append(f"avtals-id {debtor_account.agreement_id}")
    return ", ".join(parts)


def _company_with_orgnr(orgnr: str) -> Company | None:
    return db.session.scalar(select(Company).where(Company.orgnr == orgnr))


def _orgnr_taken(company: Company) -> str:
    return f"Organisationsnumret finns redan: det är {company.name}."
