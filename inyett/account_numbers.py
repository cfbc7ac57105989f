"""Swedish and Norwegian payment numbers: validation with check digits, and display formats.

Sources: Bankgirot, "Bankernas kontonummeruppbyggnad" (the clearing table below is from its
2024 edition, cross-checked with the tables of swantzter/kontonummer and byrokrat/banking),
and shared/spec/swedish-payments.md.
"""

import re
from dataclasses import dataclass

from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.exceptions import ValidationError
from stdnum.no import kontonr as no_kontonr
from stdnum.no import orgnr as no_orgnr

ACCOUNT_TYPES = ("BGNR", "PGNR", "BBAN", "IBAN")
ACCOUNT_TYPE_LABELS = {"BGNR": "Bankgiro", "PGNR": "Plusgiro", "BBAN": "Bankkonto", "IBAN": "IBAN"}


class InvalidNumber(ValueError):
    """`str(exc)` is a Swedish sentence shown to the user on the form field."""


@dataclass(frozen=True)
class BankAccount:
    clearing: str
    number: str
    bank: str

    @property
    def digits(self) -> str:
        return self.clearing + self.number


@dataclass(frozen=True)
class _Bank:
    name: str
    low: int
    high: int
    kind: int  # 1 or 2 (Bankgirot's account types)
    comment: int  # 1, 2 or 3


# (bank, clearing ranges, type, comment) per "Bankernas kontonummeruppbyggnad".
_BANK_RANGES = [
    (
        "Nordea",
        [(1100, 1199), (1400, 2099), (3000, 3299), (3301, 3399), (3410, 3781), (3783, 3999)],
        1,
        1,
    ),
    ("Nordea", [(4000, 4999)], 1, 2),
    ("Danske Bank", [(1200, 1399), (2400, 2499)], 1, 1),
    ("Ålandsbanken", [(2300, 2399)], 1, 2),
    ("Länsförsäkringar Bank", [(3400, 3409), (9060, 9069)], 1, 1),
    ("Länsförsäkringar Bank", [(9020, 9029)], 1, 2),
    ("SEB", [(5000, 5999), (9120, 9124), (9130, 9149)], 1, 1),
    ("Swedbank", [(7000, 7999)], 1, 1),
    ("Citibank", [(9040, 9049)], 1, 2),
    ("Multitude Bank", [(9070, 9079)], 1, 1),
    ("Nordnet Bank", [(9100, 9109)], 1, 2),
    ("Skandiabanken", [(9150, 9169)], 1, 2),
    ("IKANO Bank", [(9170, 9179)], 1, 1),
    ("DNB Bank", [(9190, 9199), (9260, 9269)], 1, 2),
    ("Marginalen Bank", [(9230, 9239)], 1, 1),
    ("SBAB", [(9250, 9259)], 1, 1),
    ("ICA Banken", [(9270, 9279)], 1, 1),
    ("Resurs Bank", [(9280, 9289)], 1, 1),
    ("Landshypotek", [(9390, 9399)], 1, 2),
    ("Forex Bank", [(9400, 9449)], 1, 1),
    ("Santander Consumer Bank", [(9460, 9469)], 1, 1),
    ("BNP Paribas", [(9470, 9479)], 1, 2),
    ("Avanza Bank", [(9550, 9569)], 1, 2),
    ("Aion Bank", [(9580, 9589)], 1, 1),
    ("Erik Penser", [(9590, 9599)], 1, 2),
    ("Lån & Spar Bank", [(9630, 9639)], 1, 1),
    ("Nordax Bank", [(9640, 9649)], 1, 2),
    ("MedMera Bank", [(9650, 9659)], 1, 2),
    ("Svea Bank", [(9660, 9669)], 1, 2),
    ("JAK Medlemsbank", [(9670, 9679)], 1, 2),
    ("Bluestep Finans", [(9680, 9689)], 1, 1),
    ("Ekobanken", [(9700, 9709)], 1, 2),
    ("Lunar Bank", [(9710, 9719)], 1, 2),
    ("Northmill Bank", [(9750, 9759)], 1, 2),
    ("Klarna Bank", [(9780, 9789)], 1, 2),
    ("Riksgälden", [(9880, 9889)], 1, 2),
    ("Danske Bank", [(9180, 9189)], 2, 1),
    ("Nordea (personkonto)", [(3300, 3300), (3782, 3782)], 2, 1),
    ("Riksgälden", [(9890, 9899)], 2, 1),
    ("Sparbanken Syd", [(9570, 9579)], 2, 1),
    ("Swedbank", [(9300, 9349)], 2, 1),
    ("Handelsbanken", [(6000, 6999)], 2, 2),
    ("Nordea/Plusgirot", [(9500, 9549), (9960, 9969)], 2, 3),
    ("Swedbank", [(8000, 8999)], 2, 3),
]
_BANKS = [
    _Bank(name, low, high, kind, comment)
    for name, ranges, kind, comment in _BANK_RANGES
    for low, high in ranges
]

