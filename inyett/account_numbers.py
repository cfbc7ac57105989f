"""Swedish and Norwegian payment numbers: validation with check digits, and display formats.

The rules and examples are collected in shared/spec/swedish-payments.md (sections 1 and 4).
"""

import re
from dataclasses import dataclass
from datetime import date

import schwifty
from schwifty.exceptions import InvalidCountryCode
from schwifty.exceptions import SchwiftyException
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum import numdb
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError
from stdnum.no import kontonr as no_kontonr
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

ACCOUNT_TYPES = ("BGNR", "PGNR", "BBAN", "IBAN")
ACCOUNT_TYPE_LABELS = {"BGNR": "Bankgiro", "PGNR": "Plusgiro", "BBAN": "Bankkonto", "IBAN": "IBAN"}
COUNTRIES = ("SE", "NO")
# BICIdentifier in the pain.001.001.03 schema (inyett/schemas/), narrower than ISO 9362's
# shape: a BIC it refuses would make every file from the account fail, so a BIC is held to it.
SCHEMA_BIC = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?")


class InvalidNumber(ValueError):
    """`str(exc)` is a Swedish sentence shown to the user on the form field."""


@dataclass(frozen=True)
class BankAccount:
    """A Swedish bank account: 4-digit clearing number, account digits and bank name."""

    clearing: str
    number: str
    bank: str

    @property
    def digits(self) -> str:
        """Clearing + account digits, as Inyett's BBAN and pain.001 Othr/Id take them."""
        return self.clearing + self.number


@dataclass(frozen=True)
class _Bank:
    name: str
    low: int
    high: int
    kind: int  # Bankgirot's account type: 1 or 2
    comment: int  # the "Kommentar" column, which selects the check: 1, 2 or 3


# Bankgirot, "Bankernas kontonummeruppbyggnad", edition of 2024-02-22 (the date that other
# implementations of the table give), as transcribed in the research notes, section 1.3, and
# cross-checked with swantzter/kontonummer (src/banks.ts, "update to BGC 2024-02-22") and
# joakimengqvist/swedish-bank-account-validator (dist/data/banks.ts). Bankgirot has dropped
# MedMera Bank (9650-9659; swantzter/kontonummer 628e547, 2021) and Forex Bank (9400-9449;
# 5700122, after the edition of 2022-06-20), so those clearing numbers are refused like any
# unknown one; brocc-ab/se-bank-account-php still lists both, from an older edition.
# (bank, clearing ranges, type, comment)
_CLEARING_TABLE = [
    (
        "Nordea",
        [(1100, 1199), (1400, 2099), (3000, 3299), (3301, 3399), (3410, 3781), (3783, 3999)],
        1,
        1,
    ),
    ("Nordea", [(4000, 4999)], 1, 2),
    ("Danske Bank", [(1200, 1399), (2400, 2499)], 1, 1),
    ("Ålandsbanken", [(2300, 2399)], 1, 2),
    ("Länsförsäkringar", [(3400, 3409), (9060, 9069)], 1, 1),
    ("Länsförsäkringar", [(9020, 9029)], 1, 2),
    ("SEB", [(5000, 5999), (9120, 9124), (9130, 9149)], 1, 1),
    ("Swedbank", [(7000, 7999)], 1, 1),
    ("Citibank", [(9040, 9049)], 1, 2),
    ("Multitude Bank", [(9070, 9079)], 1, 1),
    ("Nordnet", [(9100, 9109)], 1, 2),
    ("Skandiabanken", [(9150, 9169)], 1, 2),
    ("IKANO Bank", [(9170, 9179)], 1, 1),
    ("DNB", [(9190, 9199), (9260, 9269)], 1, 2),
    ("Marginalen Bank", [(9230, 9239)], 1, 1),
    ("SBAB", [(9250, 9259)], 1, 1),
    ("ICA Banken", [(9270, 9279)], 1, 1),
    ("Resurs Bank", [(9280, 9289)], 1, 1),
    ("Landshypotek", [(9390, 9399)], 1, 2),
    ("Santander Consumer Bank", [(9460, 9469)], 1, 1),
    ("BNP Paribas", [(9470, 9479)], 1, 2),
    ("Avanza Bank", [(9550, 9569)], 1, 2),
    ("Aion Bank", [(9580, 9589)], 1, 1),
    ("Erik Penser", [(9590, 9599)], 1, 2),
    ("Lån & Spar Bank", [(9630, 9639)], 1, 1),
    ("Nordax/NOBA", [(9640, 9649)], 1, 2),
    ("Svea Bank", [(9660, 9669)], 1, 2),
    ("JAK Medlemsbank", [(9670, 9679)], 1, 2),
    ("Bluestep", [(9680, 9689)], 1, 1),
    ("Ekobanken", [(9700, 9709)], 1, 2),
    ("Lunar", [(9710, 9719)], 1, 2),
    ("Northmill Bank", [(9750, 9759)], 1, 2),
    ("Klarna", [(9780, 9789)], 1, 2),
    ("Riksgälden", [(9880, 9889)], 1, 2),
    ("Danske Bank", [(9180, 9189)], 2, 1),
    ("Nordea personkonto", [(3300, 3300), (3782, 3782)], 2, 1),
    ("Riksgälden", [(9890, 9899)], 2, 1),
    ("Sparbanken Syd", [(9570, 9579)], 2, 1),
    ("Swedbank", [(9300, 9349)], 2, 1),
    ("Handelsbanken", [(6000, 6999)], 2, 2),
    ("Nordea Plusgirot", [(9500, 9549), (9960, 9969)], 2, 3),
    ("Swedbank", [(8000, 8999)], 2, 3),
]
_BANKS = [
    _Bank(name, low, high, kind, comment)
    for name, ranges, kind, comment in _CLEARING_TABLE
    for low, high in ranges
]

