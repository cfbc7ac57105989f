"""The ledger data payments come from: suppliers and their open invoices, entered in forms or
imported from a CSV file (all rows or none). An invoice is in the ledger once: a second one with
the same supplier and invoice number would be paid twice (the database holds the rule too; the
checks here give the reasons a person can act on). A known org.nr with a new account is what
invoice fraud looks like: an import refuses it, a person adding one by hand is told."""

import csv
import io
import itertools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import tuple_
from sqlalchemy.exc import IntegrityError

from inyett import account_numbers
from inyett import dates
from inyett import formatting
from inyett import money
from inyett.account_numbers import InvalidNumber
from inyett.bankfiles import profiles as bank_profiles
from inyett.bankfiles.text import bank_text
from inyett.extensions import db
from inyett.models import Company
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.services import audit
from inyett.services import payee_accounts
from inyett.services import payees

CURRENCIES = ("SEK", "NOK", "EUR", "DKK", "USD", "GBP")
# Cells starting like this become formulas when a spreadsheet opens a file made from our data.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = [
    "leverantor",
    "orgnr",
    "land",
    "betalsatt",
    "konto",
    "fakturanr",
    "ocr",
    "meddelande",
    "belopp",
    "valuta",
    "forfallodatum",
]
# Optional: a file without them imports as before, with the supplier's address and BIC empty
# (enough at home; a supplier abroad needs them, see services.payees).
CSV_ADDRESS_COLUMNS = ["gatuadress", "postnummer", "ort", "bic"]
CSV_EXAMPLE = (
    ";".join(CSV_COLUMNS)
    + "\n"
    + "Skatteverket;202100-5448;SE;BGNR;5050-1055;2026-1101;1234567806;;18 450,00;SEK;2026-12-01\n"
    + "Kontorsvaror AB;556036-0793;SE;PGNR;12 34 56-6;K-88;;Faktura K-88;999,50;SEK;2026-12-03\n"
    + "Bygg & Montage AB;556047-3521;SE;BBAN;5000-1234560;BM-5521;123455;;12 500,00;SEK;"
    + "2026-12-10\n"
)


MAX_IMPORT_BYTES = 2 * 1024 * 1024
INVOICE_STATES = {"open": "öppen", "in_payment": "med i en betalning", "removed": "borttagen"}


class LedgerRejected(Exception):
    """Bad input; `errors` maps a field to a Swedish message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


# A page of every problem in a huge bad file would be too long to read or even to load.
MAX_BAD_LINES = 100


class ImportRejected(Exception):
    """A CSV file that imported nothing: `file_error` says why the file as a whole is unusable,
    or else `row_errors` maps each bad line number to every problem found on it, for the first
    MAX_BAD_LINES bad lines; `more_after` is then the last of them if later lines are bad too."""

    def __init__(self, *, file_error: str | None = None, row_errors=None):
        self.file_error = file_error
        lines = sorted((row_errors or {}).items())
        self.row_errors: dict[int, list[str]] = dict(lines[:MAX_BAD_LINES])
        self.more_after: int | None = (
            lines[MAX_BAD_LINES - 1][0] if len(lines) > MAX_BAD_LINES else None
        )
        super().__init__(file_error or self.row_errors)

    @property
    def problem_count(self) -> int:
        return sum(len(problems) for problems in self.row_errors.values())


@dataclass(frozen=True)
class ImportedRow:
    """What one line of an import stored, for the user to check against the file."""

    line: int
    supplier_name: str
    invoice_number: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Imported:
    """A stored import: how many invoices, what each line stored (`rows`), and what the user
    should know or check per line (`notices`, the first MAX_NOTICES of them;
    `notices_left_out` says how many more)."""

    count: int
    notices: list[str] = field(default_factory=list)
    notices_left_out: int = 0
    rows: list[ImportedRow] = field(default_factory=list)


# Each notice is a flash message, and flash messages travel in the session cookie.
MAX_NOTICES = 10


@dataclass(frozen=True)
class SupplierInput:
    name: str
    orgnr: str
    country: str
    account_type: str
    account: str
    # Required for cross-border payments, optional at home (see services.payees).
    street: str = ""
    post_code: str = ""
    town: str = ""
    bic: str = ""


@dataclass(frozen=True)
class InvoiceInput:
    invoice_number: str
    ocr: str
    message: str
    amount: str | Decimal
    currency: str
    due_date: str | date


def company_to_show(companies: list[Company], wanted: int | None) -> Company:
    """The company asked for when it is one of `companies`, else the first one set up (lowest
    id), which in the demo is Demo Fastigheter AB. The lists stay sorted by name for reading; the
    default is by id so that adding a company called "Aaa" does not move everyone's start page."""
    asked_for = next((company for company in companies if company.id == wanted), None)
    return asked_for or min(companies, key=lambda company: company.id)


def clean_supplier(data: SupplierInput, company: Company) -> dict:
    """Validated, normalised supplier fields, or LedgerRejected with a message per field:
    `company` pays it, so whether the payment crosses a border decides what else it needs."""
    errors = {}
    country = data.country.strip().upper()
    if problem := payees.country_problem(country):
        errors["country"] = problem
    name, orgnr = _clean_identity(data.name, data.orgnr, country, errors)
    account_type = data.account_type.strip().upper()
    account = None
    if account_type not in account_numbers.ACCOUNT_TYPES:
        errors["account_type"] = "Betalsätt ska vara Bankgiro, Plusgiro, Bankkonto eller IBAN."
    elif "country" not in errors:
        account = _clean_account(company, country, account_type, data.account, errors)
    address = {
        field: _clean_text(label, getattr(data, field), limit, errors, field)
        for field, (label, limit) in payees.ADDRESS_FIELDS.items()
    }
    if "country" not in errors:
        for field, message in payees.missing_address(company.country, country, address).items():
            errors.setdefault(field, message)
    bic = _clean_bic(data.bic, company, country, account_type, account, errors)
    if errors:
        raise LedgerRejected(errors)
    return {
        "name": name,
        "orgnr": orgnr,
        "country": country,
        "account_type": account_type,
        "account": account,
        "bic": bic,
        **address,
    }


