"""The ledger data payments come from: suppliers and their open invoices, entered in forms or
imported from a CSV file (all rows or none). An invoice is in the ledger once: a second one with
the same supplier and invoice number would be paid twice (the database holds the rule too; the
checks here give the reasons a person can act on). A known org.nr with a new account is what
invoice fraud looks like: an import refuses it, a person adding one by hand is told."""

import csv
import io
import unicodedata
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal
from decimal import InvalidOperation

from babel.numbers import NumberFormatError
from babel.numbers import parse_decimal
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inyett import account_numbers
from inyett import dates
from inyett import formatting
from inyett.account_numbers import InvalidNumber
from inyett.extensions import db
from inyett.models import Company
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.services import audit

CURRENCIES = ("SEK", "NOK", "EUR", "DKK", "USD", "GBP")
MAX_AMOUNT = Decimal("999999999.99")
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
CSV_EXAMPLE = (
    ";".join(CSV_COLUMNS)
    + "\n"
    + "Skatteverket;202100-5448;SE;BGNR;5050-1055;2026-1101;1234567806;;18 450,00;SEK;2026-12-01\n"
    + "Kontorsvaror AB;556036-0793;SE;PGNR;12 34 56-6;K-88;;Faktura K-88;999,50;SEK;2026-12-03\n"
    + "Bygg & Montage AB;556047-3521;SE;BBAN;5000-1234560;BM-5521;123455;;12 500,00;SEK;"
    + "2026-12-10\n"
)


MAX_IMPORT_BYTES = 2 * 1024 * 1024
INVOICE_STATES = {"open": "öppen", "in_payment": "med i en betalning"}


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
class Imported:
    """A stored import: how many invoices, and what the user should know or check per line
    (`notices`, the first MAX_NOTICES of them; `notices_left_out` says how many more)."""

    count: int
    notices: list[str] = field(default_factory=list)
    notices_left_out: int = 0


# Each notice is a flash message, and flash messages travel in the session cookie.
MAX_NOTICES = 10


@dataclass(frozen=True)
class SupplierInput:
    name: str
    orgnr: str
    country: str
    account_type: str
    account: str


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


def clean_supplier(data: SupplierInput) -> dict:
    """Validated, normalised supplier fields, or LedgerRejected with a message per field."""
    errors = {}
    name = data.name.strip()
    if not name:
        errors["name"] = "Ange leverantörens namn."
    elif has_hidden_characters(name):
        errors["name"] = hidden_characters_message("Namnet")
    elif len(name) > 70:
        errors["name"] = "Namnet får vara högst 70 tecken."
    elif name.startswith(FORMULA_PREFIXES):
        errors["name"] = _formula_message("Namnet")
    country = data.country.strip().upper()
    if country not in ("SE", "NO"):
        errors["country"] = "Land ska vara SE eller NO."
    orgnr = None
    if data.orgnr.strip() and country in ("SE", "NO"):
        try:
            orgnr = account_numbers.clean_orgnr(data.orgnr, country)
        except InvalidNumber as bad:
            errors["orgnr"] = str(bad)
    account_type = data.account_type.strip().upper()
    account = None
    if account_type not in account_numbers.ACCOUNT_TYPES:
        errors["account_type"] = "Betalsätt ska vara Bankgiro, Plusgiro, Bankkonto eller IBAN."
    elif country in ("SE", "NO"):
        try:
            account = account_numbers.clean_payee_account(account_type, data.account, country)
        except InvalidNumber as bad:
            errors["account"] = str(bad)
    if errors:
        raise LedgerRejected(errors)
    return {
        "name": name,
        "orgnr": orgnr,
        "country": country,
        "account_type": account_type,
        "account": account,
    }


def account_notice(supplier: Supplier) -> str | None:
    """What to check with the supplier about an account that was stored although its check
    digit did not match: Bankgirot says some Swedbank and Plusgirot accounts cannot be checked."""
    if supplier.country != "SE" or supplier.account_type != "BBAN":
        return None
    warning = account_numbers.bank_account_warning(
        account_numbers.clean_bank_account(supplier.account)
    )
    if warning is None:
        return None
    account = formatting.account(supplier.account, supplier.account_type, supplier.country)
    return f"Bankkontot {account} för {supplier.name}: {warning}"


def has_hidden_characters(text: str) -> bool:
    # Control characters (Cc) and format characters (Cf, e.g. U+202E RIGHT-TO-LEFT OVERRIDE)
    # are invisible or rearrange the text around them: a name could be shown as another.
    return any(unicodedata.category(char) in ("Cc", "Cf") for char in text)


def hidden_characters_message(what: str) -> str:
    return (
        f"{what} innehåller otillåtna tecken (osynliga styr- eller formateringstecken, "
        "t.ex. från inklistrad text). Skriv in det på nytt."
    )


def _formula_message(what: str) -> str:
    return (
        f"{what} får inte börja med =, +, -, @ eller ett tabbtecken: "
        "det blir en formel när uppgiften öppnas i ett kalkylark."
    )