# Pasted numbers often carry typographic dashes (en dash, minus sign) instead of "-".
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
_SEPARATORS = re.compile(r"[\s.\-]+")
# Swedbank writes its accounts as "8327-9, 123 456 789-7".
_BANK_ACCOUNT_SEPARATORS = re.compile(r"[\s.,\-]+")
_IBAN_DB = numdb.get("iban")


def _text(value: object) -> str:
    return value.translate(_DASHES) if isinstance(value, str) else ""


def _is_digits(text: str) -> bool:
    # str.isdigit alone accepts non-ASCII digits such as "١٢٣", which no bank reads.
    return text.isascii() and text.isdigit()


def _sentence_case(subject: str) -> str:
    # Not str.capitalize, which would turn "OCR-numret" into "Ocr-numret".
    return subject[:1].upper() + subject[1:]


def _digits(value: object, subject: str) -> str:
    """The digits of `value`; `subject` names the number in messages, e.g. "bankgironumret"."""
    text = _SEPARATORS.sub("", _text(value))
    if not text:
        raise InvalidNumber(f"Ange {subject}.")
    if not _is_digits(text):
        raise InvalidNumber(
            f"{_sentence_case(subject)} får bara innehålla siffror (0–9), "
            "mellanslag och bindestreck."
        )
    return text


def _reject_zeros(digits: str, subject: str) -> None:
    if not digits.strip("0"):
        raise InvalidNumber(f"{_sentence_case(subject)} kan inte bara vara nollor.")


def _mod11_ok(digits: str) -> bool:
    # Bankgirot's 11-modul: weights 1, 2, ..., 10 from the right, starting over at 1.
    return sum(int(d) * (i % 10 + 1) for i, d in enumerate(reversed(digits))) % 11 == 0


def _check_country(country: str) -> None:
    if country not in COUNTRIES:
        raise InvalidNumber("Landet ska vara SE eller NO.")


def clean_bankgiro(value: str) -> str:
    """ "5050-1055" -> "50501055": 7 or 8 digits ending in a Luhn check digit."""
    digits = _digits(value, "bankgironumret")
    if len(digits) not in (7, 8):
        raise InvalidNumber("Bankgironumret ska ha 7 eller 8 siffror.")
    _reject_zeros(digits, "bankgironumret")
    if not luhn.is_valid(digits):
        raise InvalidNumber("Kontrollsiffran stämmer inte – kontrollera bankgironumret.")
    return digits