def clean_supplier_identity(name: str, orgnr: str, country: str) -> dict:
    """A stored supplier's name and org.nr as corrected, checked as for a new supplier in
    `country`, or LedgerRejected with a message per field."""
    errors = {}
    name, orgnr = _clean_identity(name, orgnr, country, errors)
    if errors:
        raise LedgerRejected(errors)
    return {"name": name, "orgnr": orgnr}


def _clean_identity(name: str, orgnr: str, country: str, errors: dict):
    cleaned = _clean_text("Namnet", name, 70, errors, "name", name_problem)
    if not cleaned and "name" not in errors:
        errors["name"] = "Ange leverantörens namn."
    return cleaned, _clean_orgnr(orgnr, country, errors)


def _clean_text(
    what: str, value: str, limit: int, errors: dict, field: str, problem_of=None
) -> str | None:
    """A name or address line as stored (None when empty), or its problem in `errors`."""
    text = value.strip()
    if not text:
        return None
    if problem := (problem_of or text_problem)(what, text):
        errors[field] = problem
    elif len(text) > limit:
        errors[field] = f"{what} får vara högst {limit} tecken."
    elif text.startswith(FORMULA_PREFIXES):
        errors[field] = _formula_message(what)
    return text


def _clean_orgnr(value: str, country: str, errors: dict) -> str | None:
    if not value.strip():
        return None
    if country not in account_numbers.COUNTRIES:
        # Inyett checks an org.nr against the Swedish and Norwegian registers only; a bad
        # country has its own message already.
        if country in payees.country_names():
            errors["orgnr"] = (
                "Organisationsnummer anges bara för svenska och norska leverantörer: lämna "
                f"fältet tomt för en leverantör i {payees.country_name(country)}."
            )
        return None
    try:
        return account_numbers.clean_orgnr(value, country)
    except InvalidNumber as bad:
        errors["orgnr"] = str(bad)
        return None


def _clean_account(
    company: Company, country: str, account_type: str, value: str, errors: dict
) -> str | None:
    try:
        if country in account_numbers.COUNTRIES:
            account = account_numbers.clean_payee_account(account_type, value, country)
        else:
            account = account_numbers.clean_foreign_payee_account(account_type, value)
    except InvalidNumber as bad:
        errors["account"] = str(bad)
        return None
    errors.update(payees.route_problems(company, country, account_type, account))
    return account


def _clean_bic(
    value: str, company: Company, country: str, account_type: str, account, errors: dict
) -> str | None:
    """The BIC of the payee's bank: checked when given, required where only it reaches the
    bank (see payees.needs_bic)."""
    if value.strip():
        if account_type in ("BGNR", "PGNR"):
            errors["bic"] = payees.GIRO_HAS_NO_BIC
            return None
        try:
            return account_numbers.clean_bic(value)
        except InvalidNumber as bad:
            errors["bic"] = str(bad)
            return None
    if account and payees.needs_bic(company.country, country, account_type, account):
        errors["bic"] = (
            "Ange BIC för leverantörens bank: en betalning till "
            f"{payees.country_name(country)}, utanför SEPA, kräver den."
        )
    return None


def bank_name_notice(supplier: Supplier) -> str | None:
    """The supplier's name as the bank file carries it, when that is not the name typed: a
    bank's character set has no & or é, and the payer should see what the bank will see."""
    profile = bank_profiles.profile_for(None, supplier.company.country)
    in_file = bank_text(profile, supplier.name)
    if in_file == supplier.name:
        return None
    return (
        f"I betalfilen till banken står namnet som ”{in_file}”: tecken som bankernas filer inte "
        "tar emot skrivs om."
    )


def account_notice(supplier: Supplier) -> str | None:
    """What to check with the supplier about an account that was stored although its check
    digit did not match: Bankgirot says some Swedbank and Plusgirot accounts cannot be checked."""
    if supplier.country != "SE" or supplier.account_type != "BBAN":
        return None
    warning = account_numbers.bank_account_warning(
        account_numbers.stored_bank_account(supplier.account)
    )
    if warning is None:
        return None
    account = formatting.account(supplier.account, supplier.account_type, supplier.country)
    return f"Bankkontot {account} för {supplier.name}: {warning}"


def saved_message(supplier: Supplier) -> str:
    """What a new supplier was stored with, written as its owner writes it, so that the payer
    sees which account (and for a Swedish bank account, which bank) the typed number became."""
    bank = ""
    if supplier.country == "SE" and supplier.account_type == "BBAN":
        bank = f" ({account_numbers.stored_bank_account(supplier.account).bank})"
    return f"Leverantören {supplier.name} är sparad. Konto: {_account_text(supplier)}{bank}."


# Invisible, or rearranging the text around them (U+202E RIGHT-TO-LEFT OVERRIDE), or breaking
# a line where none is seen (U+2028): a name could be shown as another.
INVISIBLE_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")
# Private use, surrogates and unassigned code points (noncharacters like U+FFFF among them):
# each screen, font and bank shows them its own way, or not at all, so what the payer saw is
# not what the bank gets.
UNSHOWABLE_CATEGORIES = ("Co", "Cs", "Cn")
REPLACEMENT_CHARACTER = "\ufffd"


