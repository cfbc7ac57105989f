import pytest
from hypothesis import given
from hypothesis import strategies as st

from inyett import account_numbers as an
from inyett.account_numbers import InvalidNumber


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5050-1055", "50501055"),
        ("160-9908", "1609908"),
        ("123-4566", "1234566"),
        ("5555 5551", "55555551"),
    ],
)
def test_valid_bankgiro(value, expected):
    assert an.clean_bankgiro(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("123-4567", "Kontrollsiffran"),
        ("123456", "7 eller 8 siffror"),
        ("12345-67890", "7 eller 8"),
        ("5050-105X", "bara innehålla siffror"),
        ("", "Ange bankgironumret"),
        ("١٢٣٤٥٦٧", "siffror"),
    ],
)
def test_invalid_bankgiro(value, message):
    with pytest.raises(InvalidNumber, match=message):
        an.clean_bankgiro(value)


@pytest.mark.parametrize(
    ("value", "ok"), [("123456-6", True), ("12 34 56-6", True), ("123456-7", False), ("1", False)]
)
def test_plusgiro(value, ok):
    if ok:
        assert an.clean_plusgiro(value) == "1234566"
    else:
        with pytest.raises(InvalidNumber):
            an.clean_plusgiro(value)


@pytest.mark.parametrize(
    ("value", "clearing", "number", "bank"),
    [
        ("5000-1234560", "5000", "1234560", "SEB"),
        ("3000-1234560", "3000", "1234560", "Nordea"),
        ("4000-1234567", "4000", "1234567", "Nordea"),
        ("1200-1234562", "1200", "1234562", "Danske Bank"),
        ("6000-123456789", "6000", "123456789", "Handelsbanken"),
        ("7000-1234560", "7000", "1234560", "Swedbank"),
        ("8327-9 1234567897", "8327", "1234567897", "Swedbank"),
        ("8327-9, 123 456 789-7", "8327", "1234567897", "Swedbank"),
        ("9029-5735211", "9029", "5735211", "Länsförsäkringar Bank"),
        ("5839-8257466", "5839", "8257466", "SEB"),
        ("8901-1 9646240516", "8901", "9646240516", "Swedbank"),
        ("9580-1234500", "9580", "1234500", "Aion Bank"),
    ],
)
def test_valid_swedish_bank_accounts(value, clearing, number, bank):
    account = an.clean_bank_account(value)
    assert (account.clearing, account.number, account.bank) == (clearing, number, bank)
    assert account.digits == clearing + number


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("5000-1234561", "Kontrollsiffran"),
        ("9999-1234567", "Clearingnumret 9999 hör inte till någon känd bank"),
        ("6000-123456788", "Handelsbanken"),
        ("5000-123456", "7 siffror"),
        ("8327-8 1234567897", "femte siffra stämmer inte"),
        ("5000-0000000", "nollor"),
        ("5000", "clearingnummer och kontonummer"),
    ],
)
def test_invalid_swedish_bank_accounts(value, message):
    with pytest.raises(InvalidNumber, match=message):
        an.clean_bank_account(value)


def test_swedbank_comment_3_accounts_that_fail_the_check_are_accepted_with_a_warning():
    account = an.clean_bank_account("8327-9 1234567890")
    assert account.number == "1234567890"
    assert "Swedbank" in an.bank_account_warning(account)
    assert an.bank_account_warning(an.clean_bank_account("8327-9 1234567897")) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("SE45 5000 0000 0583 9825 7466", "SE4550000000058398257466"),
        ("se56 8000 0890 1196 4624 0516", "SE5680000890119646240516"),
        ("NO93 8601 1117 947", "NO9386011117947"),
    ],
)
def test_valid_iban(value, expected):
    assert an.clean_iban(value) == expected


