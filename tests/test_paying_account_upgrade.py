"""An installation upgraded to paying accounts with bank, BIC and agreement id: its old accounts
keep every value, a bankgiro-only account says what is missing and makes no file until an
admin fills it in, and the payment files already made keep their XML (SQLite and PostgreSQL)."""

from datetime import date

import pytest
from sqlalchemy import select

from inyett import demo
from inyett.extensions import db
from inyett.models import DebtorAccount
from inyett.models import PaymentFile
from inyett.services import companies
from inyett.services import payments
from tests.conftest import Auth
from tests.upgrade_fixtures import rows
from tests.upgrade_fixtures import upgraded_from
from tests.upgrade_fixtures.make_fixture import RELEASED

# The database of 1.0.0, the newest made before paying accounts had a bank account (later
# fixtures have complete ones): the demo's Swedish company pays from bankgiro 5555-5551 and
# from the SEB account 5440-0123456, the Norwegian one from 8601.11.17947.
NEWEST = "3c9d1e7f5a20"
assert NEWEST in RELEASED
ADMIN_PASSWORD = next(u[3] for u in demo.DEMO_USERS if u[0] == "admin")


def test_old_accounts_keep_their_numbers_and_get_what_can_be_read_from_them(app):
    with app.app_context():
        upgraded_from(NEWEST)
        accounts = {
            a.id: a for a in db.session.scalars(select(DebtorAccount).order_by(DebtorAccount.id))
        }
        bankgiro_only, seb, norwegian = accounts[1], accounts[2], accounts[3]
        assert (bankgiro_only.account_type, bankgiro_only.account) == ("BGNR", "55555551")
        assert bankgiro_only.bankgiro == "55555551"
        assert companies.bank_of(bankgiro_only).missing == ("Bankkonto saknas", "Avtals-id saknas")
        # A bank account's bank and BIC follow from its number; the agreement id is missing.
        assert companies.bank_of(seb) == companies.BankOfAccount(
            "seb", "ESSESESS", "SEB", ("Avtals-id saknas",)
        )
        assert companies.bank_of(norwegian).bic == "DABANO22"
        # Inyett keeps knowing the accounts by the numbers it was sent before.
        assert [a.inyett_account for a in accounts.values()] == [
            "55555551",
            "54400123456",
            "86011117947",
        ]


def test_files_made_before_the_upgrade_keep_their_xml(app):
    with app.app_context():
        fixture = upgraded_from(NEWEST)
        before = {f["id"]: f["xml"] for f in fixture["tables"]["payment_files"]}
        with db.engine.connect() as connection:
            after = {
                f["id"]: f["xml"]
                for f in rows.dump(connection, NEWEST, fixture["made_from_commit"])["tables"][
                    "payment_files"
                ]
            }
        assert after == before


def test_the_bolag_page_says_what_is_missing_and_no_file_is_made_until_it_is_filled_in(app, client):
    with app.app_context():
        upgraded_from(NEWEST)
    Auth(client).login("admin", ADMIN_PASSWORD)
    page = client.get("/systeminstallningar/bolag").get_data(as_text=True)
    assert "Bankkonto saknas" in page and "Avtals-id saknas" in page
    with app.app_context():
        with pytest.raises(payments.PaymentRejected) as refused:
            payments.create_payment_file(
                1, [1], date(2099, 1, 5), debtor_account_id=1, actor="betalare", today=date.today()
            )
        assert "bankkonto saknas, avtals-id saknas" in str(refused.value)
        assert db.session.scalar(select(PaymentFile).order_by(PaymentFile.id.desc())).id == len(
            rows.read(NEWEST)["tables"]["payment_files"]
        )