def text_problem(what: str, text: str) -> str | None:
    """Why `text` (a name, invoice number or message) cannot be stored as typed, in Swedish,
    or None: the characters above, and U+FFFD, which stands where a file had a byte that could
    not be read."""
    categories = {unicodedata.category(char) for char in text}
    if categories.intersection(INVISIBLE_CATEGORIES):
        return (
            f"{what} innehåller otillåtna tecken (osynliga styr- eller formateringstecken, "
            "t.ex. från inklistrad text). Skriv in det på nytt."
        )
    if REPLACEMENT_CHARACTER in text:
        return (
            f"{what} innehåller otillåtna tecken (\ufffd, som står där ett tecken inte gick "
            "att läsa, t.ex. i en fil som inte är sparad som UTF-8 eller Windows-1252). Rätta "
            "det och försök igen."
        )
    if categories.intersection(UNSHOWABLE_CATEGORIES):
        return (
            f"{what} innehåller otillåtna tecken (privata eller odefinierade Unicode-tecken, "
            "som visas olika eller inte alls på andra skärmar och i banken). Skriv in det på nytt."
        )
    return None


def name_problem(what: str, name: str) -> str | None:
    """text_problem, or that the name mixes scripts (see _mixed_scripts)."""
    return text_problem(what, name) or _mixed_scripts(what, name)


# Scripts that one name may mix, as Unicode's "highly restrictive" profile (UTS #39) allows:
# Japanese, Chinese and Korean names are written with Han, their own scripts and Latin.
SCRIPTS_WRITTEN_TOGETHER = (
    {"LATIN", "HAN", "HIRAGANA", "KATAKANA"},
    {"LATIN", "HAN", "BOPOMOFO"},
    {"LATIN", "HAN", "HANGUL"},
)
# Words of Unicode character names that name a script ("CJK UNIFIED IDEOGRAPH-6771"), for
# letters whose name does not begin with their script ("FULLWIDTH LATIN CAPITAL LETTER A").
SCRIPT_WORDS = {
    "LATIN": "LATIN",
    "CYRILLIC": "CYRILLIC",
    "GREEK": "GREEK",
    "CJK": "HAN",
    "IDEOGRAPHIC": "HAN",
    "HIRAGANA": "HIRAGANA",
    "KATAKANA": "KATAKANA",
}
# A script's letters in Swedish: one ("är inte latinsk") and several ("latinska bokstäver").
SCRIPT_ADJECTIVES = {
    "LATIN": ("latinsk", "latinska"),
    "CYRILLIC": ("kyrillisk", "kyrilliska"),
    "GREEK": ("grekisk", "grekiska"),
    "ARMENIAN": ("armenisk", "armeniska"),
    "CHEROKEE": ("cherokesisk", "cherokesiska"),
    "HAN": ("kinesisk", "kinesiska"),
}


@lru_cache(maxsize=4096)
def _script(char: str) -> str | None:
    """The script of a letter, from its Unicode name; None for digits, punctuation, spaces and
    combining marks, which belong to every script."""
    if not unicodedata.category(char).startswith("L"):
        return None
    words = unicodedata.name(char, "?").replace("-", " ").split()
    return next((SCRIPT_WORDS[word] for word in words if word in SCRIPT_WORDS), words[0])


def _mixed_scripts(what: str, name: str) -> str | None:
    """Why a name that mixes scripts is refused: a Cyrillic "Ѕ" in "Ѕkatteverket" or a Greek
    omicron in a Latin name looks the same on screen but is another name to every search and
    comparison, which is how a payee is impersonated."""
    first_letters: dict[str, str] = {}
    for char in name:
        script = _script(char)
        if script:
            first_letters.setdefault(script, char)
    scripts = set(first_letters)
    if len(scripts) < 2 or any(scripts <= together for together in SCRIPTS_WRITTEN_TOGETHER):
        return None
    home = "LATIN" if "LATIN" in scripts else next(iter(first_letters))
    others = [script for script in first_letters if script != home]
    odd = next(
        (s for s in others if not any({home, s} <= t for t in SCRIPTS_WRITTEN_TOGETHER)),
        others[0],
    )
    home_one, home_many = SCRIPT_ADJECTIVES.get(home, ("annan", "andra"))
    odd_many = SCRIPT_ADJECTIVES.get(odd, ("annan", "andra"))[1]
    return (
        f"{what} blandar {home_many} och {odd_many} bokstäver (”{first_letters[odd]}” är inte "
        f"{home_one}): en bokstav som bara liknar en {home_one} får ett namn att se ut som "
        f"ett annat. Skriv namnet med {home_many} bokstäver."
    )


def _formula_message(what: str) -> str:
    return (
        f"{what} får inte börja med =, +, -, @ eller ett tabbtecken: "
        "det blir en formel när uppgiften öppnas i ett kalkylark."
    )