def clean_plusgiro(value: str) -> str:
    """ "12 34 56-6" -> "1234566": 2 to 8 digits ending in a Luhn check digit."""
    digits = _digits(value, "plusgironumret")
    if not 2 <= len(digits) <= 8:
        raise InvalidNumber("Plusgironumret ska ha 2–8 siffror.")
    _reject_zeros(digits, "plusgironumret")
    if not luhn.is_valid(digits):
        raise InvalidNumber("Kontrollsiffran stämmer inte – kontrollera plusgironumret.")
    return digits


def _find_bank(clearing: str) -> _Bank | None:
    number = int(clearing)
    return next((bank for bank in _BANKS if bank.low <= number <= bank.high), None)


def _clearing_groups(value: object) -> tuple[list[str], str]:
    groups = [group for group in _BANK_ACCOUNT_SEPARATORS.split(_text(value)) if group]
    digits = "".join(groups)
    if not digits:
        raise InvalidNumber("Ange clearingnummer och kontonummer.")
    if not _is_digits(digits):
        raise InvalidNumber(
            "Kontonumret får bara innehålla siffror (0–9), mellanslag och bindestreck."
        )
    if len(digits) < 5:
        raise InvalidNumber("Ange clearingnummer och kontonummer, t.ex. 5000-1234560.")
    return groups, digits


def _fifth_digit_fits(digits: str) -> bool:
    return luhn.is_valid(digits[:5])


def _readings(groups: list[str], digits: str) -> list[tuple[str, str]]:
    """The (clearing, account digits) pairs the input can mean. Only Swedbank's 8xxx
    clearing numbers have a fifth (Luhn) digit, which people write or leave out; where the
    separators do not say which, an input whose fifth digit fits can mean either."""
    clearing, first = digits[:4], groups[0]
    if not clearing.startswith("8"):
        return [(clearing, digits[4:])]
    if len(first) == 5 or (len(first) == 4 and len(groups) > 1 and len(groups[1]) == 1):
        if not _fifth_digit_fits(digits):
            raise InvalidNumber(FIFTH_DIGIT_WRONG)
        return [(clearing, digits[5:])]
    if len(first) == 4 and len(groups) > 1:
        return [(clearing, digits[4:])]
    readings = [(clearing, digits[4:])]
    if _fifth_digit_fits(digits):
        readings.append((clearing, digits[5:]))
    elif len(digits) == 15:
        # At most 10 account digits: the fifth must belong to the clearing number.
        raise InvalidNumber(FIFTH_DIGIT_WRONG)
    # With 15 digits or more the five-digit clearing is the likelier one to complain about.
    return readings[::-1] if len(digits) >= 15 else readings


FIFTH_DIGIT_WRONG = "Clearingnumrets femte siffra stämmer inte – kontrollera clearingnumret."
# Bankgirot: "I betalningsfiler i Löner ska kontonumret (clearingnummer och räkningsnummer)
# alltid skrivas som 16 siffror", i.e. the account digits zero-padded to 12 (the format column
# of its table, "00000xxxxxxC"); banks' forms ask for 11 to 16 digits, padded the same way.
MAX_ACCOUNT_DIGITS = 12


def _unpadded(number: str, width: int) -> str:
    """`number` without the leading zeros that pad it beyond `width` digits."""
    extra = len(number) - width
    return number[extra:] if extra > 0 and not number[:extra].strip("0") else number


def _personnummer_problem(number: str) -> str | None:
    if luhn.is_valid(number) and not _plausible_personnummer(number):
        return (
            f"Ett personkonto hos Nordea är kontohavarens personnummer, och "
            f"{number[:6]}-{number[6:]} är inget personnummer – kontrollera kontonumret."
        )
    return None