@pytest.mark.parametrize(
    "value", ["SE45 5000 0000 0583 9825 7467", "SE45500000000583982574", "NO93"]
)
def test_invalid_iban(value):
    with pytest.raises(InvalidNumber, match="IBAN"):
        an.clean_iban(value)


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("556036-0793", "SE", "5560360793"),
        ("212000-0142", "SE", "2120000142"),
        ("556047-3521", "SE", "5560473521"),
        ("16556036-0793", "SE", "5560360793"),
        ("988 077 917", "NO", "988077917"),
    ],
)
def test_valid_orgnr(value, country, expected):
    assert an.clean_orgnr(value, country) == expected


@pytest.mark.parametrize(
    ("value", "country"), [("5591234567", "SE"), ("988 077 918", "NO"), ("55603607", "SE")]
)
def test_invalid_orgnr(value, country):
    with pytest.raises(InvalidNumber):
        an.clean_orgnr(value, country)


def test_ocr_check_and_length_digits():
    assert an.clean_ocr("123455") == "123455"
    assert an.clean_ocr("1234 5678 06") == "1234567806"
    assert an.clean_ocr("1234574", length_digit=True) == "1234574"
    with pytest.raises(InvalidNumber, match="längdsiffra"):
        an.clean_ocr("123455", length_digit=True)
    with pytest.raises(InvalidNumber, match="kontrollsiffra"):
        an.clean_ocr("123456")
    with pytest.raises(InvalidNumber, match="2–25"):
        an.clean_ocr("1" * 26)


@pytest.mark.parametrize("value", ["23456783", "23456788", "1000005-"])
def test_valid_kid_mod10_or_mod11(value):
    assert an.clean_kid(value) == value


@pytest.mark.parametrize("value", ["23456789", "1000006-", "-", "12a4"])
def test_invalid_kid(value):
    with pytest.raises(InvalidNumber):
        an.clean_kid(value)


def test_norwegian_account():
    assert an.clean_no_account("8601.11.17947") == "86011117947"
    with pytest.raises(InvalidNumber, match="Kontrollsiffran"):
        an.clean_no_account("8601.11.17948")


@pytest.mark.parametrize(
    ("account_type", "value", "country", "expected"),
    [
        ("BGNR", "5050-1055", "SE", "50501055"),
        ("PGNR", "123456-6", "SE", "1234566"),
        ("BBAN", "5000-1234560", "SE", "50001234560"),
        ("BBAN", "8601.11.17947", "NO", "86011117947"),
        ("IBAN", "SE45 5000 0000 0583 9825 7466", "SE", "SE4550000000058398257466"),
    ],
)
def test_payee_accounts_are_normalised_per_type_and_country(account_type, value, country, expected):
    assert an.clean_payee_account(account_type, value, country) == expected


def test_giro_numbers_exist_only_for_swedish_payees():
    with pytest.raises(InvalidNumber, match="bara för svenska"):
        an.clean_payee_account("BGNR", "5050-1055", "NO")


@pytest.mark.parametrize(
    ("account_type", "value", "country", "shown"),
    [
        ("BGNR", "50501055", "SE", "5050-1055"),
        ("BGNR", "1609908", "SE", "160-9908"),
        ("PGNR", "1234566", "SE", "12 34 56-6"),
        ("BBAN", "50001234560", "SE", "5000-1234560"),
        ("BBAN", "86011117947", "NO", "8601.11.17947"),
        ("IBAN", "SE4550000000058398257466", "SE", "SE45 5000 0000 0583 9825 7466"),
    ],
)
def test_display_formats(account_type, value, country, shown):
    assert an.format_account(account_type, value, country) == shown


CLEANERS = [
    an.clean_bankgiro,
    an.clean_plusgiro,
    an.clean_bank_account,
    an.clean_iban,
    an.clean_se_orgnr,
    an.clean_no_orgnr,
    an.clean_ocr,
    an.clean_kid,
    an.clean_no_account,
]


@given(st.text(max_size=60))
def test_any_text_is_either_accepted_or_a_swedish_message(text):
    for clean in CLEANERS:
        try:
            clean(text)
        except InvalidNumber as rejected:
            assert str(rejected)
