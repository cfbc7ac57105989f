"""The README's first command: a fresh database gets the demo data, and paying every demo
invoice against the simulator shows the warnings the README promises."""

from datetime import date
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy import text

from inyett import demo
from inyett import simulator
from inyett.extensions import db
from inyett.formatting import paying_account
from inyett.models import Company
from inyett.models import PaymentWarning
from inyett.models import SupplierInvoice
from inyett.models import User
from inyett.services import payments
from inyett.services.companies import bank_of
from inyett.services.settings import get_settings
from tests.conftest import make_app
from tests.live_server import serve
from tests.payments_helpers import drain

pytestmark = pytest.mark.e2e

# The warnings the README says the demo suppliers give.
PROMISED = {
    "DuplicatePaymentSameDay",
    "DuplicatePaymentReminder",
    "LimitAmount",
    "LimitCurrency",
    "LimitPrivateBankAccount",
    "GiroInactive",
    "DeviatingAccountPattern",
    "DeviatingAmountPattern",
    "DeviatingCurrencyPattern",
    "SwedishCompanyWarningList",
    "NorwegianCompanyWarningList",
}


def next_bank_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.fixture
def demo_simulator():
    app = simulator.create_app({"INYETT_SIMULATOR_ANALYSIS_SECONDS": "0"})
    with serve(app) as url:
        yield url


def test_the_demo_seeds_a_fresh_database_and_shows_every_promised_warning(tmp_path, demo_simulator):
    app = make_app(tmp_path, API_URL=demo_simulator, INSTALLATION="test")
    with app.app_context():
        # As `make run` does it: an empty database brought up by the migrations.
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        lines = demo.seed()
        assert demo.seed() == lines  # a second start changes nothing

        printed = "\n".join(lines)
        for username, _role, _name, password in demo.DEMO_USERS:
            assert f"{username} / {password}" in printed
        assert demo.DEMO_API_KEY in printed
        assert {u.role for u in db.session.scalars(select(User))} == {"admin", "payer", "attester"}
        companies = list(db.session.scalars(select(Company).order_by(Company.id)))
        assert [c.country for c in companies] == ["SE", "NO"]
        # The Swedish company's payer has a "Betalas från" to choose.
        assert [paying_account(a) for a in companies[0].debtor_accounts] == [
            "Bankkonto 6000-123456789 (SEK)",
            "Bankkonto 5440-0123456 (SEK)",
        ]
        # Complete as a bank takes files from them: nothing is missing on the Bolag page.
        assert all(not bank_of(a).missing for c in companies for a in c.debtor_accounts)
        assert get_settings().active

        pay_day = next_bank_day(date.today() + timedelta(days=1))
        for company in companies:
            invoice_ids = list(
                db.session.scalars(
                    select(SupplierInvoice.id).where(SupplierInvoice.company_id == company.id)
                )
            )
            payments.create_payment_file(
                company.id,
                invoice_ids,
                pay_day,
                debtor_account_id=company.debtor_accounts[0].id,
                actor="betalare",
                today=date.today(),
                # The demo's EUR and USD invoices are paid from SEK: the bank exchanges them.
                exchange_confirmed=True,
            )
        drain(rounds=10)
        codes = set(db.session.scalars(select(PaymentWarning.code)))
    assert codes == PROMISED