def clean_invoice(data: InvoiceInput, country: str, account_type: str) -> dict:
    """Validated invoice fields for a supplier in `country` paid by `account_type`."""
    errors = {}
    number = data.invoice_number.strip()
    if not number:
        errors["invoice_number"] = "Ange fakturanumret."
    elif has_hidden_characters(number):
        errors["invoice_number"] = hidden_characters_message("Fakturanumret")
    elif len(number) > 35:
        errors["invoice_number"] = "Fakturanumret får vara högst 35 tecken."
    elif number.startswith(FORMULA_PREFIXES):
        errors["invoice_number"] = _formula_message("Fakturanumret")
    ocr = None
    # A CSV row with a bad country still gets its other fields checked; its OCR cannot be.
    if data.ocr.strip() and country in ("SE", "NO"):
        try:
            ocr = account_numbers.clean_reference(data.ocr, country)
        except InvalidNumber as bad:
            errors["ocr"] = str(bad)
    message = data.message.strip() or None
    if message and has_hidden_characters(message):
        errors["message"] = hidden_characters_message("Meddelandet")
    elif message and len(message) > 140:
        errors["message"] = "Meddelandet får vara högst 140 tecken."
    elif message and message.startswith(FORMULA_PREFIXES):
        errors["message"] = _formula_message("Meddelandet")
    if not ocr and not message and "ocr" not in errors:
        errors["ocr"] = "Ange OCR-nummer eller ett meddelande till mottagaren."
    amount = _amount(data.amount, errors)
    currency = data.currency.strip().upper()
    if currency not in CURRENCIES:
        errors["currency"] = f"Valutan ska vara en av {', '.join(CURRENCIES)}."
    elif account_type in ("BGNR", "PGNR") and currency != "SEK":
        errors["currency"] = "Bankgiro och plusgiro tar bara betalningar i SEK."
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


# Someone else stored the same supplier or invoice between our check and our commit.
ADDED_MEANWHILE = "Någon annan lade just till samma uppgifter. Ladda om sidan och försök igen."


def add_supplier(company: Company, data: SupplierInput, *, actor: str) -> Supplier:
    """Store a new supplier for the company, unless it has one with the same org.nr and
    account already (the database holds that rule too, for two requests at once)."""
    fields = clean_supplier(data)
    _refuse_known_payee(company, fields)
    supplier = Supplier(company=company, **fields)
    db.session.add(supplier)
    audit.record("ledger", actor, f"Leverantören {supplier.name} lades till för {company.name}")
    try:
        db.session.commit()
    except IntegrityError:
        # Stored by someone else (or a double click) between the check and the commit.
        db.session.rollback()
        _refuse_known_payee(company, fields)
        raise LedgerRejected({"account": ADDED_MEANWHILE}) from None
    return supplier


