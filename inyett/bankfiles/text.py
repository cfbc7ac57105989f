"""Names and messages in the characters a bank carries.

A character the bank's set lacks is transliterated, never dropped: first by the table below,
then by its Unicode decomposition (é → e), and what is still outside the set becomes '?', as
Bankgirot's own LB generator and [VALIDEX] (see profiles.py) do. Callers show the payer the
result of `bank_text` when it differs from what was typed, so a changed name is seen before the
file leaves."""

import unicodedata

from inyett.bankfiles.profiles import BankProfile

# Readable replacements for characters that have no decomposition or would lose their meaning
# in one; '&' → '+' as [VALIDEX] does ("'+' reads naturally where Swedish names use '&'").
TRANSLITERATIONS = {
    "&": "+",
    "€": "EUR",
    "$": "USD",
    "£": "GBP",
    "–": "-",
    "—": "-",
    "‐": "-",
    "−": "-",
    "_": "-",
    "<": "(",
    ">": ")",
    "[": "(",
    "]": ")",
    "{": "(",
    "}": ")",
    '"': "'",
    "“": "'",
    "”": "'",
    "„": "'",
    "‘": "'",
    "’": "'",
    "´": "'",
    "`": "'",
    "«": "'",
    "»": "'",
    ";": ",",
    "!": ".",
    "*": "-",
    "#": "nr ",
    "%": " procent",
    "@": "(at)",
    "\\": "/",
    "|": "/",
    "Æ": "AE",
    "æ": "ae",
    "Ø": "O",
    "ø": "o",
    "Œ": "OE",
    "œ": "oe",
    "ß": "ss",
    "Þ": "Th",
    "þ": "th",
    "Ð": "D",
    "ð": "d",
    "Đ": "D",
    "đ": "d",
    "Ł": "L",
    "ł": "l",
    "ı": "i",
}


def bank_text(profile: BankProfile, value: str, limit: int | None = None) -> str:
    """`value` in the characters `profile`'s bank carries, at most `limit` long ("-" if
    nothing is left). Control characters and runs of spaces become one space."""
    mapped = "".join(_in_set(profile.characters, ch) for ch in unicodedata.normalize("NFC", value))
    cleaned = " ".join(mapped.split())
    return (cleaned[:limit] if limit else cleaned).strip() or "-"


def _in_set(allowed: frozenset[str], ch: str) -> str:
    if ch in allowed:
        return ch
    if not ch.isprintable():
        return " "
    if ch in TRANSLITERATIONS and all(c in allowed for c in TRANSLITERATIONS[ch]):
        return TRANSLITERATIONS[ch]
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if base and all(c in allowed for c in base):
        return base
    return "?"