def clean_invoice(
    data: InvoiceInput, country: str, account_type: str, *, payer_country: str
) -> dict:
    """Validated invoice fields for a supplier in `country` paid by `account_type`, from a
    company in `payer_country`."""
    errors = {}
    number = data.invoice_number.strip()
    if not number:
        errors["invoice_number"] = "Ange fakturanumret."
    elif problem := text_problem("Fakturanumret", number):
        errors["invoice_number"] = problem
    elif len(number) > 35:
        errors["invoice_number"] = "Fakturanumret får vara högst 35 tecken."
    elif number.startswith(FORMULA_PREFIXES):
        errors["invoice_number"] = _formula_message("Fakturanumret")
    ocr = None
    # A CSV row with a bad country still gets its other fields checked; its OCR cannot be.
    if data.ocr.strip() and country in account_numbers.COUNTRIES:
        try:
            ocr = account_numbers.clean_reference(data.ocr, country)
        except InvalidNumber as bad:
            errors["ocr"] = str(bad)
    elif data.ocr.strip() and country in payees.country_names():
        errors["ocr"] = (
            "OCR och KID finns bara för svenska och norska mottagare: skriv referensen i "
            "meddelandet."
        )
    message = data.message.strip() or None
    if message and (problem := text_problem("Meddelandet", message)):
        errors["message"] = problem
    elif message and len(message) > 140:
        errors["message"] = "Meddelandet får vara högst 140 tecken."
    elif message and message.startswith(FORMULA_PREFIXES):
        errors["message"] = _formula_message("Meddelandet")
    elif message and (cut := _cut_on_the_way(message, payer_country, account_type, country)):
        errors["message"] = cut
    if not ocr and not message and "ocr" not in errors:
        errors["ocr"] = "Ange OCR-nummer eller ett meddelande till mottagaren."
    amount = _amount(data.amount, errors)
    currency = data.currency.strip().upper()
    if currency not in CURRENCIES:
        errors["currency"] = f"Valutan ska vara en av {', '.join(CURRENCIES)}."
    elif problem := payees.currency_problem(country, account_type, currency):
        errors["currency"] = problem
    due_date = _date(data.due_date, errors)
    if errors:
        raise LedgerRejected(errors)
    return {
        "invoice_number": number,
        "ocr": ocr,
        "message": message,
        "amount": amount,
        "currency": currency,
        "due_date": due_date,
    }


def _cut_on_the_way(message: str, payer_country: str, account_type: str, country: str):
    """Why `message` would not reach the payee whole, or None: refused at entry rather than
    cut in the bank file."""
    if payer_country not in account_numbers.COUNTRIES or account_type not in (
        account_numbers.ACCOUNT_TYPES
    ):
        return None  # the row has other errors, told on their own
    limit = bank_profiles.strictest_message_length(payer_country, account_type, country)
    if len(message) <= limit:
        return None
    return (
        f"Meddelandet är {len(message)} tecken, men till {_payee_channel(account_type)} "
        f"når bara {limit} fram till mottagaren. Korta det, eller ange ett OCR-nummer."
    )


def _payee_channel(account_type: str) -> str:
    # Bankgirot's payment records carry 25 characters, its deposit to a bank account 12.
    return {"BGNR": "ett bankgiro", "PGNR": "ett plusgiro", "BBAN": "ett bankkonto"}.get(
        account_type, "mottagaren"
    )


# Someone else stored the same supplier or invoice between our check and our commit.
ADDED_MEANWHILE = "Någon annan lade just till samma uppgifter. Ladda om sidan och försök igen."


SHARED_LABEL = "Leverantörerna delar konto"


def add_supplier(
    company: Company, data: SupplierInput, *, actor: str, shared_confirmed: bool = False
) -> Supplier:
    """Store a new supplier for the company, unless it has one with the same org.nr and
    account already (the database holds that rule too, for two requests at once), or another
    supplier is paid to the account and the payer has not confirmed that they share it. Its
    account waits for a second person's approval (services.payee_accounts)."""
    fields = clean_supplier(data, company)
    refuse_known_payee(company, fields)
    try:
        _refuse_shared_account(company, fields, shared_confirmed)
    except LedgerRejected:
        # A double click's other request may have stored this very supplier since the first
        # check; that is a supplier that exists, not one to confirm a shared account with.
        refuse_known_payee(company, fields)
        raise
    supplier = Supplier(company=company, **fields)
    db.session.add(supplier)
    payee_accounts.entered(supplier, actor, shared_confirmed=shared_confirmed)
    audit.record(
        "ledger",
        actor,
        f"Leverantören {supplier.name} lades till för {company.name}, konto "
        f"{_account_text(supplier)} (ej godkänt)" + _shared_words(shared_confirmed),
    )
    try:
        db.session.commit()
    except IntegrityError:
        # Stored by someone else (or a double click) between the check and the commit.
        db.session.rollback()
        refuse_known_payee(company, fields)
        raise LedgerRejected({"account": ADDED_MEANWHILE}) from None
    return supplier


def change_account(
    supplier: Supplier, data: SupplierInput, *, actor: str, shared_confirmed: bool = False
) -> Supplier:
    """Give the supplier a new payee account (only the account fields of `data` are used),
    not paid to until a second person approves it; the old one is kept in the history."""
    wanted = SupplierInput(
        supplier.name,
        supplier.orgnr or "",
        supplier.country,
        data.account_type,
        data.account,
        data.street,
        data.post_code,
        data.town,
        data.bic,
    )
    fields = clean_supplier(wanted, supplier.company)
    if all(fields[name] == getattr(supplier, name) for name in payee_accounts.ACCOUNT_FIELDS):
        raise LedgerRejected({"account": "Kontot är detsamma som förut; inget ändrades."})
    same_payee = (fields["account_type"], fields["account"]) == (
        supplier.account_type,
        supplier.account,
    )
    if not same_payee:
        refuse_known_payee(supplier.company, fields)
        _refuse_shared_account(supplier.company, fields, shared_confirmed, supplier.id)
    old = _account_text(supplier)
    if not payee_accounts.replace_current(supplier):
        db.session.rollback()
        raise LedgerRejected({"account": CHANGED_MEANWHILE})
    for name in payee_accounts.ACCOUNT_FIELDS:
        setattr(supplier, name, fields[name])
    payee_accounts.entered(supplier, actor, shared_confirmed=shared_confirmed)
    audit.record(
        "payee_account",
        actor,
        f"Mottagarkontot för {supplier.name} ({supplier.company.name}) ändrades från {old} "
        f"till {_account_text(supplier)}"
        + (f", BIC {supplier.bic}" if supplier.bic else "")
        + "; ej godkänt"
        + _shared_words(shared_confirmed),
    )
    _commit_or_reject(lambda: LedgerRejected({"account": CHANGED_MEANWHILE}))
    return supplier