def _account_for(clearing: str, number: str) -> BankAccount:
    """The account of one reading, checked by Bankgirot's type 1 and type 2 rules."""
    bank = _find_bank(clearing)
    if bank is None:
        raise InvalidNumber(f"Clearingnumret {clearing} hör inte till någon känd bank.")
    if not number:
        raise InvalidNumber("Ange kontonumret efter clearingnumret.")
    _reject_zeros(number, "kontonumret")
    if len(number) > MAX_ACCOUNT_DIGITS:
        raise InvalidNumber(f"Kontonumret har för många siffror för ett konto hos {bank.name}.")
    if bank.kind == 1:
        number = _unpadded(number, 7)
        if len(number) != 7:
            raise InvalidNumber(f"Ett konto hos {bank.name} ska ha 7 siffror efter clearingnumret.")
        checked = clearing[1:] + number if bank.comment == 1 else clearing + number
        if not _mod11_ok(checked):
            raise InvalidNumber(
                f"Kontrollsiffran stämmer inte för ett konto hos {bank.name} "
                "– kontrollera clearingnummer och kontonummer."
            )
    elif bank.comment == 1:
        number = _unpadded(number, 10)
        if len(number) != 10:
            raise InvalidNumber(
                f"Ett konto hos {bank.name} ska ha 10 siffror efter clearingnumret."
            )
        if bank.name == PERSONKONTO_BANK and (problem := _personnummer_problem(number)):
            raise InvalidNumber(problem)
        if not luhn.is_valid(number):
            raise InvalidNumber("Kontrollsiffran stämmer inte – kontrollera kontonumret.")
    elif bank.comment == 2:
        # Handelsbanken's shorter account numbers are written with leading zeros up to 9 digits.
        number = _unpadded(number, 9)
        if len(number) > 9:
            raise InvalidNumber(f"Ett konto hos {bank.name} har högst 9 siffror.")
        number = number.zfill(9)
        if not _mod11_ok(number):
            raise InvalidNumber("Kontrollsiffran stämmer inte – kontrollera kontonumret.")
    else:
        # A check digit needs at least one digit to check. A failing check is not rejected:
        # Bankgirot says some Swedbank accounts cannot be checked (see bank_account_warning).
        # The zeros in front are padding (Swedbank writes the number without them).
        significant = number.lstrip("0")
        if not 2 <= len(significant) <= 10:
            raise InvalidNumber(f"Ett konto hos {bank.name} ska ha 2–10 siffror.")
        number = significant.zfill(10)
    return BankAccount(clearing, number, bank.name)


PERSONKONTO_BANK = "Nordea personkonto"


def _clearing_is_written(groups: list[str]) -> bool:
    return len(groups[0]) in (4, 5) and len(groups) > 1


def _typed_personnummer(groups: list[str], digits: str) -> str | None:
    """The personnummer that the input is, typed without a clearing number, or None."""
    if _clearing_is_written(groups):
        return None
    if len(digits) == 12 and digits[:2] in ("19", "20"):
        digits = digits[2:]
    if len(digits) == 10 and luhn.is_valid(digits) and _plausible_personnummer(digits):
        return digits
    return None


def _shown(account: BankAccount) -> str:
    return f"{format_account('BBAN', account.digits)} ({account.bank})"


def _readings_message(typed: str, accounts: list[BankAccount], personnummer: str | None) -> str:
    shown = [_shown(account) for account in accounts]
    if personnummer:
        shown.insert(0, f"personkontot 3300-{personnummer[:6]}-{personnummer[6:]} (Nordea)")
    if len(shown) == 1:
        return (
            f"{typed} ser ut som ett personnummer utan clearingnummer. Är det ett personkonto "
            f"hos Nordea, skriv clearingnumret först: 3300-{personnummer[:6]}-{personnummer[6:]}."
        )
    return (
        f"{typed} kan vara {', '.join(shown[:-1])} eller {shown[-1]}. Skriv kontonumret med "
        "bindestreck efter clearingnumret, som i det du menar."
    )


def clean_bank_account(value: str) -> BankAccount:
    """A Swedish clearing + account number checked by Bankgirot's type 1 and type 2 rules.

    Input that can mean two accounts (a Swedbank fifth clearing digit that may be the
    account's first, a personnummer without Nordea's clearing 3300) is refused with both
    readings: turned silently into one of them, the money could go to the other."""
    groups, digits = _clearing_groups(value)
    accounts, problems = [], []
    for clearing, number in _readings(groups, digits):
        try:
            account = _account_for(clearing, number)
        except InvalidNumber as problem:
            problems.append(problem)
        else:
            if account not in accounts:
                accounts.append(account)
    personnummer = _typed_personnummer(groups, digits)
    if personnummer or len(accounts) > 1:
        raise InvalidNumber(_readings_message(_text(value).strip(), accounts, personnummer))
    if accounts:
        return accounts[0]
    raise problems[0]


