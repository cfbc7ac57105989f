from collections import namedtuple
from decimal import Decimal

from inyett.formatting import SWEDISH
from inyett.formatting import TWO_DECIMALS
from inyett.formatting import amount
from inyett.formatting import paying_account
from inyett.formatting import plural
from inyett.formatting import totals

Amount = namedtuple("Amount", "amount currency")
Company = namedtuple("Company", "country")
DebtorAccount = namedtuple("DebtorAccount", "account_type account currency company")


def test_plural_fits_the_word_to_the_count():
    assert plural(1, "betalning", "betalningar") == "1 betalning"
    assert plural(0, "betalning", "betalningar") == "0 betalningar"
    assert plural(2, "faktura", "fakturor") == "2 fakturor"


def test_an_amount_is_written_in_swedish_with_two_decimals():
    assert amount(Decimal("1234567.5")) == "1\xa0234\xa0567,50"
    assert amount(Decimal("-1234.5")) == "-1\xa0234,50"
    assert amount(Decimal("0.10")) == "0,10"
    assert amount(15000) == "15\xa0000,00"
    assert amount(None) == ""


def test_an_amount_reads_as_babel_writes_it_in_swedish_for_every_kind_of_value():
    # The list formats amounts itself, for speed; what a user reads must not change with it.
    values = [Decimal(n) / 1000 for n in range(-25_000, 25_000, 7)]
    values += [Decimal("0.005"), Decimal("0.015"), Decimal("1E+3"), Decimal("999999999999.99")]
    values += [0, 7, -12, 1_000_000, 2.675]
    for value in values:
        assert amount(value) == TWO_DECIMALS.apply(value, SWEDISH), value


def test_totals_sum_exactly_per_currency_in_swedish_style():
    items = [
        Amount(Decimal("1234.40"), "SEK"),
        Amount(Decimal("0.10"), "SEK"),
        Amount(Decimal("7450.00"), "NOK"),
    ]
    assert totals(items) == "7\xa0450,00 NOK, 1\xa0234,50 SEK"
    assert totals([]) == ""


def test_a_paying_account_is_written_as_its_owners_know_it():
    se, no = Company("SE"), Company("NO")
    assert paying_account(DebtorAccount("BGNR", "55555551", "SEK", se)) == (
        "Bankgiro 5555-5551 (SEK)"
    )
    assert paying_account(DebtorAccount("PGNR", "1234566", "SEK", se)) == (
        "Plusgiro 12 34 56-6 (SEK)"
    )
    assert paying_account(DebtorAccount("BBAN", "86011117947", "NOK", no)) == (
        "Bankkonto 8601.11.17947 (NOK)"
    )
