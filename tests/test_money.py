from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inyett import money
from inyett.formatting import amount as shown


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1 234,50", "1234.50"),
        ("1234,50", "1234.50"),
        ("1234", "1234.00"),
        ("1\xa0234,50", "1234.50"),  # non-breaking space, as the app itself shows amounts
        ("1\u202f234,50", "1234.50"),  # narrow no-break space
        ("1\u2009234,50", "1234.50"),  # thin space
        ("1 234 567,89", "1234567.89"),
        ("12,5", "12.50"),
        ("12.5", "12.50"),  # a dot before one or two digits cannot be a thousands separator
        ("12.50", "12.50"),
        ("1 234.50", "1234.50"),
        ("  999,50 ", "999.50"),
        ("0,01", "0.01"),
        ("999 999 999,99", "999999999.99"),
    ],
)
def test_amounts_are_read_the_swedish_way(typed, stored):
    assert money.parse_amount(typed) == Decimal(stored)
    assert str(money.parse_amount(typed)) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        # A Swedish reader takes 1.000 for a thousand, an English one for one: it used to be
        # stored as 1,00.
        ("1.000", "Beloppet 1.000 kan läsas på två sätt. Skriv 1000 eller 1,00."),
        ("12.500", "Beloppet 12.500 kan läsas på två sätt. Skriv 12500 eller 12,50."),
        ("1.234.567", "Beloppet 1.234.567 har punkter mellan tusentalen. Skriv 1234567."),
        ("1.234,50", "Beloppet 1.234,50 har punkter mellan tusentalen. Skriv 1234,50."),
        ("1e3", "Beloppet ska vara ett tal, t.ex. 1 234,50."),
        ("inf", "Beloppet ska vara ett tal, t.ex. 1 234,50."),
        ("nan", "Beloppet ska vara ett tal, t.ex. 1 234,50."),
        ("+5", "Beloppet ska vara ett tal, t.ex. 1 234,50."),
        ("12 kr", "Beloppet ska vara ett tal, t.ex. 1 234,50."),
        ("12,345", "Beloppet får ha högst två decimaler."),
        ("12.3456", "Beloppet får ha högst två decimaler."),
        ("12,001", "Beloppet får ha högst två decimaler."),
        (
            "12 34,50",
            "Beloppet 12 34,50 har mellanslag på fel ställe. Skriv 1234,50, eller med "
            "mellanslag bara mellan tusentalen, t.ex. 1 234,50.",
        ),
        ("-5", "Beloppet ska vara större än noll."),
        ("\u22125,00", "Beloppet ska vara större än noll."),  # the minus sign babel writes
        ("0", "Beloppet ska vara större än noll."),
        ("0,00", "Beloppet ska vara större än noll."),
        ("1 000 000 000", "Beloppet får vara högst 999 999 999,99."),
        ("", "Ange beloppet, t.ex. 1 234,50."),
        ("   ", "Ange beloppet, t.ex. 1 234,50."),
    ],
)
def test_amounts_that_could_be_misread_or_are_no_amount_are_refused(typed, message):
    # Only an invoice amount may be negative (a credit note); see the test below.
    with pytest.raises(money.InvalidAmount) as refused:
        money.parse_amount(typed)
    assert str(refused.value) == message


AMOUNTS = st.decimals(
    min_value=Decimal("0.01"), max_value=money.MAX_AMOUNT, places=2, allow_nan=False
)


@given(AMOUNTS)
def test_an_amount_as_the_app_shows_it_reads_back_as_the_same_amount(value):
    assert money.parse_amount(shown(value)) == value


@given(AMOUNTS)
def test_an_amount_copied_with_plain_spaces_reads_back_as_the_same_amount(value):
    assert money.parse_amount(shown(value).replace("\xa0", " ")) == value


@pytest.mark.parametrize(
    ("typed", "value"),
    [("-5", Decimal("-5.00")), ("\u22121 234,50", Decimal("-1234.50")), ("12,5", Decimal("12.50"))],
)
def test_an_invoice_amount_may_be_negative_as_a_credit_note(typed, value):
    assert money.parse_amount(typed, credit_allowed=True) == value


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "Beloppet kan inte vara noll. En kreditfaktura har minus framför."),
        ("-0,00", "Beloppet kan inte vara noll. En kreditfaktura har minus framför."),
        ("-1 000 000 000", "Beloppet får vara högst 999 999 999,99."),
    ],
)
def test_a_credit_note_is_never_zero_nor_beyond_the_largest_amount(typed, message):
    with pytest.raises(money.InvalidAmount) as refused:
        money.parse_amount(typed, credit_allowed=True)
    assert str(refused.value) == message