_SEPARATORS = re.compile(r"[\s\-.]")


def _digits(value: object, what: str) -> str:
    text = _SEPARATORS.sub("", value if isinstance(value, str) else "")
    if not text:
        raise InvalidNumber(f"Ange {what}.")
    if not (text.isascii() and text.isdigit()):
        raise InvalidNumber(f"{what[0].upper()}{what[1:]} får bara innehålla siffror.")
    return text


def _mod11(digits: str, weights: list[int]) -> bool:
    return sum(int(d) * w for d, w in zip(reversed(digits), weights, strict=False)) % 11 == 0


def clean_bankgiro(value: str) -> str:
    """ "5050-1055" -> "50501055"; 7-8 digits with a Luhn check digit."""
    digits = _digits(value, "bankgironumret")
    if len(digits) not in (7, 8):
        raise InvalidNumber("Bankgironumret ska ha 7 eller 8 siffror.")
    if not luhn.is_valid(digits):
        raise InvalidNumber("Kontrollsiffran stämmer inte – kontrollera bankgironumret.")
    return digits


def clean_plusgiro(value: str) -> str:
    """ "12 34 56-6" -> "1234566"; 2-8 digits with a Luhn check digit."""
    digits = _digits(value, "plusgironumret")
    if not 2 <= len(digits) <= 8:
        raise InvalidNumber("Plusgironumret ska ha 2–8 siffror.")
    if not luhn.is_valid(digits):
        raise InvalidNumber("Kontrollsiffran stämmer inte – kontrollera plusgironumret.")
    return digits


def _bank_for(clearing: int) -> _Bank:
    for bank in _BANKS:
        if bank.low <= clearing <= bank.high:
            return bank
    raise InvalidNumber(f"Clearingnumret {clearing} hör inte till någon känd bank.")


def _split_bank_account(value: str) -> tuple[str, str]:
    text = value.strip() if isinstance(value, str) else ""
    # "8327-9, 123 456 789-7" or "8327-9 1234567897": Swedbank writes a fifth clearing digit.
    match = re.fullmatch(r"(\d{4})(?:-(\d))?[\s,\-]+([\d\s\-.]+)", text)
    if match:
        clearing, fifth, rest = match.groups()
        if fifth is not None:
            if not clearing.startswith("8"):
                raise InvalidNumber("Bara Swedbanks clearingnummer (8xxx) har en femte siffra.")
            if not luhn.is_valid(clearing + fifth):
                raise InvalidNumber("Clearingnumrets femte siffra stämmer inte.")
        return clearing, _digits(rest, "kontonumret")
    digits = _digits(text, "kontonumret")
    if len(digits) < 5:
        raise InvalidNumber("Ange clearingnummer och kontonummer, t.ex. 5000-1234560.")
    return digits[:4], digits[4:]


