"""Any account a person types and the ledger accepts is the account paid: the one stored, the
one in the pain.001 file's CdtrAcct and the one Inyett checks are the same, and a Swedish bank
account is never turned into another one (refused, when it can mean two)."""

import itertools
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck
from hypothesis import assume
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import select
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.no import kontonr as no_kontonr

from inyett import account_numbers as an
from inyett.extensions import db
from inyett.models import Company
from inyett.models import DebtorAccount
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.services import ledger
from inyett.services import outbox
from inyett.services import payments
from inyett.services.ledger import LedgerRejected
from inyett.services.ledger import SupplierInput
from tests.payments_helpers import PAYMENT_DATE
from tests.payments_helpers import TODAY
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import with_approved_account

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
# Every account a file or Inyett gets is built and checked in a database: few examples, each
# one a whole payment.
ROUND_TRIP = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def digit_strings(low: int, high: int):
    """Digits that are not all zeros (no number may be)."""
    return st.text("0123456789", min_size=low, max_size=high).filter(lambda d: d.strip("0"))


def with_luhn(body: str) -> str:
    return body + luhn.calc_check_digit(body)


@st.composite
def swedish_bank_accounts(draw) -> an.BankAccount:
    """A Swedish bank account the parser accepts without a warning, written with a dash after
    its clearing number: the check digit is searched for, as Bankgirot's rules per bank are
    what the vectors in test_account_numbers.py test."""
    # Swedbank's 8xxx, with its fifth clearing digit, is where readings differ: drawn often.
    clearing = str(draw(st.one_of(st.integers(1000, 9999), st.integers(8000, 8999))))
    body = draw(digit_strings(1, 9))
    for check in "0123456789":
        try:
            account = an.clean_bank_account(f"{clearing}-{body}{check}")
        except an.InvalidNumber:
            continue
        if an.bank_account_warning(account) is None:
            return account
    assume(False)


@st.composite
def nordea_personkonton(draw) -> an.BankAccount:
    """A Nordea personkonto: clearing 3300 or 3782 and its holder's personnummer."""
    born = draw(st.dates(date(1900, 1, 1), date(2099, 12, 31)))
    personnummer = with_luhn(
        born.strftime("%y%m%d") + draw(st.text("0123456789", min_size=3, max_size=3))
    )
    clearing = draw(st.sampled_from(["3300", "3782"]))
    return an.clean_bank_account(f"{clearing}-{personnummer}")


def typed_forms(account: an.BankAccount) -> list[str]:
    """How people and payment files write the account: as shown, clearing-dash-number, run
    together, and Bankgirot's 16-digit form (the number zero-padded to 12 digits)."""
    clearing, number = account.clearing, account.number
    forms = [
        an.format_account("BBAN", account.digits),
        f"{clearing}-{number}",
        clearing + number,
        clearing + number.zfill(12),
    ]
    if clearing.startswith("8"):
        fifth = luhn.calc_check_digit(clearing)
        forms += [f"{clearing}-{fifth} {number}", clearing + fifth + number.lstrip("0")]
    if clearing in ("3300", "3782"):  # a Nordea personkonto
        forms += [f"{number[:6]}-{number[6:]}", number, "19" + number]
    return forms


@st.composite
def payee_accounts(draw) -> tuple[str, str, str, list[str]]:
    """(account type, country, stored account, ways a person may type it)."""
    kind = draw(
        st.sampled_from(
            ["BGNR", "PGNR", "BBAN SE", "BBAN SE", "BBAN SE", "personkonto"]
            + ["BBAN NO", "IBAN SE", "IBAN NO"]
        )
    )
    if kind == "BGNR":
        number = with_luhn(draw(digit_strings(6, 7)))
        return "BGNR", "SE", number, [an.format_account("BGNR", number), number]
    if kind == "PGNR":
        number = with_luhn(draw(digit_strings(1, 7)))
        return "PGNR", "SE", number, [an.format_account("PGNR", number), number]
    if kind in ("BBAN SE", "personkonto"):
        account = draw(swedish_bank_accounts() if kind == "BBAN SE" else nordea_personkonton())
        return "BBAN", "SE", account.digits, typed_forms(account)
    body = draw(digit_strings(10, 10))
    # No check digit fits when MOD11 gives 10: such numbers are not given out.
    norwegian = next((body + c for c in "0123456789" if no_kontonr.is_valid(body + c)), None)
    assume(norwegian is not None)
    if kind == "BBAN NO":
        return "BBAN", "NO", norwegian, [an.format_account("BBAN", norwegian, "NO"), norwegian]
    bban = norwegian if kind == "IBAN NO" else draw(digit_strings(20, 20))
    country = kind[-2:]
    iban = country + stdnum_iban.calc_check_digits(f"{country}00{bban}") + bban
    assume(stdnum_iban.is_valid(iban))
    return "IBAN", country, iban, [an.format_account("IBAN", iban), iban.lower()]


