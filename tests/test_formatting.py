from collections import namedtuple
from decimal import Decimal

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