def stored_bank_account(digits: str) -> BankAccount:
    """The account whose stored digits (BankAccount.digits) these are. Stored digits are not
    read as typed input: 14 Swedbank digits run together can mean two accounts as input."""
    bank = _find_bank(digits[:4])
    return BankAccount(digits[:4], digits[4:], bank.name if bank else "")


def bank_account_warning(account: BankAccount) -> str | None:
    """A Swedish warning when a comment-3 account (Swedbank 8xxx, Plusgirot) fails its check."""
    bank = _find_bank(account.clearing) if _is_digits(account.clearing) else None
    if bank is None or bank.comment != 3 or luhn.is_valid(account.number):
        return None
    return (
        f"Kontrollsiffran stämmer inte. Vissa konton hos {bank.name} går inte att kontrollera, "
        "så numret kan ändå vara rätt – stäm av det med leverantören."
    )


def clean_iban(value: str) -> str:
    """A compact upper-case IBAN with valid mod-97 check digits and its country's length."""
    text = _SEPARATORS.sub("", _text(value)).upper()
    if not text:
        raise InvalidNumber("Ange IBAN.")
    if not (text.isascii() and text.isalnum()):
        raise InvalidNumber("IBAN får bara innehålla bokstäver, siffror och mellanslag.")
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]*", text):
        raise InvalidNumber("IBAN ska börja med landskoden och två siffror, t.ex. SE45.")
    country = text[:2]
    structure = _IBAN_DB.info(text)[0][1].get("bban")
    if structure is None:
        raise InvalidNumber(f"Landskoden {country} används inte för IBAN.")
    length = 4 + sum(int(n) for n in re.findall(r"(\d+)!", structure))
    if len(text) != length:
        raise InvalidNumber(f"En IBAN från {country} ska ha {length} tecken.")
    try:
        return stdnum_iban.validate(text)
    except InvalidChecksum as exc:
        raise InvalidNumber("Kontrollsiffrorna stämmer inte – kontrollera IBAN.") from exc
    except ValidationError as exc:
        raise InvalidNumber(f"IBAN har fel format för {country} – kontrollera numret.") from exc


def _plausible_personnummer(digits: str) -> bool:
    """Whether the first six digits are a date that exists (in the 1900s or 2000s, as the
    ten digits do not say which)."""
    year, month, day = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
    # Samordningsnummer add 60 to the day.
    day = day - 60 if day > 60 else day
    for century in (1900, 2000):
        try:
            date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


def clean_se_orgnr(value: str) -> str:
    """A Swedish organisationsnummer, or a sole trader's personnummer: 10 digits, Luhn."""
    digits = _digits(value, "organisationsnumret")
    # The 12-digit forms: "16" + organisationsnummer, or century + personnummer.
    if len(digits) == 12 and digits[:2] in ("16", "19", "20"):
        digits = digits[2:]
    if len(digits) != 10:
        raise InvalidNumber("Organisationsnumret ska ha 10 siffror, t.ex. 556036-0793.")
    # Organisationsnummer have a third digit of 2 or more; below that the number must be a
    # personnummer (enskild firma).
    if int(digits[2]) < 2 and not _plausible_personnummer(digits):
        raise InvalidNumber(
            "Numret är varken ett organisationsnummer eller ett personnummer "
            "– kontrollera organisationsnumret."
        )
    if not se_orgnr.is_valid(digits):
        raise InvalidNumber("Kontrollsiffran stämmer inte – kontrollera organisationsnumret.")
    return digits


def clean_no_orgnr(value: str) -> str:
    """A Norwegian organisasjonsnummer: 9 digits, mod 11."""
    digits = _digits(value, "organisationsnumret")
    if len(digits) != 9:
        raise InvalidNumber("Ett norskt organisationsnummer ska ha 9 siffror, t.ex. 988 077 917.")
    _reject_zeros(digits, "organisationsnumret")
    if not no_orgnr.is_valid(digits):
        raise InvalidNumber("Kontrollsiffran stämmer inte – kontrollera organisationsnumret.")
    return digits


