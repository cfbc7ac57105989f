"""How numbers and times are shown to Swedish users."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.numbers import parse_pattern

from inyett import account_numbers

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Parsed once: babel's format_decimal parses its pattern and looks up the locale on every call,
# which was a tenth of the attest list's rendering (50 amounts a page).
SWEDISH = Locale.parse("sv_SE")
TWO_DECIMALS = parse_pattern("#,##0.00")
WHOLE = parse_pattern("#,##0")
SWEDISH_SIGNS = str.maketrans({",": "\N{NO-BREAK SPACE}", ".": ","})


def local_datetime(value: datetime | None) -> str:
    """`2026-03-05 14:03` in Swedish time."""
    if value is None:
        return ""
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def amount(value: Decimal | None) -> str:
    """`1 234,50` with a non-breaking space, always two decimals."""
    if value is None:
        return ""
    if isinstance(value, Decimal | int):
        # Python's own formatting, in Swedish signs: the same text as babel's for every Decimal
        # and int (both round half to even), at a tenth of the cost, which on the attest list
        # (50 amounts a page) was still a tenth of the rendering.
        return f"{value:,.2f}".translate(SWEDISH_SIGNS)
    return TWO_DECIMALS.apply(value, SWEDISH)


def whole_number(value: int) -> str:
    """`15 000` with a non-breaking space between the thousands."""
    return WHOLE.apply(value, SWEDISH)


def plural(count: int, singular: str, plural_form: str) -> str:
    """`1 betalning`, `2 betalningar`: the count with the word that fits it."""
    return f"{count} {singular if count == 1 else plural_form}"


def totals(items: Iterable) -> str:
    """`1 234,50 SEK, 100,00 NOK`: the sum per currency of items with `amount` and `currency`
    (payments, invoices or rows already summed in SQL), never mixing currencies."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        sums[item.currency] += item.amount
    return ", ".join(f"{amount(sums[currency])} {currency}" for currency in sorted(sums))


def account_label(account_type: str) -> str:
    """ "Bankgiro", "Plusgiro", "Bankkonto" or "IBAN"."""
    return account_numbers.ACCOUNT_TYPE_LABELS.get(account_type, account_type)


def account(value: str, account_type: str, country: str = "SE") -> str:
    """An account number written the way its owners write it, e.g. `5050-1055`."""
    return account_numbers.format_account(account_type, value, country)


def paying_account(debtor_account) -> str:
    """A company's own account as its payers know it: `Bankgiro 5555-5551 (SEK)`."""
    kind = account_label(debtor_account.account_type)
    number = account(
        debtor_account.account, debtor_account.account_type, debtor_account.company.country
    )
    return f"{kind} {number} ({debtor_account.currency})"


def supplier_and_account(supplier) -> str:
    """`Bygg & Montage AB – Bankgiro 5050-1055`: a company may have two suppliers of one name
    (the same org.nr with another account), and a payer must tell them apart."""
    number = account(supplier.account, supplier.account_type, supplier.country)
    return f"{supplier.name} – {account_label(supplier.account_type)} {number}"


def orgnr(value: str, country: str) -> str:
    """`556036-0793` (SE) or `988 077 917` (NO)."""
    return account_numbers.format_orgnr(value, country)


def register(app) -> None:
    app.add_template_filter(local_datetime)
    app.add_template_filter(amount)
    app.add_template_filter(plural)
    app.add_template_filter(whole_number)
    app.add_template_filter(totals)
    app.add_template_filter(account_label)
    app.add_template_filter(account)
    app.add_template_filter(paying_account)
    app.add_template_filter(orgnr)
