"""Bank days in Sweden and Norway: Monday to Friday, except the public holidays (from the
`holidays` library) and the weekdays on which the banks are closed all the same (added here, in
`_closed_beyond_public_holidays`, the one place for them). A payment dated on another day is
moved by the bank, so the app refuses it and offers the next bank day instead."""

from datetime import date
from datetime import timedelta
from functools import lru_cache

import holidays

COUNTRY_NAMES = {"SE": "Sverige", "NO": "Norge"}


def _midsummer_eve(year: int) -> date:
    # Midsommardagen is the Saturday between 20 and 26 June, its eve the Friday before.
    first_possible = date(year, 6, 19)
    return first_possible + timedelta(days=(4 - first_possible.weekday()) % 7)


def _closed_beyond_public_holidays(country: str, year: int) -> set[date]:
    """The weekdays the country's banks are closed that are no public holidays in law."""
    if country == "SE":
        # Bankgirot: "6:e juni samt aftnarna midsommarafton, julafton och nyårsafton är dagar som
        # kan infalla på en vardag, men är inte en bankdag"
        # (https://www.bankgirot.se/tjanster/utbetalningar/loner/vanliga-fragor/); Riksbanken
        # lists the three eves among its holidays too
        # (https://www.riksbank.se/en-gb/press-and-published/calendar/holidays-2026).
        return {_midsummer_eve(year), date(year, 12, 24), date(year, 12, 31)}
    # Norges Bank's settlement system, where every NOK payment is settled, is closed on the
    # public holidays and 24 December ("Oppgjørsdager 2017",
    # https://www.norges-bank.no/Bank-og-marked/Norges-Banks-oppgjorssystem/Oppgjorsdager/Oppgjorsdager-2017/
    # ). Not on 31 December: its 2019 list ("Settlement days",
    # https://static.norges-bank.no/en/Liquidity-and-markets/Norges-Banks-settlement-system/Settlement-days/
    # ) leaves out that Tuesday, and banks pay bills on a weekday 31 December ("Siste frist for å
    # betale regninger i 2021 er fredag 31. desember",
    # https://skagerraksparebank.no/aktuelt/betalingsfrister-jul), though branches are closed.
    return {date(year, 12, 24)}


@lru_cache(maxsize=64)
def _closed_weekdays(country: str, year: int) -> frozenset[date]:
    public = holidays.country_holidays(country, years=year, categories=(holidays.PUBLIC,))
    return frozenset(public) | frozenset(_closed_beyond_public_holidays(country, year))


def is_bank_day(country: str, day: date) -> bool:
    """Whether banks in `country` ("SE" or "NO") execute payments on `day`."""
    if country not in COUNTRY_NAMES:
        raise ValueError(f"Ingen bankkalender för landet {country}.")
    return day.weekday() < 5 and day not in _closed_weekdays(country, day.year)


def next_bank_day(country: str, day: date) -> date:
    """`day` if it is a bank day in `country`, else the first bank day after it."""
    while not is_bank_day(country, day):
        day += timedelta(days=1)
    return day