def clean_orgnr(value: str, country: str) -> str:
    """The organisation number of a payee in `country` ("SE" or "NO")."""
    _check_country(country)
    return clean_se_orgnr(value) if country == "SE" else clean_no_orgnr(value)


def clean_ocr(value: str, *, length_digit: bool = False) -> str:
    """A Swedish OCR reference: 2-25 digits, Luhn, and with `length_digit` also the length digit."""
    digits = _digits(value, "OCR-numret")
    if not 2 <= len(digits) <= 25:
        raise InvalidNumber("OCR-numret ska ha 2–25 siffror.")
    if not luhn.is_valid(digits):
        raise InvalidNumber("OCR-numrets kontrollsiffra stämmer inte – kontrollera OCR-numret.")
    # The second to last digit is the total length; for 10 digits or more its units digit.
    if length_digit and int(digits[-2]) != len(digits) % 10:
        raise InvalidNumber("OCR-numrets längdsiffra (näst sista siffran) stämmer inte.")
    return digits


def _kid_mod11_check(body: str) -> str:
    total = sum(int(d) * (i % 6 + 2) for i, d in enumerate(reversed(body)))
    check = (11 - total % 11) % 11
    return "-" if check == 10 else str(check)


def clean_kid(value: str) -> str:
    """A Norwegian KID: 2-25 characters, MOD10 or MOD11 (a check digit of 10 is written "-")."""
    # Dashes are not separators here: a final "-" is the MOD11 check digit 10.
    text = re.sub(r"[\s.]+", "", _text(value))
    if not text:
        raise InvalidNumber("Ange KID-numret.")
    body, check = text[:-1], text[-1]
    if not ((not body or _is_digits(body)) and (_is_digits(check) or check == "-")):
        raise InvalidNumber("KID-numret får bara innehålla siffror (det sista tecknet kan vara -).")
    if not 2 <= len(text) <= 25:
        raise InvalidNumber("KID-numret ska ha 2–25 tecken.")
    if (check != "-" and luhn.is_valid(text)) or _kid_mod11_check(body) == check:
        return text
    raise InvalidNumber("KID-numrets kontrollsiffra stämmer inte – kontrollera KID-numret.")


def clean_no_account(value: str) -> str:
    """A Norwegian kontonummer: 11 digits, mod 11."""
    digits = _digits(value, "kontonumret")
    if len(digits) != 11:
        raise InvalidNumber("Ett norskt kontonummer ska ha 11 siffror, t.ex. 8601.11.17947.")
    _reject_zeros(digits, "kontonumret")
    if not no_kontonr.is_valid(digits):
        raise InvalidNumber("Kontrollsiffran stämmer inte – kontrollera kontonumret.")
    return digits


def clean_reference(value: str, country: str) -> str:
    """The payment reference for a payee in `country`: OCR for SE, KID for NO."""
    _check_country(country)
    return clean_ocr(value) if country == "SE" else clean_kid(value)


def clean_bic(value: str) -> str:
    """A BIC as the bank file can carry it: ISO 9362's rules (schwifty: an existing country,
    the right length and characters) and the pain.001 schema's pattern."""
    bic = _text(value).upper().replace(" ", "")
    try:
        schwifty.BIC(bic)
    except InvalidCountryCode:
        raise InvalidNumber(
            f"BIC:en har landskoden {bic[4:6]}, som inte finns. Tecken 5 och 6 är landet, "
            "t.ex. SE eller NO."
        ) from None
    except SchwiftyException:
        raise InvalidNumber(
            "BIC ska ha 8 eller 11 tecken, t.ex. DNBANOKK eller ESSESESS."
        ) from None
    if not SCHEMA_BIC.fullmatch(bic):
        raise InvalidNumber(
            f"{bic} går inte att använda i betalfilen till banken: de fyra första tecknen ska "
            "vara bokstäver, och ortkoden (tecken 7 och 8) får inte börja med 0 eller 1 eller "
            "sluta med bokstaven O. Kontrollera BIC:en med banken."
        )
    return bic


