"""Inyett's warning codes in Swedish: the one table every page and the audit trail name them
from, so that no code reaches a user raw. Unknown codes are shown with Inyett's own words."""

import re
from dataclasses import dataclass
from decimal import Decimal
from decimal import InvalidOperation

from inyett.formatting import amount


@dataclass(frozen=True)
class WarningText:
    name: str
    explanation: str


CATALOGUE = {
    "DeviatingAccountPattern": WarningText(
        "Avvikande konto",
        "Kontot skiljer sig från det som brukar användas för den här mottagaren. "
        "Kontrollera att kontot verkligen tillhör leverantören.",
    ),
    "DeviatingAmountPattern": WarningText(
        "Avvikande belopp", "Beloppet avviker från det vanliga mönstret för mottagaren."
    ),
    "DeviatingCurrencyPattern": WarningText(
        "Avvikande valuta", "Valutan skiljer sig från den som brukar användas för mottagaren."
    ),
    "DuplicatePaymentSameDay": WarningText(
        "Dubbelbetalning samma dag",
        "En likadan betalning (samma mottagare, referens och belopp) finns samma dag.",
    ),
    "DuplicatePaymentDifferentDays": WarningText(
        "Dubbelbetalning, annan dag",
        "En likadan betalning har gjorts tidigare, en annan dag.",
    ),
    "DuplicatePaymentReminder": WarningText(
        "Betald påminnelse",
        "Samma referens med ett något högre belopp: kanske en påminnelse på en faktura som "
        "redan är betald.",
    ),
    "InvalidPaymentNumber": WarningText(
        "Ogiltigt OCR-nummer", "OCR-numret har fel kontrollsiffra eller längd."
    ),
    "LimitAmount": WarningText("Beloppsgräns", "Beloppet ligger utanför den satta gränsen."),
    "LimitCurrency": WarningText("Valutagräns", "Betalningar i den här valutan är inte tillåtna."),
    "LimitCash": WarningText(
        "Kontant utbetalning", "Mottagaren saknar konto; betalningen går som utbetalningsavi."
    ),
    "LimitPrivateBankAccount": WarningText(
        "Privat bankkonto",
        "Betalningen går till ett vanligt bankkonto, som kan vara en privatpersons.",
    ),
    "GiroInactive": WarningText(
        "Avregistrerat giro", "Bankgiro- eller plusgironumret är avregistrerat."
    ),
    "SwedishCompanyWarningList": WarningText(
        "Varningslista (Sverige)", "Mottagaren finns på en offentlig svensk varningslista."
    ),
    "NorwegianCompanyWarningList": WarningText(
        "Varningslista (Norge)", "Mottagaren finns på en offentlig norsk varningslista."
    ),
}


# The warnings about another payment like this one, which may be one of ours.
DUPLICATE_CODES = frozenset(
    ("DuplicatePaymentSameDay", "DuplicatePaymentDifferentDays", "DuplicatePaymentReminder")
)
UNNAMED = "Varning från Inyett"

# "... above the set limit of 100000.00 SEK", "... över gränsen 100 000,00 SEK": the amount
# after the word limit, in either language, with or without its currency.
LIMIT_IN_TEXT = re.compile(
    r"(?:limit|gräns\w*)\D{0,12}?(?P<number>\d[\d \u00a0\u202f.,]*\d|\d)"
    r"(?:\s*(?P<currency>[A-Z]{3}))?",
    re.IGNORECASE,
)


def describe(warning, payment) -> WarningText:
    """The Swedish name and explanation of `payment`'s `warning` (a PaymentWarning), saying
    the limit that was passed when Inyett's text names it; Inyett's own words for unknown
    codes (never the code itself: it means nothing to an attester)."""
    known = CATALOGUE.get(warning.code)
    if known is None:
        return WarningText(warning.name or UNNAMED, warning.description)
    if warning.code == "LimitAmount":
        limit = limit_in(warning.description, payment.currency)
        if limit:
            side = "under" if re.search(r"\b(below|under)\b", warning.description, re.I) else "över"
            return WarningText(
                known.name,
                f"Beloppet {amount(payment.amount)} {payment.currency} är {side} gränsen {limit}.",
            )
    return known


def names(payment) -> list[str]:
    """The Swedish names of the payment's warnings, in Inyett's order."""
    return [describe(warning, payment).name for warning in payment.warnings]


def limit_in(text: str, default_currency: str) -> str | None:
    """The limit Inyett's text names, as `100 000,00 SEK`; None when it names none."""
    found = LIMIT_IN_TEXT.search(text or "")
    if not found:
        return None
    value = _number(found["number"])
    if value is None:
        return None
    return f"{amount(value)} {(found['currency'] or default_currency).upper()}"


def _number(text: str) -> Decimal | None:
    digits = re.sub(r"[\s\u00a0\u202f]", "", text)
    # The last separator followed by one or two digits is the decimal one; others group.
    decimals = re.search(r"[.,](\d{1,2})$", digits)
    whole = digits[: decimals.start()] if decimals else digits
    whole = re.sub(r"[.,]", "", whole)
    try:
        return Decimal(f"{whole}.{decimals[1]}" if decimals else whole)
    except InvalidOperation:
        return None
