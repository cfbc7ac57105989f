"""The banks a company pays from, and what its bank account says about its bank.

The bank's BIC is never typed: it is read from the account number through schwifty's bank
registries (IBAN-ID → BIC for Sweden, bank code → BIC for Norway), which schwifty keeps up to
date from the national bank lists. The bank's profile key (inyett.bankfiles) follows from the
BIC; a company whose account is at a smaller bank chooses the profile its bank's file service
follows, or the generic one.
"""

from dataclasses import dataclass

import schwifty
from schwifty.exceptions import SchwiftyException


@dataclass(frozen=True)
class Bank:
    key: str
    country: str
    name: str
    # What the bank calls the agreement identification that goes in InitgPty, shown as help
    # on the form so that the admin finds it in the bank's agreement papers.
    agreement_help: str


BANKS = {
    bank.key: bank
    for bank in (
        # Handelsbanken's file service identifies the sender by the customer's agreement
        # ("avtals-id", also written kundnummer) in InitgPty/Id/OrgId/Othr (review of our
        # files, shared/spec/swedish-payments.md, "Review ... against bank practice").
        Bank(
            "handelsbanken",
            "SE",
            "Handelsbanken",
            "Handelsbanken kallar det avtals-id eller kundnummer; det står i avtalet om "
            "filöverföring (Handelsbanken Filöverföring).",
        ),
        # SEB: the customer number ("kundnummer") under SchmeNm BANK, as Odoo l10n_se writes
        # InitgPty for SEB (same review table).
        Bank(
            "seb",
            "SE",
            "SEB",
            "SEB kallar det kundnummer (BANK-id); det står i avtalet om betalfiler.",
        ),
        # Swedbank's pain.001 MIG wants the agreement id ("ORI-id"/sender id) of the shape
        # 12 digits + letter + 3 digits, e.g. 06{orgnr}B001: Odoo's Swedbank ISO 20022 module
        # ("Agreement ID validation (format: nnnnnnnnnnnnAnnn)") and OCA/Vertel's Swedbank
        # MIG 2.0 notes quoted in the review table.
        Bank(
            "swedbank",
            "SE",
            "Swedbank",
            "Swedbank kallar det avtals-id, ORI-id eller Sender id, t.ex. 065560360793B001.",
        ),
        # Nordea Corporate Access Payables MIG pain.001.001.03, chapter 4 "Identification and
        # usage of references": InitgPty/Id carries the signer id / customer agreement id
        # (https://vdocuments.net/corporate-access-payables-message-implementation-guidelines-
        # pain00100103-corporate.html).
        Bank(
            "nordea_se",
            "SE",
            "Nordea",
            "Nordea kallar det signer id eller avtals-id (Corporate Access-avtalet).",
        ),
        # No public Danske Bank guide says; the agreement number from Danske's file
        # agreement is what every Nordic CGI-based guide expects here.
        Bank(
            "danske_se",
            "SE",
            "Danske Bank",
            "Danske Bank kallar det avtalsnummer eller kundnummer (Business Online-avtalet).",
        ),
        Bank(
            "generic_se",
            "SE",
            "Annan svensk bank",
            "Länsförsäkringar, ICA Banken och andra: avtals-id eller kundnummer ur bankens "
            "avtal om betalfiler. Fråga banken om du inte hittar det.",
        ),
        Bank(
            "dnb",
            "NO",
            "DNB",
            "DNB kallar det avtale-id eller kunde-id (avtalen om filoverføring).",
        ),
        Bank(
            "nordea_no",
            "NO",
            "Nordea Norge",
            "Nordea kallar det signer id eller avtale-id (Corporate Access-avtalen).",
        ),
        Bank(
            "sparebank1",
            "NO",
            "SpareBank 1",
            "SpareBank 1 kallar det avtale-id eller kunde-id ur avtalen om filoverføring.",
        ),
        Bank(
            "generic_no",
            "NO",
            "Annan norsk bank",
            "Avtale-id eller kunde-id ur bankens avtale om betalingsfiler. Spør banken.",
        ),
    )
}
GENERIC = {"SE": "generic_se", "NO": "generic_no"}

# A BIC's first six characters (institution + country) name the bank whatever its branch.
_PROFILE_BY_INSTITUTION = {
    "HANDSE": "handelsbanken",
    "ESSESE": "seb",
    "SWEDSE": "swedbank",
    "NDEASE": "nordea_se",
    "DABASE": "danske_se",
    "DNBANO": "dnb",
    "NDEANO": "nordea_no",
}