def has_iban(country: str) -> bool:
    """Whether `country` (ISO 3166) has an IBAN format of its own (python-stdnum's registry)."""
    return _IBAN_DB.info(country + "00")[0][1].get("bban") is not None


def iban_country(iban: str) -> str:
    """The country of a cleaned IBAN: where the account is held."""
    return schwifty.IBAN(iban, allow_invalid=True).country_code


def iban_in_sepa(iban: str) -> bool:
    """Whether a cleaned IBAN is in the SEPA zone (schwifty's registry), where the IBAN alone
    reaches the bank and no BIC is needed."""
    return schwifty.IBAN(iban, allow_invalid=True).in_sepa_zone


# Othr/Id in pain.001 is Max34Text; an account number abroad is letters and digits.
_FOREIGN_ACCOUNT = re.compile(r"[A-Z0-9]{1,34}")


def clean_foreign_payee_account(account_type: str, value: str) -> str:
    """The account of a payee outside Sweden and Norway: an IBAN, or in a country without IBAN
    (USA, Kina, …) the account number as its bank writes it, which no check digit we know
    covers: what identifies the bank there is the BIC."""
    if account_type in ("BGNR", "PGNR"):
        raise InvalidNumber(
            f"{ACCOUNT_TYPE_LABELS[account_type]} finns bara för svenska mottagare."
        )
    if account_type == "IBAN":
        return clean_iban(value)
    text = _SEPARATORS.sub("", _text(value)).upper()
    if not text:
        raise InvalidNumber("Ange kontonumret.")
    if not _FOREIGN_ACCOUNT.fullmatch(text):
        raise InvalidNumber(
            "Kontonumret får ha högst 34 bokstäver (A–Z) och siffror, med mellanslag, punkter "
            "och bindestreck mellan."
        )
    return text


def clean_payee_account(account_type: str, value: str, country: str) -> str:
    """The normalised account of a payee in `country`, as stored and sent to Inyett."""
    _check_country(country)
    if account_type in ("BGNR", "PGNR") and country != "SE":
        raise InvalidNumber(
            f"{ACCOUNT_TYPE_LABELS[account_type]} finns bara för svenska mottagare."
        )
    if account_type == "BGNR":
        return clean_bankgiro(value)
    if account_type == "PGNR":
        return clean_plusgiro(value)
    if account_type == "BBAN":
        return clean_bank_account(value).digits if country == "SE" else clean_no_account(value)
    if account_type == "IBAN":
        return clean_iban(value)
    raise InvalidNumber("Betalsätt ska vara Bankgiro, Plusgiro, Bankkonto eller IBAN.")


def format_account(account_type: str, value: str, country: str = "SE") -> str:
    """A normalised account written for people: 5050-1055, 12 34 56-6, 5000-1234560, …"""
    if not value:
        return ""
    if account_type == "BGNR" and len(value) in (7, 8):
        return f"{value[:-4]}-{value[-4:]}"
    if account_type == "PGNR" and len(value) >= 2:
        head = value[:-1]
        pairs = [head[max(0, end - 2) : end] for end in range(len(head), 0, -2)]
        return " ".join(reversed(pairs)) + "-" + value[-1]
    if account_type == "BBAN" and country == "NO" and len(value) == 11:
        return f"{value[:4]}.{value[4:6]}.{value[6:]}"
    if account_type == "BBAN" and country == "SE" and len(value) > 4 and _is_digits(value):
        clearing, number = value[:4], value[4:]
        # Swedbank customers know their clearing number with its fifth (check) digit, and
        # their account number without the zeros that pad it to 10 digits.
        if clearing.startswith("8"):
            return f"{clearing}-{luhn.calc_check_digit(clearing)} {number.lstrip('0')}"
        return f"{clearing}-{number}"
    if account_type == "IBAN":
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value


def format_orgnr(value: str, country: str) -> str:
    """An organisation number written for people: 556036-0793 (SE) or 988 077 917 (NO)."""
    if not value:
        return ""
    if country == "NO" and len(value) == 9:
        return f"{value[:3]} {value[3:6]} {value[6:]}"
    if country == "SE" and len(value) == 10:
        return f"{value[:6]}-{value[6:]}"
    return value
