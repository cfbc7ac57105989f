"""The ledger data payments come from: suppliers and their open invoices, entered in forms or
imported from a CSV file (all rows or none)."""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from decimal import InvalidOperation

from babel.numbers import NumberFormatError
from babel.numbers import parse_decimal
from sqlalchemy import select

from inyett import account_numbers
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


class LedgerRejected(Exception):
    """Bad input; `errors` maps a field (or "line N") to a Swedish message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


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


def clean_supplier(data: SupplierInput) -> dict:
    """Validated, normalised supplier fields, or LedgerRejected with a message per field."""
    errors = {}
    name = data.name.strip()
    if not name:
        errors["name"] = "Ange leverantörens namn."
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
    elif len(number) > 35:
        errors["invoice_number"] = "Fakturanumret får vara högst 35 tecken."
    elif number.startswith(FORMULA_PREFIXES):
        errors["invoice_number"] = _formula_message("Fakturanumret")
    ocr = None
    if data.ocr.strip():
        try:
            ocr = account_numbers.clean_reference(data.ocr, country)
        except InvalidNumber as bad:
            errors["ocr"] = str(bad)
    message = data.message.strip() or None
    if message and len(message) > 140:
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


def add_supplier(company: Company, data: SupplierInput, *, actor: str) -> Supplier:
    """Store a new supplier for the company."""
    supplier = Supplier(company=company, **clean_supplier(data))
    db.session.add(supplier)
    audit.record("ledger", actor, f"Leverantören {supplier.name} lades till för {company.name}")
    db.session.commit()
    return supplier


def add_invoice(supplier: Supplier, data: InvoiceInput, *, actor: str) -> SupplierInvoice:
    """Store a new open invoice from the supplier."""
    invoice = SupplierInvoice(
        company=supplier.company,
        supplier=supplier,
        **clean_invoice(data, supplier.country, supplier.account_type),
    )
    db.session.add(invoice)
    audit.record(
        "ledger", actor, f"Faktura {invoice.invoice_number} från {supplier.name} lades till"
    )
    db.session.commit()
    return invoice


def import_invoices(company: Company, text: str, *, actor: str) -> int:
    """Import suppliers and invoices from CSV; any bad row rejects the whole file."""
    try:
        rows, errors = _read_rows(text)
    except csv.Error as exc:
        raise LedgerRejected(
            {"fil": "Filen går inte att läsa som CSV. Spara den som CSV med semikolon och försök."}
        ) from exc
    if errors:
        raise LedgerRejected(errors)
    if not rows:
        raise LedgerRejected({"fil": "Filen innehåller inga fakturor."})
    for supplier_fields, invoice_fields in rows:
        supplier = _find_or_make_supplier(company, supplier_fields)
        db.session.add(SupplierInvoice(company=company, supplier=supplier, **invoice_fields))
    audit.record("ledger", actor, f"{len(rows)} fakturor importerades för {company.name}")
    db.session.commit()
    return len(rows)


def _read_rows(text: str) -> tuple[list[tuple[dict, dict]], dict[str, str]]:
    """The cleaned (supplier, invoice) rows and a message per bad line; csv.Error if not CSV."""
    rows, errors = [], {}
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise LedgerRejected({"rad 1": "Rubrikraden saknar kolumnerna " + ", ".join(missing) + "."})
    for row in reader:
        line = reader.line_num
        if None in row or any(value is None for value in row.values()):
            errors[f"rad {line}"] = f"Raden ska ha {len(CSV_COLUMNS)} kolumner."
            continue
        try:
            supplier = clean_supplier(
                SupplierInput(
                    row["leverantor"], row["orgnr"], row["land"], row["betalsatt"], row["konto"]
                )
            )
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
            errors[f"rad {line}"] = " ".join(rejected.errors.values())
            continue
        rows.append((supplier, invoice))
        if len(errors) >= 100:
            break
    return rows, errors


def _find_or_make_supplier(company: Company, fields: dict) -> Supplier:
    supplier = db.session.scalar(
        select(Supplier)
        .where(Supplier.company_id == company.id)
        .where(Supplier.account_type == fields["account_type"])
        .where(Supplier.account == fields["account"])
        .where(Supplier.name == fields["name"])
    )
    if supplier is None:
        supplier = Supplier(company=company, **fields)
        db.session.add(supplier)
        db.session.flush()
    return supplier


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
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors["due_date"] = "Förfallodatum ska skrivas ÅÅÅÅ-MM-DD."
        return None