CHANGED_MEANWHILE = (
    "Kontot hann ändras av någon annan, eller så finns leverantören redan med det kontot. "
    "Ladda om sidan och se vad som gäller nu."
)


def _shared_words(shared_confirmed: bool) -> str:
    return f"; ”{SHARED_LABEL}” bekräftat" if shared_confirmed else ""


def _refuse_shared_account(
    company: Company, fields: dict, confirmed: bool, supplier_id: int | None = None
) -> None:
    """Two suppliers on one account is how an invoice gets paid to someone else's account; a
    factoring company is paid for many suppliers, so a person may confirm that it is right."""
    if confirmed:
        return
    others = db.session.scalars(
        select(Supplier).where(
            Supplier.company_id == company.id,
            Supplier.account_type == fields["account_type"],
            Supplier.account == fields["account"],
            Supplier.id != (supplier_id or 0),
        )
    ).all()
    if others:
        raise LedgerRejected(
            {
                "shared_confirmed": f"{_shared_account(fields, others)} Kryssa i "
                f"”{SHARED_LABEL}” om de verkligen delar konto, till exempel ett factoringbolag."
            }
        )


def _shared_account(fields: dict, others: list[Supplier]) -> str:
    """`Bankgiro 5050-1055 används redan av Skatteverket (org.nr 202100-5448).`"""
    owners = ", ".join(s.name + "".join(f" ({orgnr})" for orgnr in _orgnr_text(s)) for s in others)
    account = formatting.account(fields["account"], fields["account_type"], fields["country"])
    return (
        f"{formatting.account_label(fields['account_type'])} {account} används redan av {owners}."
    )


def refuse_known_payee(company: Company, fields: dict, other_than: int | None = None) -> None:
    """Refuse a second supplier with the payee of `fields`; `other_than` is the supplier being
    corrected, which is not a second one."""
    # A second copy of a supplier would take the same invoice number once more, and pay it twice.
    known = db.session.scalars(
        select(Supplier).where(
            Supplier.company_id == company.id,
            Supplier.id != (other_than or 0),
            Supplier.country == fields["country"],
            Supplier.account_type == fields["account_type"],
            Supplier.account == fields["account"],
            func.coalesce(Supplier.orgnr, "") == (fields["orgnr"] or ""),
        )
    ).first()
    if known is not None:
        account = formatting.account(known.account, known.account_type, known.country)
        raise LedgerRejected(
            {
                "account": f"Leverantören finns redan: {known.name}, "
                f"{formatting.account_label(known.account_type)} {account}"
                + (" med samma organisationsnummer" if known.orgnr else "")
                + ". Lägg fakturorna på den."
            }
        )


def look_alike_notices(supplier: Supplier) -> list[str]:
    """What to tell the person who just added `supplier` about the company's other suppliers
    it could be taken for: with its org.nr (a second account for one payee is what invoice
    fraud looks like, and Inyett will warn when it is paid), with its name, or on its account."""
    index = SupplierIndex(
        db.session.scalars(
            select(Supplier).where(
                Supplier.company_id == supplier.company_id, Supplier.id != supplier.id
            )
        )
    )
    notices, told = [], set()
    same_orgnr = index.by_orgnr.get(supplier.orgnr, []) if supplier.orgnr else []
    if same_orgnr:
        fields = {"orgnr": supplier.orgnr, "country": supplier.country}
        fields |= {"account_type": supplier.account_type, "account": supplier.account}
        notices.append(
            _orgnr_on_file(
                same_orgnr,
                fields,
                "Kontrollera det nya kontot med leverantören innan något betalas dit: Inyett "
                "varnar när ett org.nr betalas till ett annat konto än förut.",
            )
        )
        told.update(s.id for s in same_orgnr)
    same_name = [s for s in index.by_name.get(name_key(supplier.name), []) if s.id not in told]
    if same_name:
        notices.append(
            _same_name_on_file(
                same_name,
                "Kontrollera med leverantören att det nya kontot är rätt innan något betalas dit.",
            )
        )
        told.update(s.id for s in same_name)
    on_account = index.by_account.get((supplier.account_type, supplier.account), [])
    if others := [s for s in on_account if s.id not in told]:
        notices.append(_shared_account_notice(supplier, others))
    return notices


def _commit_or_reject(rejection, write=lambda: None) -> None:
    try:
        write()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise rejection() from None


def checked_invoice(supplier: Supplier, data: InvoiceInput, other_than: int | None = None) -> dict:
    """The invoice fields of `data` for `supplier` as Ny faktura stores them, or LedgerRejected:
    also when the supplier has that invoice number already (`other_than` is the invoice being
    corrected, which may keep its number)."""
    fields = clean_invoice(
        data, supplier.country, supplier.account_type, payer_country=supplier.company.country
    )
    # A supplier stored by an earlier version may not be payable under today's rules.
    if problem := payees.stored_payee_problem(supplier.company, supplier, fields["currency"]):
        raise LedgerRejected({"supplier": problem})
    key = (supplier.id, fields["invoice_number"])
    existing = _existing_invoices([key])
    if key in existing and existing[key].id != other_than:
        raise LedgerRejected({"invoice_number": _already_there(existing[key])})
    return fields


