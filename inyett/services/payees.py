"""Where a payee is and how the company can pay it: ISO 3166 countries by their Swedish names,
the postal address and BIC a cross-border payment needs, and the currencies each way of paying
takes. The ledger holds new suppliers and invoices to these rules; a payment file holds what an
earlier version stored to them again."""

import unicodedata
from functools import cache

import pycountry
from babel import Locale

from inyett import account_numbers
from inyett.models import Company
from inyett.models import Supplier

# Sverige and Norge first in the country list: nearly every payee is in one of them.
HOME_COUNTRIES = ("SE", "NO")
# A domestic account number reaches a bank in its own clearing system only, in its own
# currency: Bankgirot's and the Swedish banks' clearing is SEK, Norway's (NICS) NOK. Money in
# another currency goes to the account's IBAN.
DOMESTIC_CURRENCY = {"SE": "SEK", "NO": "NOK"}
# The ISO 20022 lengths: StrtNm Max70Text, PstCd Max16Text, TwnNm Max35Text.
ADDRESS_FIELDS = {
    "street": ("Gatuadressen", 70),
    "post_code": ("Postnumret", 16),
    "town": ("Orten", 35),
}
# Said of a BIC for a bankgiro or plusgiro payee: Bankgirot routes them, no bank's BIC does.
GIRO_HAS_NO_BIC = "Bankgiro och plusgiro betalas utan BIC: lämna fältet tomt."
_SWEDISH_LAST_LETTERS = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}"})


@cache
def country_names() -> dict[str, str]:
    """Every ISO 3166-1 country (pycountry) by its code, named in Swedish (CLDR, via babel;
    the English name where CLDR has none): Sverige and Norge first, the rest alphabetically."""
    swedish = Locale("sv").territories
    names = {
        country.alpha_2: swedish.get(country.alpha_2, country.name)
        for country in pycountry.countries
    }
    others = sorted(set(names) - set(HOME_COUNTRIES), key=lambda code: _swedish_order(names[code]))
    return {code: names[code] for code in (*HOME_COUNTRIES, *others)}


def _swedish_order(name: str) -> bytes:
    # Å, Ä and Ö come after Z in Swedish; other accents (é, ü) sort with their letter.
    folded = name.casefold().translate(_SWEDISH_LAST_LETTERS)
    return unicodedata.normalize("NFKD", folded).encode("ascii", "ignore")


def country_name(code: str) -> str:
    return country_names().get(code, code)


def country_problem(code: str) -> str | None:
    """Why `code` is no country a supplier can be in, or None."""
    if not code:
        return "Välj leverantörens land."
    if code not in country_names():
        return (
            f"Landet {code} finns inte: ange landets kod med två bokstäver enligt ISO 3166, "
            "t.ex. SE, NO eller DE."
        )
    return None


def is_cross_border(company_country: str, payee_country: str) -> bool:
    return company_country != payee_country


def route_problems(
    company: Company, country: str, account_type: str, account: str
) -> dict[str, str]:
    """Why `company` cannot pay a payee in `country` on this (valid) account, per field."""
    if account_type in ("BGNR", "PGNR") and company.country != "SE":
        return {
            "account_type": f"{company.name} är ett {_adjective(company.country)} bolag: "
            "bankgiro och plusgiro går bara att betala från Sverige. Ange leverantörens IBAN."
        }
    if account_type == "IBAN":
        held_in = account_numbers.iban_country(account)
        # A country without IBAN of its own (Åland uses Finland's) has its accounts elsewhere.
        if held_in != country and account_numbers.has_iban(country):
            return {
                "account": f"IBAN:en är från {country_name(held_in)} ({held_in}), men "
                f"leverantören är i {country_name(country)}. Välj landet där leverantören "
                "finns, eller kontrollera IBAN:en."
            }
    elif is_cross_border(company.country, country) and account_numbers.has_iban(country):
        # Banks in the IBAN countries take payments from abroad to the IBAN only.
        return {
            "account": f"En betalning från {country_name(company.country)} till "
            f"{country_name(country)} går till leverantörens IBAN: välj betalsätt IBAN."
        }
    return {}


def _adjective(country: str) -> str:
    return {"SE": "svenskt", "NO": "norskt"}.get(country, "utländskt")


def needs_bic(company_country: str, country: str, account_type: str, account: str) -> bool:
    """A payee abroad outside SEPA is reached through its bank's BIC; inside SEPA (and at home)
    the IBAN or the clearing number says which bank it is."""
    if not is_cross_border(company_country, country):
        return False
    if account_type == "IBAN":
        return not account_numbers.iban_in_sepa(account)
    return account_type == "BBAN"


def missing_address(company_country: str, country: str, address: dict) -> dict[str, str]:
    """The address fields a payment to `country` needs and `address` lacks: banks want town
    and country of every cross-border payee, and the street where there is one; a post code
    is not asked for, since some countries have none."""
    if not is_cross_border(company_country, country):
        return {}
    return {
        field: f"Ange {label}: en betalning till {country_name(country)} kräver adressen."
        for field, label in (("street", "gatuadress"), ("town", "ort"))
        if not address.get(field)
    }


def currency_problem(country: str, account_type: str, currency: str) -> str | None:
    """Why an invoice in `currency` cannot be paid to this account of a payee in `country`."""
    if account_type in ("BGNR", "PGNR") and currency != "SEK":
        # Bankgirot has taken no EUR since 2016-10-31 (shared/spec/swedish-payments.md, 1.1).
        return "Bankgiro och plusgiro tar bara betalningar i SEK."
    home_currency = DOMESTIC_CURRENCY.get(country)
    if account_type == "BBAN" and home_currency and currency != home_currency:
        kind = {"SE": "Ett svenskt bankkonto", "NO": "Ett norskt kontonummer"}[country]
        return (
            f"{kind} tar bara betalningar i {home_currency}: betala fakturan i {currency} "
            "till leverantörens IBAN."
        )
    return None


def stored_payee_problem(company: Company, supplier: Supplier, currency: str) -> str | None:
    """What keeps a stored supplier from being paid in `currency` by `company` now: rules an
    earlier version did not hold suppliers and invoices to."""
    route = route_problems(company, supplier.country, supplier.account_type, supplier.account)
    if route:
        return next(iter(route.values()))
    if problem := currency_problem(supplier.country, supplier.account_type, currency):
        return problem
    address = {"street": supplier.street, "town": supplier.town}
    if missing_address(company.country, supplier.country, address):
        return (
            f"En betalning till {country_name(supplier.country)} kräver leverantörens "
            "gatuadress och ort, som saknas."
        )
    if not supplier.bic and needs_bic(
        company.country, supplier.country, supplier.account_type, supplier.account
    ):
        return (
            f"En betalning till {country_name(supplier.country)} kräver BIC för leverantörens "
            "bank, som saknas."
        )
    return None