# A Swedish IBAN names the bank by its IBAN-ID: the first three digits of the clearing number
# for the banks with ten clearing numbers, and one IBAN-ID for each range below (Svensk
# Betalinfrastruktur, "IBAN och svenskt nationellt kontonummer", https://www.bankinfrastruktur.se/
# framtidens-betalningsinfrastruktur/iban-och-svenskt-nationellt-kontonummer, as tabulated in
# gocardless/ibandit data/raw/swedish_bank_lookup.yml).
_SE_IBAN_ID_RANGES = (
    (1100, 1199, "300"),  # Nordea
    (1200, 1399, "120"),  # Danske Bank
    (1400, 2099, "300"),  # Nordea
    (2400, 2499, "120"),  # Danske Bank
    (3000, 3399, "300"),  # Nordea, personkonto 3300 included
    (3400, 3409, "902"),  # Länsförsäkringar
    (3410, 4999, "300"),  # Nordea
    (5000, 5999, "500"),  # SEB
    (6000, 6999, "600"),  # Handelsbanken
    (7000, 8999, "800"),  # Swedbank and the savings banks on its clearing
    (9060, 9069, "902"),  # Länsförsäkringar
    (9120, 9149, "500"),  # SEB
    (9150, 9169, "915"),  # Skandiabanken
    (9180, 9189, "120"),  # Danske Bank
    (9260, 9269, "919"),  # DNB
    (9300, 9329, "930"),  # Swedbank (Sparbanken Öresund)
    (9330, 9349, "933"),  # Swedbank (Sparbanken Öresund)
    (9500, 9549, "950"),  # Nordea (Plusgirot)
    (9550, 9569, "955"),  # Avanza
    (9960, 9969, "950"),  # Nordea (Plusgirot)
)


@dataclass(frozen=True)
class Identified:
    """What the account number tells: the bank's profile key, BIC and name (None: unknown)."""

    bank: str | None = None
    bic: str | None = None
    bank_name: str | None = None


def choices(country: str) -> list[Bank]:
    return [bank for bank in BANKS.values() if bank.country == country]


def identify(country: str, account_type: str, account: str) -> Identified:
    """The bank of a company's bank account ('BBAN' or 'IBAN'), from the registries."""
    try:
        if account_type == "IBAN":
            iban = schwifty.IBAN(account)
            bic, names = iban.bic, [iban.bank_name] if iban.bank_name else []
        elif account_type == "BBAN":
            code = _se_iban_id(account[:4]) if country == "SE" else account[:4]
            bic = schwifty.BIC.from_bank_code(country, code)
            names = list(bic.bank_names)
        else:
            return Identified()
    except SchwiftyException:
        # A bank the registry does not list: its profile is the generic one of the country.
        return Identified(bank=GENERIC.get(country))
    if bic is None:
        return Identified(bank=GENERIC.get(country))
    return Identified(
        bank=_profile(country, str(bic), names),
        bic=str(bic),
        bank_name=names[0].strip() if names else None,
    )


def why_not_this_bank(chosen: str, identified: Identified, country: str) -> str | None:
    """Why `chosen` cannot be the bank of the account identified, or None."""
    bank = BANKS.get(chosen)
    if bank is None or bank.country != country:
        return "Välj en av bankerna i listan."
    own = identified.bank
    if own and own != GENERIC[country] and own != chosen:
        # A big bank's account is paid from through that bank: another bank's rules would
        # make the file bounce. A smaller bank may run its file service on a big bank's
        # (the savings banks on Swedbank's), so that choice is left to the admin.
        return f"Kontot är ett konto hos {BANKS[own].name}. Välj {BANKS[own].name} som bank."
    return None


def _se_iban_id(clearing: str) -> str:
    number = int(clearing)
    return next(
        (code for low, high, code in _SE_IBAN_ID_RANGES if low <= number <= high), clearing[:3]
    )


def _profile(country: str, bic: str, names: list[str]) -> str:
    if bic[4:6] != country:
        return GENERIC.get(country)
    if profile := _PROFILE_BY_INSTITUTION.get(bic[:6]):
        return profile
    # The SpareBank 1 alliance banks have a BIC each; their registry names say the alliance.
    if country == "NO" and any(
        "sparebank 1" in name.lower() or "sparebank1" in name.lower() for name in names
    ):
        return "sparebank1"
    return GENERIC[country]
