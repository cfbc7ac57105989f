"""Amounts as Swedish users type them, `1 234,50`, read into exact Decimals. One reader serves
the invoice form and every CSV import row, so that an amount means the same wherever it is
typed. A reading that is only a guess is refused: `1.000` is a thousand to a Swedish reader and
one to an English one, and paying the wrong one is not a risk to take."""

import re
from decimal import Decimal

MAX_AMOUNT = Decimal("999999999.99")
TWO_PLACES = Decimal("0.01")

# The app shows amounts with non-breaking spaces (babel's sv_SE); text copied from elsewhere
# may have a narrow no-break or thin space between the thousands.
SPACES = re.compile("[ \u00a0\u202f\u2009]")
# babel writes a negative sv_SE amount with U+2212 MINUS SIGN.
MINUS_SIGNS = ("-", "\u2212")
WHOLE = r"(?P<whole>\d{1,3}(?: \d{3})+|\d+)"
# Comma decimals, or a dot where it cannot be a thousands separator (not before three digits).
SWEDISH = re.compile(WHOLE + r"(?:,(?P<comma>\d+)|\.(?P<dot>\d{1,2}|\d{4,}))?")
DOT_THOUSANDS = re.compile(r"(?P<whole>\d{1,3}(?:\.\d{3})+)(?:,(?P<decimals>\d+))?")
DIGITS_AND_SPACES = re.compile(r"[\d ]+(?:[,.]\d+)?")
EXAMPLE = "t.ex. 1 234,50"


class InvalidAmount(ValueError):
    """The text is no amount that can be stored; str() is a Swedish message."""


def parse_amount(text: str, *, credit_allowed: bool = False) -> Decimal:
    """The amount written in `text`, with two decimals; negative only if `credit_allowed`."""
    typed = text.strip()
    if not typed:
        raise InvalidAmount(f"Ange beloppet, {EXAMPLE}.")
    body = SPACES.sub(" ", typed)
    negative = body.startswith(MINUS_SIGNS)
    if negative:
        body = body[1:]
    found = SWEDISH.fullmatch(body)
    if found is None:
        raise InvalidAmount(_why_unreadable(typed, body))
    decimals = found["comma"] or found["dot"] or "0"
    value = Decimal(found["whole"].replace(" ", "") + "." + decimals)
    return check_amount(-value if negative else value, credit_allowed=credit_allowed)


def check_amount(value: Decimal, *, credit_allowed: bool = False) -> Decimal:
    """`value` with two decimals, if it can be paid as an invoice amount, or (with
    `credit_allowed`) be a credit note's, which is negative and netted against invoices."""
    if not value.is_finite():
        raise InvalidAmount(f"Beloppet ska vara ett tal, {EXAMPLE}.")
    if value != value.quantize(TWO_PLACES):
        raise InvalidAmount("Beloppet får ha högst två decimaler.")
    if value == 0 and credit_allowed:
        raise InvalidAmount("Beloppet kan inte vara noll. En kreditfaktura har minus framför.")
    if value <= 0 and not credit_allowed:
        raise InvalidAmount("Beloppet ska vara större än noll.")
    if abs(value) > MAX_AMOUNT:
        raise InvalidAmount("Beloppet får vara högst 999 999 999,99.")
    return value.quantize(TWO_PLACES)


def _why_unreadable(typed: str, body: str) -> str:
    dotted = DOT_THOUSANDS.fullmatch(body)
    if dotted and dotted["decimals"] is None and dotted["whole"].count(".") == 1:
        whole, part = dotted["whole"].split(".")
        as_decimals = Decimal(f"{whole}.{part}").quantize(TWO_PLACES)
        return (
            f"Beloppet {typed} kan läsas på två sätt. "
            f"Skriv {whole}{part} eller {str(as_decimals).replace('.', ',')}."
        )
    if dotted:
        undotted = dotted["whole"].replace(".", "")
        decimals = f",{dotted['decimals']}" if dotted["decimals"] is not None else ""
        return f"Beloppet {typed} har punkter mellan tusentalen. Skriv {undotted}{decimals}."
    if DIGITS_AND_SPACES.fullmatch(body):
        return (
            f"Beloppet {typed} har mellanslag på fel ställe. Skriv {body.replace(' ', '')}, "
            f"eller med mellanslag bara mellan tusentalen, {EXAMPLE}."
        )
    return f"Beloppet ska vara ett tal, {EXAMPLE}."