def clean_bank_account(value: str) -> BankAccount:
    """A Swedish clearing + account number checked by Bankgirot's type 1/type 2 rules."""
    clearing, number = _split_bank_account(value)
    if not set(number) - {"0"}:
        raise InvalidNumber("Kontonumret kan inte bara vara nollor.")
    bank = _bank_for(int(clearing))
    if bank.kind == 1:
        if len(number) != 7:
            raise InvalidNumber(f"Ett konto hos {bank.name} ska ha 7 siffror efter clearingnumret.")
        checked = (clearing[1:] if bank.comment == 1 else clearing) + number
        if not _mod11(checked, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1]):
            raise InvalidNumber("Kontrollsiffran stämmer inte – kontrollera kontonumret.")
        return BankAccount(clearing, number, bank.name)
    if bank.comment == 1:
        if len(number) != 10 or not luhn.is_valid(number):
            raise InvalidNumber(_type2_message(bank, 10))
    elif bank.comment == 2:
        if len(number) != 9 or not _mod11(number, [1, 2, 3, 4, 5, 6, 7, 8, 9]):
            raise InvalidNumber(_type2_message(bank, 9))
    else:
        if len(number) > 10:
            raise InvalidNumber(f"Ett konto hos {bank.name} har högst 10 siffror.")
        number = number.zfill(10)
    return BankAccount(clearing, number, bank.name)


def _type2_message(bank: _Bank, length: int) -> str:
    return (
        f"Ett konto hos {bank.name} ska ha {length} siffror med rätt kontrollsiffra "
        "– kontrollera kontonumret."
    )


def bank_account_warning(account: BankAccount) -> str | None:
    """A warning for a comment-3 account whose check digit fails (Bankgirot: some Swedbank
    accounts cannot be checked), accepted rather than rejected."""
    bank = _bank_for(int(account.clearing))
    if bank.comment == 3 and not luhn.is_valid(account.number):
        return (
            "Kontrollsiffran stämmer inte. Vissa konton hos Swedbank går inte att kontrollera – "
            "dubbelkolla numret med leverantören."
        )
    return None


def clean_iban(value: str) -> str:
    """A compact upper-case IBAN with a valid mod-97 check and country length."""
    text = _SEPARATORS.sub("", value if isinstance(value, str) else "").upper()
    if not text:
        raise InvalidNumber("Ange IBAN.")
    if not (text.isascii() and text.isalnum()):
        raise InvalidNumber("IBAN får bara innehålla bokstäver och siffror.")
    try:
        return stdnum_iban.validate(text)
    except ValidationError as exc:
        raise InvalidNumber(
            "IBAN stämmer inte (fel längd eller kontrollsiffror) – kontrollera numret."
        ) from exc


def clean_se_orgnr(value: str) -> str:
    """A Swedish organisation number (or a sole trader's personnummer): 10 digits, Luhn."""
    digits = _digits(value, "organisationsnumret")
    if len(digits) == 12 and digits[:2] in ("16", "19", "20"):
        digits = digits[2:]
    if len(digits) != 10:
        raise InvalidNumber("Organisationsnumret ska ha 10 siffror, t.ex. 556036-0793.")
    if not luhn.is_valid(digits):
        raise InvalidNumber("Kontrollsiffran stämmer inte – kontrollera organisationsnumret.")
    return digits


def clean_no_orgnr(value: str) -> str:
    """A Norwegian organisasjonsnummer: 9 digits, mod 11."""
    digits = _digits(value, "organisationsnumret")
    if len(digits) != 9:
        raise InvalidNumber("Ett norskt organisationsnummer ska ha 9 siffror.")
    if not no_orgnr.is_valid(digits):
        raise InvalidNumber("Kontrollsiffran stämmer inte – kontrollera organisationsnumret.")
    return digits


def clean_orgnr(value: str, country: str) -> str:
    """An organisation number of `country` ("SE" or "NO")."""
    return clean_no_orgnr(value) if country == "NO" else clean_se_orgnr(value)


def clean_ocr(value: str, *, length_digit: bool = False) -> str:
    """A Swedish OCR reference: 2-25 digits, Luhn; optionally with Bankgirot's length digit."""
    digits = _digits(value, "OCR-numret")
    if not 2 <= len(digits) <= 25:
        raise InvalidNumber("OCR-numret ska ha 2–25 siffror.")
    if not luhn.is_valid(digits):
        raise InvalidNumber("OCR-numrets kontrollsiffra stämmer inte.")
    if length_digit and int(digits[-2]) != len(digits) % 10:
        raise InvalidNumber("OCR-numrets längdsiffra stämmer inte.")
    return digits


