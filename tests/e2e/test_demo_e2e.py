"""The README's first command: a fresh database gets the demo data, and paying every demo
invoice against the simulator shows the warnings the README promises."""

import os
import socket
import subprocess
import sys
import time
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from cryptography.fernet import Fernet
from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy import text

from inyett import demo
from inyett import simulator
from inyett.extensions import db
from inyett.formatting import paying_account
from inyett.models import Company
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import PaymentWarning
from inyett.models import SupplierInvoice
from inyett.models import User
from inyett.services import payments
from inyett.services.companies import bank_of
from inyett.services.settings import get_settings
from inyett.warning_texts import CATALOGUE
from tests.conftest import Auth
from tests.conftest import make_app
from tests.e2e.conftest import Browserless
from tests.live_server import serve
from tests.payments_helpers import drain

pytestmark = pytest.mark.e2e

PROJECT_ROOT = Path(__file__).resolve().parents[2]

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


# The demo's payment file pays the Swedish company's invoices; the Norwegian company's
# warning comes when its invoices, left open, are paid.
IN_THE_DEMO_FILE = PROMISED - {"NorwegianCompanyWarningList"}


def next_bank_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.fixture
def demo_simulator():
    app = simulator.create_app({"INYETT_SIMULATOR_ANALYSIS_SECONDS": "0"})
    with serve(app) as url:
        yield url


def seeded_demo(tmp_path, simulator_url):
    app = make_app(tmp_path, API_URL=simulator_url, INSTALLATION="test")
    with app.app_context():
        # As `make run` does it: an empty database brought up by the migrations.
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        lines = demo.seed()
        assert demo.seed() == lines  # a second start changes nothing
    return app, lines


def demo_login(client, username: str) -> None:
    password = next(p for u, _r, _n, p in demo.DEMO_USERS if u == username)
    Auth(client).login(username, password)


def test_the_demo_seeds_a_fresh_database_and_shows_every_promised_warning(tmp_path, demo_simulator):
    app, lines = seeded_demo(tmp_path, demo_simulator)
    with app.app_context():
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

        # The demo's own file, made by the payer, waits in the queue for the sender at start.
        (demo_file,) = db.session.scalars(select(PaymentFile))
        assert demo_file.created_by == "betalare"
        assert {p.inyett_state for p in demo_file.payments} == {"queued"}
        drain(rounds=10)
        codes = set(db.session.scalars(select(PaymentWarning.code).join(PaymentWarning.payment)))
        assert codes == IN_THE_DEMO_FILE

        # The invoices left open for the payer give the rest when paid.
        pay_day = next_bank_day(date.today() + timedelta(days=2))
        for company in companies:
            invoice_ids = list(
                db.session.scalars(
                    select(SupplierInvoice.id).where(
                        SupplierInvoice.company_id == company.id,
                        SupplierInvoice.status == "open",
                    )
                )
            )
            assert invoice_ids, f"{company.name} has open invoices for the payer to try"
            payments.create_payment_file(
                company.id,
                invoice_ids,
                pay_day,
                debtor_account_id=company.debtor_accounts[0].id,
                actor="betalare",
                today=date.today(),
            )
        drain(rounds=10)
        codes = set(db.session.scalars(select(PaymentWarning.code)))
    assert codes == PROMISED


def test_the_attester_sees_the_demo_file_answered_and_may_attest_it(tmp_path, demo_simulator):
    app, _ = seeded_demo(tmp_path, demo_simulator)
    with app.app_context():
        drain(rounds=10)  # what the sender does when the demo starts
    client = app.test_client()
    demo_login(client, "attestant")
    html = client.get("/attest").get_data(as_text=True)
    in_file = sum(len(invoices) for *_, invoices in demo.DEMO_LEDGER[demo.DEMO_FILE_COUNTRY])
    assert html.count('class="payment-row') == in_file
    assert "Inga varningar" in html and "Väntar på svar" not in html
    for code in IN_THE_DEMO_FILE:
        assert CATALOGUE[code].name in html, code
    # The start page says it too.
    start = client.get("/").get_data(as_text=True)
    assert f"{in_file} betalningar väntar på attest" in start
    with app.app_context():
        clean = db.session.scalars(
            select(Payment).where(Payment.warning_count == 0).order_by(Payment.id)
        ).first()
        clean_id, version = clean.id, clean.version
    answer = Auth(client).post(
        f"/attest/{clean_id}/attestera", {"version": str(version)}, token_from="/attest"
    )
    assert answer.status_code in (200, 302)
    with app.app_context():
        attested = db.session.get(Payment, clean_id)
        assert (attested.status, attested.attested_by) == ("attested", "attestant")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, seconds: float, what: str):
    """Poll `check` until it returns something true; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{what} inom {seconds:g} s")


@pytest.fixture
def started_demo(tmp_path):
    """`flask demo` as `make run` starts it, in a process of its own, on free ports."""
    port, simulator_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("INYETT_API_URL", "INYETT_TEST_API_URL")
    }
    env.update(
        INYETT_DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        INYETT_SECRET_KEY="demo-test-secret",
        INYETT_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        INYETT_INSTALLATION="test",
        INYETT_SIMULATOR_ANALYSIS_SECONDS="0.5",
    )
    command = [sys.executable, "-m", "flask", "--app", "app", "demo"]
    command += ["--port", str(port), "--simulator-port", str(simulator_port)]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_after_make_run_the_attester_sees_inyetts_answers_without_doing_anything(started_demo):
    browser = Browserless(started_demo)
    wait_for(lambda: browser.get("/logga-in").ok, 60, "Demon startade inte")
    password = next(p for u, _r, _n, p in demo.DEMO_USERS if u == "attestant")
    browser.post(
        "/logga-in", {"username": "attestant", "password": password}, token_from="/logga-in"
    )

    def answered_list() -> str | None:
        html = browser.get("/attest").text
        rows = html.count('class="payment-row')
        return html if rows and html.count('"inyett-state state-answered"') == rows else None

    html = wait_for(answered_list, 60, "Inyetts svar syntes inte i attestlistan")
    assert "Inga varningar" in html
    for code in IN_THE_DEMO_FILE:
        assert CATALOGUE[code].name in html, code
    browser.close()