def _refuse_known_payee(company: Company, fields: dict) -> None:
    # A second copy of a supplier would take the same invoice number once more, and pay it twice.
    known = db.session.scalars(
        select(Supplier).where(
            Supplier.company_id == company.id,
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


def orgnr_notice(supplier: Supplier) -> str | None:
    """What to tell the person who just added `supplier` when the company already has another
    supplier with its org.nr: a second account for one payee is what invoice fraud looks like,
    and Inyett will warn when it is paid."""
    if not supplier.orgnr:
        return None
    others = list(
        db.session.scalars(
            select(Supplier).where(
                Supplier.company_id == supplier.company_id,
                Supplier.orgnr == supplier.orgnr,
                Supplier.id != supplier.id,
            )
        )
    )
    if not others:
        return None
    fields = {"orgnr": supplier.orgnr, "country": supplier.country}
    fields |= {"account_type": supplier.account_type, "account": supplier.account}
    return _orgnr_on_file(
        others,
        fields,
        "Kontrollera det nya kontot med leverantören innan något betalas dit: Inyett varnar "
        "när ett org.nr betalas till ett annat konto än förut.",
    )


def _commit_or_reject(rejection) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise rejection() from None


def add_invoice(supplier: Supplier, data: InvoiceInput, *, actor: str) -> SupplierInvoice:
    """Store a new open invoice from the supplier, unless the ledger already has it."""
    fields = clean_invoice(data, supplier.country, supplier.account_type)
    existing = _existing_invoices(supplier.company, [fields["invoice_number"]])
    if (supplier.id, fields["invoice_number"]) in existing:
        raise LedgerRejected(
            {"invoice_number": _already_there(existing[supplier.id, fields["invoice_number"]])}
        )
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
    rows, errors = _read_rows(_text_of(data))
    suppliers = _match_suppliers(company, rows, errors)
    _find_duplicates(company, rows, suppliers, errors)
    if errors:
        raise ImportRejected(row_errors=errors)
    if not rows:
        raise ImportRejected(file_error="Filen har bara rubrikraden, inga fakturor.")
    notices = _new_supplier_notices(rows, suppliers)
    for (_line, _fields, invoice_fields), supplier in zip(rows, suppliers, strict=True):
        db.session.add(SupplierInvoice(company=company, supplier=supplier, **invoice_fields))
    audit.record("ledger", actor, f"Import till {company.name}, fakturor: {len(rows)}")
    _commit_or_reject(lambda: ImportRejected(file_error=ADDED_MEANWHILE))
    return Imported(len(rows), notices[:MAX_NOTICES], max(0, len(notices) - MAX_NOTICES))


def _new_supplier_notices(rows, suppliers: list[Supplier]) -> list[str]:
    """Per line, in line order: the account notice of each supplier this file adds (on the
    first line that names it; suppliers already on file were told about when they were added),
    and that a line's invoice went to a supplier of another name, whose name was kept."""
    notices, seen = [], set()
    for (line, fields, _invoice), supplier in zip(rows, suppliers, strict=True):
        if supplier.id is None and id(supplier) not in seen:
            seen.add(id(supplier))
            notice = account_notice(supplier)
            if notice:
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


def _read_rows(text: str) -> tuple[list[tuple[int, dict, dict]], dict[int, list[str]]]:
    """The cleaned (line, supplier, invoice) rows and every problem of each bad line."""
    rows, errors = [], {}
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    try:
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
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
                errors[line] = [f"Raden ska ha {len(CSV_COLUMNS)} kolumner."]
            else:
                try:
                    rows.append((line, *_clean_row(row)))
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


def _clean_row(row: dict) -> tuple[dict, dict]:
    """The row's supplier and invoice fields, or LedgerRejected with the problems of both."""
    errors = {}
    try:
        supplier = clean_supplier(
            SupplierInput(
                row["leverantor"], row["orgnr"], row["land"], row["betalsatt"], row["konto"]
            )
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
        )
    except LedgerRejected as rejected:
        errors.update(rejected.errors)
    if errors:
        raise LedgerRejected(errors)
    return supplier, invoice


def _match_suppliers(company: Company, rows, errors: dict) -> list[Supplier | None]:
    """The supplier of each row: the company's supplier with the row's org.nr (or, without
    one, its account), else a new one; None where the same org.nr has another account. That
    is refused because a changed payee account is what invoice fraud looks like."""
    known = list(db.session.scalars(select(Supplier).where(Supplier.company_id == company.id)))
    matched = []
    for line, fields, _invoice in rows:
        account = (fields["account_type"], fields["account"])
        if fields["orgnr"]:
            same_payee = [s for s in known if s.orgnr == fields["orgnr"]]
        else:
            same_payee = [
                s for s in known if not s.orgnr and (s.account_type, s.account) == account
            ]
        supplier = next((s for s in same_payee if (s.account_type, s.account) == account), None)
        if supplier is None and same_payee:
            errors.setdefault(line, []).append(
                _orgnr_on_file(
                    same_payee,
                    fields,
                    "Ett nytt konto läggs inte in via import: kontrollera det med leverantören.",
                )
            )
        elif supplier is None:
            # Not in the session until its first invoice is: a rejected file leaves nothing.
            supplier = Supplier(company=company, **fields)
            known.append(supplier)
        matched.append(supplier)
    return matched


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


def _find_duplicates(company: Company, rows, suppliers: list, errors: dict) -> None:
    existing = _existing_invoices(company, [invoice["invoice_number"] for _, _, invoice in rows])
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
    company: Company, numbers: list[str]
) -> dict[tuple[int, str], SupplierInvoice]:
    """The company's invoices with these numbers, by (supplier id, invoice number)."""
    found = {}
    unique = sorted(set(numbers))
    # In chunks: a database limits how many parameters one query may have.
    for start in range(0, len(unique), 500):
        for invoice in db.session.scalars(
            select(SupplierInvoice)
            .where(SupplierInvoice.company_id == company.id)
            .where(SupplierInvoice.invoice_number.in_(unique[start : start + 500]))
        ):
            found[invoice.supplier_id, invoice.invoice_number] = invoice
    return found


def _already_there(invoice: SupplierInvoice) -> str:
    return (
        f"Faktura {invoice.invoice_number} från {invoice.supplier.name} finns redan "
        f"({formatting.amount(invoice.amount)} {invoice.currency}, förfaller "
        f"{invoice.due_date.isoformat()}, {INVOICE_STATES.get(invoice.status, invoice.status)})."
    )


def _amount(value, errors: dict) -> Decimal | None:
    try:
        amount = (
            value
            if isinstance(value, Decimal)
            else parse_decimal(str(value).strip(), locale="sv_SE", strict=False)
        )
    except (NumberFormatError, InvalidOperation, ValueError):
        errors["amount"] = "Beloppet ska vara ett tal, t.ex. 1 234,50."
        return None
    if not amount.is_finite() or amount <= 0:
        errors["amount"] = "Beloppet ska vara större än noll."
    elif amount > MAX_AMOUNT:
        errors["amount"] = "Beloppet är för stort."
    elif amount != amount.quantize(Decimal("0.01")):
        errors["amount"] = "Beloppet får ha högst två decimaler."
    else:
        return amount.quantize(Decimal("0.01"))
    return None


def _date(value, errors: dict) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return dates.parse_date(str(value), "Förfallodatum")
    except dates.InvalidDate as bad:
        errors["due_date"] = str(bad)
        return None