def clean_kid(value: str) -> str:
    """A Norwegian KID: 2-25 characters, MOD10 or MOD11 (a check of 10 is written '-')."""
    # Not _SEPARATORS: a final "-" is the MOD11 check digit 10, not a separator.
    text = re.sub(r"[\s.]", "", value if isinstance(value, str) else "")
    body, check = text[:-1], text[-1:]
    if not text:
        raise InvalidNumber("Ange KID-numret.")
    if not (body.isascii() and body.isdigit() and (check.isdigit() or check == "-")):
        raise InvalidNumber("KID-numret får bara innehålla siffror (sista tecknet kan vara -).")
    if not 2 <= len(text) <= 25:
        raise InvalidNumber("KID-numret ska ha 2–25 tecken.")
    if check != "-" and luhn.is_valid(text):
        return text
    if _kid_mod11_check(body) == check:
        return text
    raise InvalidNumber("KID-numrets kontrollsiffra stämmer inte.")


def _kid_mod11_check(body: str) -> str:
    weights = [2, 3, 4, 5, 6, 7]
    total = sum(int(d) * weights[i % 6] for i, d in enumerate(reversed(body)))
    check = 11 - total % 11
    return "0" if check == 11 else "-" if check == 10 else str(check)


def clean_no_account(value: str) -> str:
    """A Norwegian kontonummer: 11 digits, mod 11."""
    digits = _digits(value, "kontonumret")
    if len(digits) != 11:
        raise InvalidNumber("Ett norskt kontonummer ska ha 11 siffror.")
    if not no_kontonr.is_valid(digits):
        raise InvalidNumber("Kontrollsiffran stämmer inte – kontrollera kontonumret.")
    return digits


def clean_reference(value: str, country: str) -> str:
    """The payment reference of `country`: OCR for SE, KID for NO."""
    return clean_kid(value) if country == "NO" else clean_ocr(value)


def clean_payee_account(account_type: str, value: str, country: str) -> str:
    """The normalised account stored and sent to Inyett for a payee in `country`."""
    if account_type == "BGNR":
        _only_in_sweden(country, "Bankgiro")
        return clean_bankgiro(value)
    if account_type == "PGNR":
        _only_in_sweden(country, "Plusgiro")
        return clean_plusgiro(value)
    if account_type == "BBAN":
        return clean_no_account(value) if country == "NO" else clean_bank_account(value).digits
    if account_type == "IBAN":
        return clean_iban(value)
    raise InvalidNumber("Betalsätt ska vara Bankgiro, Plusgiro, Bankkonto eller IBAN.")


def _only_in_sweden(country: str, label: str) -> None:
    if country != "SE":
        raise InvalidNumber(f"{label} finns bara för svenska mottagare.")


def format_account(account_type: str, value: str, country: str = "SE") -> str:
    """An account written the way its owner writes it: 5050-1055, 12 34 56-6, 5000-1234560."""
    if account_type == "BGNR" and len(value) in (7, 8):
        return f"{value[:-4]}-{value[-4:]}"
    if account_type == "PGNR" and len(value) >= 2:
        head = value[:-1]
        pairs = [head[max(0, i - 2) : i] for i in range(len(head), 0, -2)]
        return " ".join(reversed(pairs)) + "-" + value[-1]
    if account_type == "BBAN" and country == "NO" and len(value) == 11:
        return f"{value[:4]}.{value[4:6]}.{value[6:]}"
    if account_type == "BBAN" and len(value) > 4:
        return f"{value[:4]}-{value[4:]}"
    if account_type == "IBAN":
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


def format_orgnr(value: str, country: str) -> str:
    """556036-0793 (SE) or 988 077 917 (NO)."""
    if country == "NO" and len(value) == 9:
        return f"{value[:3]} {value[3:6]} {value[6:]}"
    if len(value) == 10:
        return f"{value[:6]}-{value[6:]}"
    return value