def company_in(country: str) -> Company:
    """The payer at home in the payee's country: a payment abroad has rules of its own."""
    return db.session.scalar(select(Company).where(Company.country == country))


def stored_as(account_type: str, country: str, typed: str) -> str | None:
    """The account the supplier form and the CSV import would store, None if refused."""
    try:
        fields = ledger.clean_supplier(
            SupplierInput("Mottagaren AB", "", country, account_type, typed), company_in(country)
        )
    except LedgerRejected as rejected:
        assert set(rejected.errors) == {"account"}
        return None
    return fields["account"]


def creditor_account_in_file(xml: bytes) -> str:
    (account,) = etree.fromstring(xml).xpath(
        "//p:CdtTrfTxInf/p:CdtrAcct/p:Id/p:IBAN/text()"
        " | //p:CdtTrfTxInf/p:CdtrAcct/p:Id/p:Othr/p:Id/text()",
        namespaces=NS,
    )
    return account


def pay(account_type: str, country: str, account: str, number: int):
    """A payment file of one invoice to a new supplier with `account`, sent to Inyett."""
    company = company_in(country)
    # Hypothesis may draw an account again; the database holds one supplier per payee.
    supplier = db.session.scalar(
        select(Supplier).where(
            Supplier.company_id == company.id,
            Supplier.account_type == account_type,
            Supplier.account == account,
        )
    ) or with_approved_account(
        Supplier(
            company=company,
            name=f"Mottagare {number}",
            country=country,
            account_type=account_type,
            account=account,
        )
    )
    invoice = SupplierInvoice(
        company=company,
        supplier=supplier,
        invoice_number=f"R-{number}",
        # Short enough for every payee's channel (a Swedish account deposit carries 12).
        message=f"R-{number}",
        amount=Decimal("100.00"),
        currency=company.debtor_accounts[0].currency,
        due_date=PAYMENT_DATE,
    )
    db.session.add(invoice)
    db.session.commit()
    return payments.create_payment_file(
        company.id,
        [invoice.id],
        PAYMENT_DATE,
        debtor_account_id=company.debtor_accounts[0].id,
        actor="betalare",
        today=TODAY,
    )


# Hypothesis runs the examples in one database: each payee gets a name of its own.
PAYEE_NUMBERS = itertools.count(1)


@pytest.fixture
def ctx(app):
    with app.app_context():
        norwegian = Company(name="Norsk AS", orgnr="988077917", country="NO")
        norwegian.debtor_accounts.append(
            DebtorAccount(
                account_type="BBAN", account="86011117947", currency="NOK", agreement_id="NO-1"
            )
        )
        db.session.add(norwegian)
        activate_inyett()
        yield app


@ROUND_TRIP
@given(payee_accounts())
def test_an_accepted_account_is_the_one_in_the_file_and_at_inyett(ctx, payee):
    account_type, country, expected, forms = payee
    stored = [stored_as(account_type, country, typed) for typed in forms]
    # As shown on the page, the account is always accepted again.
    assert stored[0] == expected
    # Any other way of writing it gives the same account, or is refused: never another one.
    assert {account for account in stored if account is not None} == {expected}
    payment_file = pay(account_type, country, expected, next(PAYEE_NUMBERS))
    (payment,) = payment_file.payments
    assert payment.account == expected
    assert creditor_account_in_file(payment_file.xml) == expected
    (transaction,) = outbox.batch_body(payment.batch)["transactions"]
    assert transaction["creditorAccountType"] == account_type
    assert transaction["creditorAccount"] == expected
