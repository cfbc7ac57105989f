from datetime import date
from datetime import timedelta

import pytest

from inyett.bankfiles import calendar


def weekdays_without_banking(country: str, year: int) -> list[str]:
    day, found = date(year, 1, 1), []
    while day.year == year:
        if day.weekday() < 5 and not calendar.is_bank_day(country, day):
            found.append(day.isoformat())
        day += timedelta(days=1)
    return found


# Each list is the published one, not the holidays library's: the weekdays (Monday to Friday)
# on which no payment is executed that year.
#
# SE 2026: Riksbanken, "Holidays 2026" (updated 2025-10-16),
# https://www.riksbank.se/en-gb/press-and-published/calendar/holidays-2026 : its holidays that
# fall on a weekday, including Midsummer Eve, Christmas Eve and New Year's Eve.
SE_2026 = [
    "2026-01-01",  # nyårsdagen
    "2026-01-06",  # trettondedag jul
    "2026-04-03",  # långfredagen
    "2026-04-06",  # annandag påsk
    "2026-05-01",  # första maj
    "2026-05-14",  # Kristi himmelsfärdsdag
    "2026-06-19",  # midsommarafton
    "2026-12-24",  # julafton
    "2026-12-25",  # juldagen
    "2026-12-31",  # nyårsafton
]
# SE 2027: Riksbanken had not published 2027 in the copies searched; the list follows the
# holidays of lag (1989:253) om allmänna helgdagar plus Bankgirot's "6:e juni samt aftnarna
# midsommarafton, julafton och nyårsafton [...] är inte en bankdag"
# (https://www.bankgirot.se/tjanster/utbetalningar/loner/vanliga-fragor/), Easter Sunday being
# 2027-03-28. Nager.Date's list (https://www.logifie.com/it/holidays/SE/2027) agrees. 1 May and
# 6 June are a Saturday and a Sunday, 25 and 26 December a weekend.
SE_2027 = [
    "2027-01-01",  # nyårsdagen
    "2027-01-06",  # trettondedag jul
    "2027-03-26",  # långfredagen
    "2027-03-29",  # annandag påsk
    "2027-05-06",  # Kristi himmelsfärdsdag
    "2027-06-25",  # midsommarafton
    "2027-12-24",  # julafton
    "2027-12-31",  # nyårsafton
]
# NO: Norges Bank's settlement system NBO is closed on the public holidays and 24 December
# ("Oppgjørsdager 2017",
# https://www.norges-bank.no/Bank-og-marked/Norges-Banks-oppgjorssystem/Oppgjorsdager/Oppgjorsdager-2017/
# and "Settlement days" for 2019,
# https://static.norges-bank.no/en/Liquidity-and-markets/Norges-Banks-settlement-system/Settlement-days/
# ), the public holidays being those of lov om helligdager og helligdagsfred and lov om 1. og
# 17. mai som høgtidsdager. Not 31 December: the 2019 list leaves out a Tuesday 31 December,
# and Skagerrak Sparebank paid bills "fredag 31. desember" 2021
# (https://skagerraksparebank.no/aktuelt/betalingsfrister-jul).
NO_2026 = [
    "2026-01-01",  # nyttårsdag
    "2026-04-02",  # skjærtorsdag
    "2026-04-03",  # langfredag
    "2026-04-06",  # 2. påskedag
    "2026-05-01",  # 1. mai
    "2026-05-14",  # Kristi himmelfartsdag (17. mai is a Sunday)
    "2026-05-25",  # 2. pinsedag
    "2026-12-24",  # julaften
    "2026-12-25",  # 1. juledag
]
NO_2027 = [
    "2027-01-01",  # nyttårsdag
    "2027-03-25",  # skjærtorsdag
    "2027-03-26",  # langfredag
    "2027-03-29",  # 2. påskedag
    "2027-05-06",  # Kristi himmelfartsdag (1. mai is a Saturday)
    "2027-05-17",  # grunnlovsdagen and 2. pinsedag
    "2027-12-24",  # julaften
]


@pytest.mark.parametrize(
    ("country", "year", "published"),
    [("SE", 2026, SE_2026), ("SE", 2027, SE_2027), ("NO", 2026, NO_2026), ("NO", 2027, NO_2027)],
)
def test_the_weekdays_without_banking_are_the_published_ones(country, year, published):
    assert weekdays_without_banking(country, year) == published


def test_new_years_eve_is_a_bank_day_in_norway_but_not_in_sweden():
    assert calendar.is_bank_day("NO", date(2026, 12, 31))
    assert not calendar.is_bank_day("SE", date(2026, 12, 31))


def test_weekends_are_never_bank_days():
    assert not calendar.is_bank_day("SE", date(2026, 11, 28))
    assert not calendar.is_bank_day("NO", date(2026, 11, 29))


@pytest.mark.parametrize(
    ("country", "day", "next_day"),
    [
        ("SE", date(2026, 12, 24), date(2026, 12, 28)),  # julafton, juldagen, weekend
        ("SE", date(2026, 12, 31), date(2027, 1, 4)),  # nyårsafton, nyårsdagen, weekend
        ("NO", date(2026, 12, 31), date(2026, 12, 31)),
        ("SE", date(2026, 6, 19), date(2026, 6, 22)),  # midsommarafton
        ("NO", date(2026, 6, 19), date(2026, 6, 19)),
        ("SE", date(2026, 4, 3), date(2026, 4, 7)),  # långfredagen to annandag påsk
        ("NO", date(2026, 4, 2), date(2026, 4, 7)),  # skjærtorsdag to 2. påskedag
        ("SE", date(2026, 11, 26), date(2026, 11, 26)),  # already a bank day
    ],
)
def test_the_next_bank_day_is_the_first_on_or_after_the_day(country, day, next_day):
    assert calendar.next_bank_day(country, day) == next_day


def test_a_country_without_a_calendar_is_an_error_not_a_guess():
    with pytest.raises(ValueError, match="DK"):
        calendar.is_bank_day("DK", date(2026, 12, 1))