def add_invoice(supplier: Supplier, data: InvoiceInput, *, actor: str) -> SupplierInvoice:
    """Store a new open invoice from the supplier, unless the ledger already has it."""
    fields = checked_invoice(supplier, data)
    invoice = SupplierInvoice(company=supplier.company, supplier=supplier, **fields)
    db.session.add(invoice)
    audit.record(
        "ledger", actor, f"Faktura {invoice.invoice_number} från {supplier.name} lades till"
    )
    _commit_or_reject(lambda: LedgerRejected({"invoice_number": ADDED_MEANWHILE}))
    return invoice


def import_invoices(company: Company, data: bytes, *, actor: str) -> Imported:
    """Import suppliers and invoices from a CSV file's bytes. Any bad row rejects the whole
    file: ImportRejected names every problem of every row."""
    rows, errors = _read_rows(_text_of(data), company)
    suppliers = _match_suppliers(company, rows, errors)
    _find_duplicates(rows, suppliers, errors)
    if errors:
        raise ImportRejected(row_errors=errors)
    if not rows:
        raise ImportRejected(file_error="Filen har bara rubrikraden, inga fakturor.")
    notices = _new_supplier_notices(rows, suppliers)
    stored = [
        ImportedRow(
            line,
            supplier.name,
            invoice_fields["invoice_number"],
            invoice_fields["amount"],
            invoice_fields["currency"],
        )
        for (line, _fields, invoice_fields), supplier in zip(rows, suppliers, strict=True)
    ]
    audit.record("ledger", actor, f"Import till {company.name}, fakturor: {len(rows)}")
    _commit_or_reject(
        lambda: ImportRejected(file_error=ADDED_MEANWHILE),
        write=lambda: _store_invoices(company, rows, suppliers, actor),
    )
    return Imported(len(rows), notices[:MAX_NOTICES], max(0, len(notices) - MAX_NOTICES), stored)


def _store_invoices(company: Company, rows, suppliers: list[Supplier], actor: str) -> None:
    """The new suppliers (whose ids the invoices need) with their accounts waiting for
    approval, then every invoice in one INSERT of many rows: as ORM objects, each would be a
    statement and a round trip of its own."""
    new_suppliers = {id(s): s for s in suppliers if s.id is None}.values()
    db.session.add_all(new_suppliers)
    for supplier in new_suppliers:
        payee_accounts.entered(supplier, actor)
    db.session.flush()
    db.session.execute(
        insert(SupplierInvoice),
        [
            {"company_id": company.id, "supplier_id": supplier.id, **invoice_fields}
            for (_line, _fields, invoice_fields), supplier in zip(rows, suppliers, strict=True)
        ],
    )


def _new_supplier_notices(rows, suppliers: list[Supplier]) -> list[str]:
    """Per line, in line order: for each supplier this file adds (on the first line that names
    it; suppliers already on file were told about when they were added) its account notice,
    and that a line's invoice went to a supplier of another name, whose name was kept."""
    notices, seen = [], set()
    for (line, fields, _invoice), supplier in zip(rows, suppliers, strict=True):
        if supplier.id is None and id(supplier) not in seen:
            seen.add(id(supplier))
            if notice := account_notice(supplier):
                notices.append(f"Rad {line}: {notice}")
        if fields["name"] != supplier.name:
            # The match is on org.nr and account, which is who gets paid; the name in the
            # file is dropped, so the user should know where the invoice went.
            same = "samma org.nr och konto" if fields["orgnr"] else "samma konto"
            notices.append(
                f"Rad {line}: leverantören finns redan som {supplier.name} ({same}); "
                "fakturan lades på den."
            )
    return notices


