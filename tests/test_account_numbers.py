"""Payment numbers: the public examples of shared/spec/swedish-payments.md and their near misses.

Bank accounts not from the research file were computed by hand with Bankgirot's weights
(mod 11: 1, 10, 9, ..., 1 from the left; mod 10: Luhn).
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inyett import account_numbers as an
from inyett.account_numbers import InvalidNumber


def rejected(clean, *args, **kwargs) -> str:
    with pytest.raises(InvalidNumber) as info:
        clean(*args, **kwargs)
    return str(info.value)


# --- Bankgiro and Plusgiro ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5050-1055", "50501055"),  # Skatteverket
        ("160-9908", "1609908"),  # Bankgirot
        ("123-4566", "1234566"),
        ("5555 5551", "55555551"),
        (" 5050.1055 ", "50501055"),
        ("5050–1055", "50501055"),  # an en dash, as pasted from a PDF
    ],
)
def test_valid_bankgiro(value, expected):
    assert an.clean_bankgiro(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("123-4567", "Kontrollsiffran stämmer inte – kontrollera bankgironumret."),
        ("5050-1056", "Kontrollsiffran stämmer inte – kontrollera bankgironumret."),
        ("12-3455", "Bankgironumret ska ha 7 eller 8 siffror."),
        ("12345-67890", "Bankgironumret ska ha 7 eller 8 siffror."),
        (
            "5050-105X",
            "Bankgironumret får bara innehålla siffror (0–9), mellanslag och bindestreck.",
        ),
        ("١٢٣٤٥٦٦", "Bankgironumret får bara innehålla siffror (0–9), mellanslag och bindestreck."),
        ("", "Ange bankgironumret."),
        (" - ", "Ange bankgironumret."),
        ("000-0000", "Bankgironumret kan inte bara vara nollor."),
    ],
)
def test_invalid_bankgiro(value, message):
    assert rejected(an.clean_bankgiro, value) == message


@pytest.mark.parametrize(
    ("value", "expected"),
    [("123456-6", "1234566"), ("12 34 56-6", "1234566"), ("1-8", "18"), ("4444 4446", "44444446")],
)
def test_valid_plusgiro(value, expected):
    assert an.clean_plusgiro(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("123456-7", "Kontrollsiffran stämmer inte – kontrollera plusgironumret."),
        ("8", "Plusgironumret ska ha 2–8 siffror."),
        ("123 456 789-3", "Plusgironumret ska ha 2–8 siffror."),
        ("PG 123456-6", "Plusgironumret får bara innehålla siffror"),
        ("00-0", "Plusgironumret kan inte bara vara nollor."),
    ],
)
def test_invalid_plusgiro(value, message):
    assert rejected(an.clean_plusgiro, value).startswith(message)


# byrokrat/banking tests/Account/BankgiroTest.php and PlusGiroTest.php (validProvider,
# invalidCheckDigitProvider): real-looking giro numbers whose check digits a second
# implementation computed.
BYROKRAT_BANKGIRO = ["5897-5616", "784-8419", "5331-1338", "5645-2725", "5588-8077", "5694-8227"]
BYROKRAT_PLUSGIRO = ["210918-9", "4395094-8", "956404-8", "465658-3", "205835-2", "9048-0", "90480"]


@pytest.mark.parametrize("value", [*BYROKRAT_BANKGIRO, "5805-6201"])
def test_published_bankgiro_numbers(value):
    assert an.clean_bankgiro(value) == value.replace("-", "")


@pytest.mark.parametrize(
    "value", ["5050-1050", "5897-5610", "784-8410", "5331-1330", "5645-2720", "5805-6200"]
)
def test_published_bankgiro_numbers_with_a_wrong_check_digit(value):
    assert rejected(an.clean_bankgiro, value) == (
        "Kontrollsiffran stämmer inte – kontrollera bankgironumret."
    )


@pytest.mark.parametrize("value", BYROKRAT_PLUSGIRO)
def test_published_plusgiro_numbers(value):
    assert an.clean_plusgiro(value) == value.replace("-", "")


@pytest.mark.parametrize("value", ["210918-0", "4395094-0", "956404-0", "465658-0", "9048-1"])
def test_published_plusgiro_numbers_with_a_wrong_check_digit(value):
    assert rejected(an.clean_plusgiro, value) == (
        "Kontrollsiffran stämmer inte – kontrollera plusgironumret."
    )


# --- Swedish bank accounts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "clearing", "number", "bank"),
    [
        # The research file's examples, section 1.3.
        ("5000-1234560", "5000", "1234560", "SEB"),
        ("3000-1234560", "3000", "1234560", "Nordea"),
        ("4000-1234567", "4000", "1234567", "Nordea"),  # comment 2: the clearing's 4 is checked
        ("1200-1234562", "1200", "1234562", "Danske Bank"),
        ("6000-123456789", "6000", "123456789", "Handelsbanken"),
        ("7000-1234560", "7000", "1234560", "Swedbank"),
        ("8327-9 1234567897", "8327", "1234567897", "Swedbank"),
        ("9029-5735211", "9029", "5735211", "Länsförsäkringar"),
        ("5839-8257466", "5839", "8257466", "SEB"),
        ("8901-1 9646240516", "8901", "9646240516", "Swedbank"),  # Skatteverket
        # Computed: other rows of the table.
        ("3410-1234566", "3410", "1234566", "Nordea"),
        ("9070-1234563", "9070", "1234563", "Multitude Bank"),
        ("9550-1234566", "9550", "1234566", "Avanza Bank"),
        ("9710-1234560", "9710", "1234560", "Lunar"),
        ("9580-1234500", "9580", "1234500", "Aion Bank"),
        ("9180-1234567897", "9180", "1234567897", "Danske Bank"),
        ("3300-850709-9805", "3300", "8507099805", "Nordea personkonto"),
        ("9570 123 456 789 7", "9570", "1234567897", "Sparbanken Syd"),
        ("6000-12345679", "6000", "012345679", "Handelsbanken"),  # padded to 9 digits
        ("9960-123456-6", "9960", "0001234566", "Nordea Plusgirot"),  # padded to 10 digits
        ("8327-9 123456782", "8327", "0123456782", "Swedbank"),
    ],
)
def test_valid_swedish_bank_accounts(value, clearing, number, bank):
    account = an.clean_bank_account(value)
    assert account == an.BankAccount(clearing, number, bank)
    assert account.digits == clearing + number
    assert an.bank_account_warning(account) is None


@pytest.mark.parametrize(
    "value",
    [
        "8327-9 1234567897",
        "8327-9, 123 456 789-7",  # how Swedbank writes it
        "83279 1234567897",
        "83279-1234567897",
        "832791234567897",  # 15 digits: the five-digit clearing kept
        "83271234567897",  # 14 digits: the fifth digit dropped
        "8327 1234567897",
        "8327–9 1234567897",
    ],
)
def test_swedbank_accounts_are_read_with_or_without_the_fifth_clearing_digit(value):
    assert an.clean_bank_account(value) == an.BankAccount("8327", "1234567897", "Swedbank")


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("8327-9 123456782", "0123456782"),
        ("83279 123456782", "0123456782"),
        ("8327-9, 12 345 678-2", "0123456782"),
        ("8327 9123456782", "9123456782"),
        # Run together, the fifth digit is the account's when it cannot be the clearing's.
        ("83271234567897", "1234567897"),
    ],
)
def test_short_swedbank_accounts_take_the_fifth_digit_from_how_the_number_is_written(value, number):
    assert an.clean_bank_account(value) == an.BankAccount("8327", number, "Swedbank")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "5000-1234561",
            "Kontrollsiffran stämmer inte för ett konto hos SEB – kontrollera clearingnummer "
            "och kontonummer.",
        ),
        ("5000-1234567", "Kontrollsiffran stämmer inte för ett konto hos SEB"),  # 4000's digits
        ("4000-1234568", "Kontrollsiffran stämmer inte för ett konto hos Nordea"),
        ("9710-1234561", "Kontrollsiffran stämmer inte för ett konto hos Lunar"),
        ("6000-123456788", "Kontrollsiffran stämmer inte – kontrollera kontonumret."),
        ("3300-850709-9806", "Kontrollsiffran stämmer inte – kontrollera kontonumret."),
        ("9999-1234567", "Clearingnumret 9999 hör inte till någon känd bank."),
        ("9900-1234567", "Clearingnumret 9900 hör inte till någon känd bank."),
        ("0123-1234567", "Clearingnumret 0123 hör inte till någon känd bank."),
        ("5000-123456", "Ett konto hos SEB ska ha 7 siffror efter clearingnumret."),
        ("5000-12345600", "Ett konto hos SEB ska ha 7 siffror efter clearingnumret."),
        ("9180-123456789", "Ett konto hos Danske Bank ska ha 10 siffror efter clearingnumret."),
        ("6000-1234567890", "Ett konto hos Handelsbanken har högst 9 siffror."),
        ("8327-9 12345678901", "Ett konto hos Swedbank ska ha 2–10 siffror."),
        ("8327-9 7", "Ett konto hos Swedbank ska ha 2–10 siffror."),
        ("8327-8 1234567897", "Clearingnumrets femte siffra stämmer inte"),
        ("832781234567897", "Clearingnumrets femte siffra stämmer inte"),
        ("5000-0000000", "Kontonumret kan inte bara vara nollor."),
        ("8327-9 0000000000", "Kontonumret kan inte bara vara nollor."),
        ("5000", "Ange clearingnummer och kontonummer, t.ex. 5000-1234560."),
        ("8327-9", "Ange kontonumret efter clearingnumret."),
        ("", "Ange clearingnummer och kontonummer."),
        ("SEB 5000-1234560", "Kontonumret får bara innehålla siffror"),
        ("5000-١٢٣٤٥٦٠", "Kontonumret får bara innehålla siffror"),
    ],
)
def test_invalid_swedish_bank_accounts(value, message):
    assert rejected(an.clean_bank_account, value).startswith(message)


@pytest.mark.parametrize(
    ("value", "bank"),
    [("8327-9 1234567890", "Swedbank"), ("9960-1234567", "Nordea Plusgirot")],
)
def test_comment_3_accounts_failing_the_check_are_accepted_with_a_warning(value, bank):
    account = an.clean_bank_account(value)
    assert account.bank == bank
    warning = an.bank_account_warning(account)
    assert warning.startswith("Kontrollsiffran stämmer inte.")
    assert bank in warning


def test_no_warning_for_other_account_types():
    assert an.bank_account_warning(an.BankAccount("5000", "1234561", "SEB")) is None


@pytest.mark.parametrize(
    "value",
    [
        "5000-1234560",
        "8327-9 123456782",
        "8327-9 9123456782",  # stored as 83279123456782, which typed could be two accounts
        "6000-12345679",
        "9960-1234566",
        "3300-8507099805",
    ],
)
def test_stored_bank_account_digits_read_back_to_the_same_account(value):
    account = an.clean_bank_account(value)
    assert an.stored_bank_account(account.digits) == account
    assert an.clean_bank_account(an.format_account("BBAN", account.digits)) == account


# --- Input that can mean two accounts ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        # The fifth digit 4 is 8424's check digit, so it can be the clearing number's or the
        # first of a 9-digit account: 8424-4 399 841 09 (Luhn-valid) or 8424-4 439 984 109.
        (
            "8424439984109",
            "8424439984109 kan vara 8424-4 439984109 (Swedbank) eller 8424-4 39984109 "
            "(Swedbank). Skriv kontonumret med bindestreck efter clearingnumret, som i det du "
            "menar.",
        ),
        (
            "83279123456782",
            "83279123456782 kan vara 8327-9 9123456782 (Swedbank) eller 8327-9 123456782 "
            "(Swedbank).",
        ),
        # A Nordea personkonto typed without 3300 reads as Swedbank clearing 8507.
        (
            "8507099805",
            "8507099805 kan vara personkontot 3300-850709-9805 (Nordea) eller 8507-6 99805 "
            "(Swedbank).",
        ),
        (
            "850709-9805",
            "850709-9805 kan vara personkontot 3300-850709-9805 (Nordea) eller 8507-6 99805 "
            "(Swedbank).",
        ),
        (
            "19850709-9805",
            "19850709-9805 ser ut som ett personnummer utan clearingnummer. Är det ett "
            "personkonto hos Nordea, skriv clearingnumret först: 3300-850709-9805.",
        ),
        (
            "000620-5124",  # swantzter/kontonummer test/index.test.ts, as 3300 000620-5124
            "000620-5124 ser ut som ett personnummer utan clearingnummer.",
        ),
    ],
)
def test_input_that_can_mean_two_accounts_is_refused_naming_both(value, message):
    assert rejected(an.clean_bank_account, value).startswith(message)


@pytest.mark.parametrize(
    ("value", "number"),
    [("8424-4 39984109", "0039984109"), ("8424 439984109", "0439984109")],
)
def test_the_dash_after_the_clearing_number_says_which_account_is_meant(value, number):
    assert an.clean_bank_account(value) == an.BankAccount("8424", number, "Swedbank")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "3300-851309-9807",  # month 13, Luhn-valid
            "Ett personkonto hos Nordea är kontohavarens personnummer, och 851309-9807 är "
            "inget personnummer – kontrollera kontonumret.",
        ),
        ("3300-850230-9803", "Ett personkonto hos Nordea är kontohavarens personnummer"),
        ("3782-850230-9803", "Ett personkonto hos Nordea är kontohavarens personnummer"),
    ],
)
def test_a_personkonto_must_be_a_possible_personnummer(value, message):
    assert rejected(an.clean_bank_account, value).startswith(message)


@pytest.mark.parametrize(
    ("value", "clearing", "number", "bank"),
    [
        # Bankgirot: "I betalningsfiler i Löner ska kontonumret ... alltid skrivas som 16
        # siffror", the account zero-padded to 12 ("00000xxxxxxC" in its table's format
        # column, as joakimengqvist/swedish-bank-account-validator dist/data/banks.ts has it).
        ("5000000001234560", "5000", "1234560", "SEB"),
        ("5000 00000 1234560", "5000", "1234560", "SEB"),
        ("6000000123456789", "6000", "123456789", "Handelsbanken"),
        ("3300008507099805", "3300", "8507099805", "Nordea personkonto"),
        ("9180001234567897", "9180", "1234567897", "Danske Bank"),
        ("8327001234567897", "8327", "1234567897", "Swedbank"),
        ("8327000123456782", "8327", "0123456782", "Swedbank"),
        # Swedbank's 14- and 15-digit forms: zeros between the clearing number and a short
        # account (Ölands Bank, "5-siffriga clearingnummer som börjar på siffran 8").
        ("83270123456782", "8327", "0123456782", "Swedbank"),
        ("832790123456782", "8327", "0123456782", "Swedbank"),
        ("84244 0039984109", "8424", "0039984109", "Swedbank"),
        # Handelsbanken's shorter numbers with or without their padding.
        ("6000-012345679", "6000", "012345679", "Handelsbanken"),
    ],
)
def test_zero_padded_forms_are_the_same_account(value, clearing, number, bank):
    assert an.clean_bank_account(value) == an.BankAccount(clearing, number, bank)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("50000000012345600", "Kontonumret har för många siffror för ett konto hos SEB."),
        ("5000 10 1234560", "Ett konto hos SEB ska ha 7 siffror efter clearingnumret."),
    ],
)
def test_padding_is_only_zeros_up_to_sixteen_digits(value, message):
    assert rejected(an.clean_bank_account, value) == message


@pytest.mark.parametrize(
    "value",
    [
        "9400-0001000",  # Forex Bank in brocc-ab/se-bank-account-php tests/AccountTest.php
        "9420-1234567",
        "9650-1000000",  # MedMera Bank, same file
        "9659-1234567",
    ],
)
def test_clearing_numbers_bankgirot_has_dropped_are_refused(value):
    # Bankgirot's table no longer has Forex (9400-9449) or MedMera (9650-9659):
    # swantzter/kontonummer removed them (628e547 "remove MedMera Bank", 5700122 "Remove Forex
    # Bank", "Updated based on Bankernas kontonummer 2022-06-20"); so has
    # joakimengqvist/swedish-bank-account-validator's table from Bankgirot's PDF.
    clearing = value[:4]
    assert rejected(an.clean_bank_account, value) == (
        f"Clearingnumret {clearing} hör inte till någon känd bank."
    )


# --- Published test vectors (not python-stdnum's) ----------------------------------------------


@pytest.mark.parametrize(
    ("value", "clearing", "number", "bank"),
    [
        # swantzter/kontonummer test/index.test.ts (commit 4f1a3c7, BGC table 2024-02-22).
        ("9071, 417 23 83", "9071", "4172383", "Multitude Bank"),
        ("6789123456789", "6789", "123456789", "Handelsbanken"),
        ("8424-4,983 189 224-6", "8424", "9831892246", "Swedbank"),
        ("8351-9,392 242 224-5", "8351", "3922422245", "Swedbank"),  # Sparbanken Tanum
        ("8129-9,043 386 711-6", "8129", "0433867116", "Swedbank"),  # Sparbank i Hudiksvall
        ("3300 000620-5124", "3300", "0006205124", "Nordea personkonto"),
        ("97891111113", "9789", "1111113", "Klarna"),
        # brocc-ab/se-bank-account-php tests/AccountTest.php.
        ("9660-1000010", "9660", "1000010", "Svea Bank"),
        ("9580-1000100", "9580", "1000100", "Aion Bank"),
        ("9550-0100000", "9550", "0100000", "Avanza Bank"),
        ("9470-1000010", "9470", "1000010", "BNP Paribas"),
        ("9040-1000100", "9040", "1000100", "Citibank"),
        ("9190-1000100", "9190", "1000100", "DNB"),
        ("9270-0010000", "9270", "0010000", "ICA Banken"),
        ("3400-0001000", "3400", "0001000", "Länsförsäkringar"),
        ("9020-0100000", "9020", "0100000", "Länsförsäkringar"),
        ("1400-0001000", "1400", "0001000", "Nordea"),
        ("3410-0100000", "3410", "0100000", "Nordea"),
        ("4000-1000000", "4000", "1000000", "Nordea"),
        ("9120-0010000", "9120", "0010000", "SEB"),
        ("7000-1001000", "7000", "1001000", "Swedbank"),
        ("2300-0000001", "2300", "0000001", "Ålandsbanken"),
        ("9180-1000000008", "9180", "1000000008", "Danske Bank"),
        ("6000-100000010", "6000", "100000010", "Handelsbanken"),
        ("9500-1000000008", "9500", "1000000008", "Nordea Plusgirot"),
        ("3300-7505092556", "3300", "7505092556", "Nordea personkonto"),
        ("3782-7505092556", "3782", "7505092556", "Nordea personkonto"),
        ("9890-1000000008", "9890", "1000000008", "Riksgälden"),
        ("9570-1000000008", "9570", "1000000008", "Sparbanken Syd"),
        ("9300-1000000008", "9300", "1000000008", "Swedbank"),
    ],
)
def test_published_swedish_bank_accounts(value, clearing, number, bank):
    account = an.clean_bank_account(value)
    assert account == an.BankAccount(clearing, number, bank)
    assert an.bank_account_warning(account) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        # swantzter/kontonummer test/index.test.ts: a wrong check digit and a wrong fifth
        # clearing digit ("Same account number as 'swedbank5' above").
        ("6789123456788", "Kontrollsiffran stämmer inte – kontrollera kontonumret."),
        ("8424-1,983 189 224-6", "Clearingnumrets femte siffra stämmer inte"),
        ("123456789", "Ett konto hos Danske Bank ska ha 7 siffror efter clearingnumret."),
        # brocc-ab/se-bank-account-php tests/AccountTest.php, invalidBankAccountNumbers.
        ("0000-0000000", "Clearingnumret 0000 hör inte till någon känd bank."),
        ("1400-00010001234", "Ett konto hos Nordea ska ha 7 siffror efter clearingnumret."),
        ("2000-10000040", "Ett konto hos Nordea ska ha 7 siffror efter clearingnumret."),
        ("3301-010000099", "Ett konto hos Nordea ska ha 7 siffror efter clearingnumret."),
        ("3410-0100000000000000000", "Kontonumret har för många siffror"),
        ("4000-10000003333", "Ett konto hos Nordea ska ha 7 siffror efter clearingnumret."),
    ],
)
def test_published_invalid_swedish_bank_accounts(value, message):
    assert rejected(an.clean_bank_account, value).startswith(message)


# --- IBAN --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("SE45 5000 0000 0583 9825 7466", "SE4550000000058398257466"),
        ("se56 8000 0890 1196 4624 0516", "SE5680000890119646240516"),  # Skatteverket
        ("SE35 5000 0000 0549 1000 0003", "SE3550000000054910000003"),
        ("NO93 8601 1117 947", "NO9386011117947"),
        ("NO39-3207-4068-323", "NO3932074068323"),
    ],
)
def test_valid_iban(value, expected):
    assert an.clean_iban(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("SE45 5000 0000 0583 9825 7467", "Kontrollsiffrorna stämmer inte – kontrollera IBAN."),
        ("NO23 8601 1117 946", "Kontrollsiffrorna stämmer inte – kontrollera IBAN."),  # kontonr
        ("SE45 5000 0000 0583 9825 74", "En IBAN från SE ska ha 24 tecken."),
        ("NO93", "En IBAN från NO ska ha 15 tecken."),
        ("XX45 5000 0000 0583 9825 7466", "Landskoden XX används inte för IBAN."),
        (
            "4550 0000 0005 8398 2574 66",
            "IBAN ska börja med landskoden och två siffror, t.ex. SE45.",
        ),
        ("SE45 5000 0000 0583 9825 746Ä", "IBAN får bara innehålla bokstäver, siffror"),
        ("", "Ange IBAN."),
    ],
)
def test_invalid_iban(value, message):
    assert rejected(an.clean_iban, value).startswith(message)


# --- Organisation numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("556036-0793", "SE", "5560360793"),  # Saab
        ("212000-0142", "SE", "2120000142"),  # Stockholms stad
        ("556047-3521", "SE", "5560473521"),  # Bankgirocentralen
        ("16556036-0793", "SE", "5560360793"),
        ("850709-9805", "SE", "8507099805"),  # a sole trader's personnummer
        ("19850709-9805", "SE", "8507099805"),
        ("988 077 917", "NO", "988077917"),
    ],
)
def test_valid_orgnr(value, country, expected):
    assert an.clean_orgnr(value, country) == expected


@pytest.mark.parametrize(
    ("value", "country", "message"),
    [
        ("5591234567", "SE", "Kontrollsiffran stämmer inte – kontrollera organisationsnumret."),
        ("556036-0794", "SE", "Kontrollsiffran stämmer inte – kontrollera organisationsnumret."),
        ("556036-079", "SE", "Organisationsnumret ska ha 10 siffror, t.ex. 556036-0793."),
        ("0000000000", "SE", "Numret är varken ett organisationsnummer eller ett personnummer"),
        ("851309-9805", "SE", "Numret är varken ett organisationsnummer eller ett personnummer"),
        ("988 077 918", "NO", "Kontrollsiffran stämmer inte – kontrollera organisationsnumret."),
        ("556036-0793", "NO", "Ett norskt organisationsnummer ska ha 9 siffror"),
        ("000 000 000", "NO", "Organisationsnumret kan inte bara vara nollor."),
        ("556036-0793", "DK", "Landet ska vara SE eller NO."),
        ("", "SE", "Ange organisationsnumret."),
    ],
)
def test_invalid_orgnr(value, country, message):
    assert rejected(an.clean_orgnr, value, country).startswith(message)


# --- OCR and KID references --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "length_digit", "expected"),
    [
        ("123455", False, "123455"),  # check digit only
        ("1234574", False, "1234574"),
        ("1234574", True, "1234574"),  # length 7 written before the check digit
        ("1234 5678 06", False, "1234567806"),
        ("1234567806", True, "1234567806"),  # length 10: the units digit, 0
        ("123456782", False, "123456782"),
        ("18", False, "18"),
    ],
)
def test_valid_ocr(value, length_digit, expected):
    assert an.clean_ocr(value, length_digit=length_digit) == expected


@pytest.mark.parametrize(
    ("value", "length_digit", "message"),
    [
        ("123456", False, "OCR-numrets kontrollsiffra stämmer inte – kontrollera OCR-numret."),
        ("123455", True, "OCR-numrets längdsiffra (näst sista siffran) stämmer inte."),
        ("1", False, "OCR-numret ska ha 2–25 siffror."),
        ("1" * 26, False, "OCR-numret ska ha 2–25 siffror."),
        ("Faktura 12", False, "OCR-numret får bara innehålla siffror"),
    ],
)
def test_invalid_ocr(value, length_digit, message):
    assert rejected(an.clean_ocr, value, length_digit=length_digit).startswith(message)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("23456783", "23456783"),  # MOD10
        ("23456788", "23456788"),  # MOD11
        ("1000005-", "1000005-"),  # MOD11 with check 10
        ("1000005 –", "1000005-"),
        ("2345 6788", "23456788"),
    ],
)
def test_valid_kid(value, expected):
    assert an.clean_kid(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("23456789", "KID-numrets kontrollsiffra stämmer inte – kontrollera KID-numret."),
        ("1000006-", "KID-numrets kontrollsiffra stämmer inte – kontrollera KID-numret."),
        ("-", "KID-numret ska ha 2–25 tecken."),
        ("2" * 26, "KID-numret ska ha 2–25 tecken."),
        ("1000-005-", "KID-numret får bara innehålla siffror (det sista tecknet kan vara -)."),
        ("12a4", "KID-numret får bara innehålla siffror (det sista tecknet kan vara -)."),
        ("", "Ange KID-numret."),
    ],
)
def test_invalid_kid(value, message):
    assert rejected(an.clean_kid, value) == message


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [("123455", "SE", "123455"), ("23456788", "NO", "23456788"), ("1000005-", "NO", "1000005-")],
)
def test_reference_is_ocr_in_sweden_and_kid_in_norway(value, country, expected):
    assert an.clean_reference(value, country) == expected


@pytest.mark.parametrize(
    ("value", "country", "message"),
    [
        ("23456788", "SE", "OCR-numrets kontrollsiffra"),  # MOD11 is not an OCR check
        ("1000005-", "SE", "OCR-numrets kontrollsiffra"),  # "-" is only a separator in an OCR
        ("123455", "FI", "Landet ska vara SE eller NO."),
    ],
)
def test_invalid_reference(value, country, message):
    assert rejected(an.clean_reference, value, country).startswith(message)


# --- Norwegian bank accounts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [("8601.11.17947", "86011117947"), ("3207 40 68323", "32074068323")]
)
def test_valid_norwegian_account(value, expected):
    assert an.clean_no_account(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("8601.11.17948", "Kontrollsiffran stämmer inte – kontrollera kontonumret."),
        ("8601.11.1794", "Ett norskt kontonummer ska ha 11 siffror, t.ex. 8601.11.17947."),
        ("0000.00.00000", "Kontonumret kan inte bara vara nollor."),
    ],
)
def test_invalid_norwegian_account(value, message):
    assert rejected(an.clean_no_account, value) == message


@pytest.mark.parametrize(
    "value",
    [
        # bekkopen/NoCommons src/test/java/no/bekk/bekkopen/banking/KontonummerValidatorTest
        "99990000006",
        "97104133219",  # "testValidNumberEndingOn9", and the three below
        "97105302049",
        "97104008309",
        "97102749069",
        # Ondkloss/norwegian-numbers.js test/norwegian-numbers.ts (makeAccountNumber)
        "1234.56.78903",
        # re:member, "Hva er kontonummeret?" (the research notes, section 1.7)
        "3207.40.68323",
    ],
)
def test_published_norwegian_accounts(value):
    assert an.clean_no_account(value) == value.replace(".", "")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        # NoCommons KontonummerValidatorTest: a wrong check digit, a wrong length, all zeros.
        ("99990000005", "Kontrollsiffran stämmer inte – kontrollera kontonumret."),
        ("123456789012", "Ett norskt kontonummer ska ha 11 siffror, t.ex. 8601.11.17947."),
        ("00000000000", "Kontonumret kan inte bara vara nollor."),
        (
            "abcdefghijk",
            "Kontonumret får bara innehålla siffror (0–9), mellanslag och bindestreck.",
        ),
    ],
)
def test_published_invalid_norwegian_accounts(value, message):
    assert rejected(an.clean_no_account, value) == message


@pytest.mark.parametrize(
    "value",
    [
        # bekkopen/NoCommons src/test/java/no/bekk/bekkopen/banking/KidnummerValidatorTest
        "2345676",  # MOD10
        "12345678903",  # MOD11
        "01290865",  # "testValidKidnummerMod10ButUnableToCalculateMod11"
        # Ondkloss/norwegian-numbers.js test/norwegian-numbers.ts (makeKidNumber)
        "00",  # MOD10 of "0"
        "310",  # MOD11 of "31"
        "40-",  # MOD11 of "40": a check digit of 10 is written "-"
    ],
)
def test_published_kid_numbers(value):
    assert an.clean_kid(value) == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        # NoCommons KidnummerValidatorTest: wrong checksum, too short, too long, not digits.
        ("2345674", "KID-numrets kontrollsiffra stämmer inte – kontrollera KID-numret."),
        ("1", "KID-numret ska ha 2–25 tecken."),
        ("12345678901234567890123456", "KID-numret ska ha 2–25 tecken."),
        ("abcdefghijk", "KID-numret får bara innehålla siffror (det sista tecknet kan vara -)."),
        # Ondkloss: 25 digits and more are too long.
        ("01234567890123456789012345", "KID-numret ska ha 2–25 tecken."),
    ],
)
def test_published_invalid_kid_numbers(value, message):
    assert rejected(an.clean_kid, value) == message


# --- Payee accounts and display ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("account_type", "value", "country", "expected"),
    [
        ("BGNR", "5050-1055", "SE", "50501055"),
        ("PGNR", "123456-6", "SE", "1234566"),
        ("BBAN", "5000-1234560", "SE", "50001234560"),
        ("BBAN", "8327-9 1234567897", "SE", "83271234567897"),
        ("BBAN", "6000-12345679", "SE", "6000012345679"),
        ("BBAN", "8601.11.17947", "NO", "86011117947"),
        ("IBAN", "SE45 5000 0000 0583 9825 7466", "SE", "SE4550000000058398257466"),
        ("IBAN", "NO93 8601 1117 947", "NO", "NO9386011117947"),
    ],
)
def test_payee_accounts_are_normalised_per_type_and_country(account_type, value, country, expected):
    assert an.clean_payee_account(account_type, value, country) == expected


@pytest.mark.parametrize(
    ("account_type", "value", "country", "message"),
    [
        ("BGNR", "5050-1055", "NO", "Bankgiro finns bara för svenska mottagare."),
        ("PGNR", "123456-6", "NO", "Plusgiro finns bara för svenska mottagare."),
        ("BBAN", "5000-123456", "NO", "Ett norskt kontonummer ska ha 11 siffror"),
        ("BBAN", "9999-1234567", "SE", "Clearingnumret 9999 hör inte till någon känd bank."),
        ("BBAN", "5000-1234560", "GB", "Landet ska vara SE eller NO."),
        ("CASH", "", "SE", "Betalsätt ska vara Bankgiro, Plusgiro, Bankkonto eller IBAN."),
        ("BGNR", "123-4567", "SE", "Kontrollsiffran stämmer inte – kontrollera bankgironumret."),
    ],
)
def test_invalid_payee_accounts(account_type, value, country, message):
    assert rejected(an.clean_payee_account, account_type, value, country).startswith(message)


@pytest.mark.parametrize(
    ("account_type", "value", "country", "shown"),
    [
        ("BGNR", "50501055", "SE", "5050-1055"),
        ("BGNR", "1609908", "SE", "160-9908"),
        ("PGNR", "1234566", "SE", "12 34 56-6"),
        ("PGNR", "44444446", "SE", "4 44 44 44-6"),
        ("PGNR", "18", "SE", "1-8"),
        ("BBAN", "50001234560", "SE", "5000-1234560"),
        ("BBAN", "83271234567897", "SE", "8327-9 1234567897"),
        ("BBAN", "86011117947", "NO", "8601.11.17947"),
        ("IBAN", "SE4550000000058398257466", "SE", "SE45 5000 0000 0583 9825 7466"),
        ("IBAN", "NO9386011117947", "NO", "NO93 8601 1117 947"),
        ("BGNR", "", "SE", ""),
    ],
)
def test_display_formats(account_type, value, country, shown):
    assert an.format_account(account_type, value, country) == shown


@pytest.mark.parametrize(
    ("value", "country", "shown"),
    [("5560360793", "SE", "556036-0793"), ("988077917", "NO", "988 077 917"), ("", "SE", "")],
)
def test_orgnr_display_formats(value, country, shown):
    assert an.format_orgnr(value, country) == shown


def test_every_account_type_has_a_label():
    assert set(an.ACCOUNT_TYPE_LABELS) == set(an.ACCOUNT_TYPES)


# --- Properties --------------------------------------------------------------------------------

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
# Digits with separators reach the check-digit code far more often than arbitrary text.
NUMBER_LIKE = st.from_regex(r"\A[0-9 .,\-–]{0,30}\Z")
ANY_INPUT = st.one_of(st.text(max_size=60), NUMBER_LIKE)
COUNTRY = st.one_of(st.sampled_from(["SE", "NO"]), st.text(max_size=3))
ACCOUNT_TYPE = st.one_of(st.sampled_from(an.ACCOUNT_TYPES), st.text(max_size=5))


def accepted_or_a_sentence(clean, *args, **kwargs):
    try:
        return clean(*args, **kwargs)
    except InvalidNumber as exc:
        assert str(exc).endswith(".")
        return None


@given(ANY_INPUT)
def test_cleaners_raise_nothing_but_invalid_number(text):
    for clean in CLEANERS:
        accepted_or_a_sentence(clean, text)
    accepted_or_a_sentence(an.clean_ocr, text, length_digit=True)


@given(ANY_INPUT, COUNTRY, ACCOUNT_TYPE)
def test_country_cleaners_raise_nothing_but_invalid_number(text, country, account_type):
    accepted_or_a_sentence(an.clean_orgnr, text, country)
    accepted_or_a_sentence(an.clean_reference, text, country)
    accepted_or_a_sentence(an.clean_payee_account, account_type, text, country)


@pytest.mark.parametrize("clean", CLEANERS)
def test_cleaners_reject_non_strings(clean):
    assert rejected(clean, None).startswith("Ange")


@given(st.sampled_from(an.ACCOUNT_TYPES), st.sampled_from(["SE", "NO"]), NUMBER_LIKE)
def test_displayed_accounts_read_back_to_the_stored_value(account_type, country, text):
    stored = accepted_or_a_sentence(an.clean_payee_account, account_type, text, country)
    if stored is not None:
        shown = an.format_account(account_type, stored, country)
        assert an.clean_payee_account(account_type, shown, country) == stored


@given(st.from_regex(r"\A[0-9]{10,17}\Z"))
def test_accepted_bank_accounts_have_a_known_bank_and_payment_file_digits(text):
    account = accepted_or_a_sentence(an.clean_bank_account, text)
    if account is not None:
        assert len(account.clearing) == 4
        assert account.number.strip("0")
        assert len(account.digits) <= 14
        assert an.stored_bank_account(account.digits) == account
        assert an.clean_bank_account(an.format_account("BBAN", account.digits)) == account