def _text_of(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRejected(file_error="Filen är större än 2 MB.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # Excel's "CSV" on Swedish Windows.
        text = data.decode("cp1252", errors="replace")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ImportRejected(file_error="Filen är tom.")
    # No text file has NUL bytes; spreadsheets (.xlsx), PDFs and images do.
    if "\x00" in text:
        raise ImportRejected(
            file_error="Filen är inte en CSV-fil. Spara den som CSV (semikolonavgränsad) och "
            "försök igen."
        )
    return text


def _read_rows(
    text: str, company: Company
) -> tuple[list[tuple[int, dict, dict]], dict[int, list[str]]]:
    """The cleaned (line, supplier, invoice) rows of `company`'s file and every problem of
    each bad line."""
    rows, errors = [], {}
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    try:
        header = reader.fieldnames or []
        missing = [c for c in CSV_COLUMNS if c not in header]
        if len(missing) == len(CSV_COLUMNS):
            raise ImportRejected(
                file_error="Filen är inte en CSV-fil i importformatet: första raden ska vara "
                "rubrikraden " + ";".join(CSV_COLUMNS) + ". Utgå gärna från exempelfilen."
            )
        if missing:
            raise ImportRejected(
                file_error="Rubrikraden saknar kolumnerna " + ", ".join(missing) + "."
            )
        for row in reader:
            line = reader.line_num
            if None in row or any(value is None for value in row.values()):
                errors[line] = [f"Raden ska ha {len(header)} kolumner."]
            else:
                try:
                    rows.append((line, *_clean_row(row, company)))
                except LedgerRejected as rejected:
                    errors[line] = list(rejected.errors.values())
            # One bad line more than is shown is enough to say that there are more.
            if len(errors) > MAX_BAD_LINES:
                break
    except csv.Error as exc:
        raise ImportRejected(
            file_error="Filen går inte att läsa som CSV. Spara den som CSV (semikolonavgränsad) "
            "och försök igen."
        ) from exc
    return rows, errors


def _clean_row(row: dict, company: Company) -> tuple[dict, dict]:
    """The row's supplier and invoice fields, or LedgerRejected with the problems of both."""
    errors = {}
    try:
        supplier = clean_supplier(
            SupplierInput(
                row["leverantor"],
                row["orgnr"],
                row["land"],
                row["betalsatt"],
                row["konto"],
                *(row.get(column) or "" for column in CSV_ADDRESS_COLUMNS),
            ),
            company,
        )
    except LedgerRejected as rejected:
        errors.update(rejected.errors)
        supplier = {
            "country": row["land"].strip().upper(),
            "account_type": row["betalsatt"].strip().upper(),
        }
    try:
        invoice = clean_invoice(
            InvoiceInput(
                row["fakturanr"],
                row["ocr"],
                row["meddelande"],
                row["belopp"],
                row["valuta"],
                row["forfallodatum"],
            ),
            supplier["country"],
            supplier["account_type"],
            payer_country=company.country,
        )
    except LedgerRejected as rejected:
        errors.update(rejected.errors)
    if errors:
        raise LedgerRejected(errors)
    return supplier, invoice


def _match_suppliers(company: Company, rows, errors: dict) -> list:
    """The supplier of each row (see _known_payee), a new one where none is known, None where
    the row is refused (also a new one on an account another supplier has)."""
    index = SupplierIndex(
        db.session.scalars(select(Supplier).where(Supplier.company_id == company.id))
    )
    matched = []
    for line, fields, _invoice in rows:
        supplier, refusal = _known_payee(index, fields)
        if refusal:
            errors.setdefault(line, []).append(refusal)
        elif supplier is None and (
            shared := index.by_account.get((fields["account_type"], fields["account"]))
        ):
            errors.setdefault(line, []).append(
                f"{_shared_account(fields, shared)} En leverantör som delar konto med en annan "
                f"läggs inte in via import: lägg in den för hand under Ny leverantör och kryssa "
                f"i ”{SHARED_LABEL}” om det är rätt."
            )
        elif supplier is None:
            # Not in the session until its first invoice is: a rejected file leaves nothing.
            supplier = Supplier(company=company, **fields)
            index.add(supplier)
        matched.append(supplier)
    return matched


IMPORT_NO_NEW_ACCOUNT = "Ett nytt konto läggs inte in via import: kontrollera det med leverantören."


def _known_payee(index: "SupplierIndex", fields: dict) -> tuple[Supplier | None, str | None]:
    """The known supplier a row pays (same org.nr and account; without an org.nr, the same
    account under the same name, or under any name for a supplier without org.nr), None for a
    new one; or why the row is refused. A known org.nr or a known name with another account is
    what invoice fraud looks like, so an import never adds one."""
    account = (fields["account_type"], fields["account"])
    key = name_key(fields["name"])
    if fields["orgnr"]:
        same_orgnr = index.by_orgnr.get(fields["orgnr"], [])
        supplier = next((s for s in same_orgnr if (s.account_type, s.account) == account), None)
        if supplier or same_orgnr:
            refusal = (
                None if supplier else _orgnr_on_file(same_orgnr, fields, IMPORT_NO_NEW_ACCOUNT)
            )
            return supplier, refusal
    else:
        on_account = index.by_account.get(account, [])
        supplier = next((s for s in on_account if name_key(s.name) == key), None) or next(
            (s for s in on_account if not s.orgnr), None
        )
        if supplier:
            return supplier, None
    same_name = index.by_name.get(key)
    if same_name:
        return None, _same_name_on_file(
            same_name,
            "En ny leverantör med samma namn läggs inte in via import: kontrollera kontot med "
            "leverantören, och lägg in den för hand under Ny leverantör om det är en annan.",
        )
    return None, None


# Company-form words do not tell suppliers apart: "Acme AB" and "ACME Aktiebolag (publ)" are
# one name to a reader.
COMPANY_FORM_WORDS = {"ab", "aktiebolag", "aktiebolaget", "publ", "as", "asa", "aksjeselskap"}
# Cyrillic and Greek letters (after casefold) that look like Latin ones, so that a name written
# wholly in them matches the Latin name it imitates; a name mixing them is refused outright.
LOOK_ALIKE_LETTERS = str.maketrans(
    "авекмнорстухѕіјһԁԛԝαβεζηικμνορτυχ", "abekmhopctyxsijhdqwabezhikmnoptyx"
)


def name_key(name: str) -> str:
    """What two supplier names have in common when a reader would take them for one: the
    same letters, whatever their case, width, spaces, punctuation and company form."""
    folded = unicodedata.normalize("NFKC", name).casefold().translate(LOOK_ALIKE_LETTERS)
    words = re.findall(r"\w+", folded.replace("a/s", "as"))
    return "".join([word for word in words if word not in COMPANY_FORM_WORDS] or words)


class SupplierIndex:
    """A company's suppliers by org.nr, by account and by name_key, built once, so that a file
    costs one lookup per row however many suppliers there are; add() takes the new ones."""

    def __init__(self, suppliers):
        self.by_orgnr: dict[str, list[Supplier]] = defaultdict(list)
        self.by_account: dict[tuple[str, str], list[Supplier]] = defaultdict(list)
        self.by_name: dict[str, list[Supplier]] = defaultdict(list)
        for supplier in suppliers:
            self.add(supplier)

    def add(self, supplier: Supplier) -> None:
        if supplier.orgnr:
            self.by_orgnr[supplier.orgnr].append(supplier)
        self.by_account[supplier.account_type, supplier.account].append(supplier)
        self.by_name[name_key(supplier.name)].append(supplier)


def _account_text(supplier: Supplier) -> str:
    """`Bankgiro 5050-1055`."""
    return f"{formatting.account_label(supplier.account_type)} " + formatting.account(
        supplier.account, supplier.account_type, supplier.country
    )


def _orgnr_text(supplier: Supplier) -> list[str]:
    return (
        [f"org.nr {formatting.orgnr(supplier.orgnr, supplier.country)}"] if supplier.orgnr else []
    )


def _same_name_on_file(same_name: list[Supplier], what_to_do: str) -> str:
    described = "; ".join(", ".join([s.name, *_orgnr_text(s), _account_text(s)]) for s in same_name)
    return f"En leverantör med samma namn finns redan ({described}). {what_to_do}"


def _shared_account_notice(supplier: Supplier, others: list[Supplier]) -> str:
    """A new supplier on an account others are paid to is stored, since a factoring company
    is paid for many suppliers, but the payer should know whose account it is."""
    owners = ", ".join(s.name + "".join(f" ({orgnr})" for orgnr in _orgnr_text(s)) for s in others)
    return (
        f"{_account_text(supplier)} är redan konto för {owners}. {supplier.name} lades till "
        "som en ny leverantör med samma konto: kontrollera med leverantören att det är rätt "
        "mottagare, till exempel ett factoringbolag."
    )


def _orgnr_on_file(same_payee: list[Supplier], fields: dict, what_to_do: str) -> str:
    registered = ", ".join(
        f"{s.name}, {formatting.account_label(s.account_type)} "
        + formatting.account(s.account, s.account_type, s.country)
        for s in same_payee
    )
    orgnr = formatting.orgnr(fields["orgnr"], fields["country"])
    other_account = any(
        (s.account_type, s.account) != (fields["account_type"], fields["account"])
        for s in same_payee
    )
    return (
        f"Leverantören med org.nr {orgnr} finns redan"
        + (" med ett annat konto" if other_account else "")
        + f" ({registered}). {what_to_do}"
    )


def _find_duplicates(rows, suppliers: list, errors: dict) -> None:
    existing = _existing_invoices(
        [
            (supplier.id, invoice["invoice_number"])
            for (_line, _fields, invoice), supplier in zip(rows, suppliers, strict=True)
            if supplier is not None and supplier.id is not None
        ]
    )
    first_line: dict[tuple[int, str], int] = {}
    for (line, _fields, invoice), supplier in zip(rows, suppliers, strict=True):
        if supplier is None:
            continue
        number = invoice["invoice_number"]
        in_file = (id(supplier), number)
        if (supplier.id, number) in existing:
            errors.setdefault(line, []).append(_already_there(existing[supplier.id, number]))
        elif in_file in first_line:
            errors.setdefault(line, []).append(
                f"Faktura {number} från {supplier.name} finns redan på rad {first_line[in_file]}."
            )
        else:
            first_line[in_file] = line


def _existing_invoices(
    keys: list[tuple[int, str]],
) -> dict[tuple[int, str], SupplierInvoice]:
    """The stored invoices with these (supplier id, invoice number), by that pair: looked up
    by the pair, which the unique index holds, not by number among all the company's."""
    found = {}
    unique = sorted(set(keys))
    # In chunks: a database limits how many parameters one query may have.
    for start in range(0, len(unique), 250):
        for invoice in db.session.scalars(
            select(SupplierInvoice).where(
                tuple_(SupplierInvoice.supplier_id, SupplierInvoice.invoice_number).in_(
                    unique[start : start + 250]
                )
            )
        ):
            found[invoice.supplier_id, invoice.invoice_number] = invoice
    return found


def _already_there(invoice: SupplierInvoice) -> str:
    return (
        f"Faktura {invoice.invoice_number} från {invoice.supplier.name} finns redan "
        f"({formatting.amount(invoice.amount)} {invoice.currency}, förfaller "
        f"{invoice.due_date.isoformat()}, {INVOICE_STATES.get(invoice.status, invoice.status)})."
    )


def historical_duplicates() -> list[list[SupplierInvoice]]:
    """The invoices an earlier version stored more than once from one supplier, which the
    upgrade kept (they may have been paid): per invoice its copies, the first stored first."""
    copied = select(SupplierInvoice.supplier_id, SupplierInvoice.invoice_number).where(
        SupplierInvoice.duplicate_number > 0
    )
    invoices = db.session.scalars(
        select(SupplierInvoice)
        .where(tuple_(SupplierInvoice.supplier_id, SupplierInvoice.invoice_number).in_(copied))
        .order_by(
            SupplierInvoice.company_id,
            SupplierInvoice.supplier_id,
            SupplierInvoice.invoice_number,
            SupplierInvoice.duplicate_number,
        )
    )
    return [
        list(copies)
        for _key, copies in itertools.groupby(
            invoices, key=lambda invoice: (invoice.supplier_id, invoice.invoice_number)
        )
    ]


def describe_copy(invoice: SupplierInvoice) -> str:
    """One copy of a kept duplicate, as `invoice-duplicates` lists it."""
    which = f"kopia {invoice.duplicate_number}" if invoice.duplicate_number else "först sparad"
    return (
        f"faktura-id {invoice.id}, {which}: {formatting.amount(invoice.amount)} "
        f"{invoice.currency}, förfaller {invoice.due_date.isoformat()}, "
        f"{INVOICE_STATES.get(invoice.status, invoice.status)}"
    )


def _amount(value, errors: dict) -> Decimal | None:
    # A negative amount is a credit note (kreditfaktura), netted in Betalningsförslag.
    try:
        if isinstance(value, Decimal):
            return money.check_amount(value, credit_allowed=True)
        return money.parse_amount(str(value), credit_allowed=True)
    except money.InvalidAmount as bad:
        errors["amount"] = str(bad)
        return None


def _date(value, errors: dict) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return dates.parse_date(str(value), "Förfallodatum")
    except dates.InvalidDate as bad:
        errors["due_date"] = str(bad)
        return None
