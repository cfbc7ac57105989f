"""What the benchmarks share: a throw-away app and database (the test suite's, so that the
figures come from the data the tests check), bulk payments, the Inyett simulator in a process
of its own, and a line about the machine. Each benchmark is a plain script that prints its
figures: `.venv/bin/python -m bench.NAME`."""

import contextvars
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import requests
from flask.testing import FlaskClient
from sqlalchemy import insert
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import Company
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.models import utcnow
from tests.conftest import make_app
from tests.payments_helpers import API_KEY
from tests.payments_helpers import add_company

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# More companies beside the test data's Testbolaget AB (valid organisation numbers).
MORE_COMPANIES = [
    ("5560473521", "Bankbolaget"),
    ("2021005448", "Myndigheten"),
    ("2120000142", "Iban"),
]
MORE_COMPANIES += [("5566778899", "Femte")]
PAYMENT_STATES = ("answered", "answered", "answered", "awaiting_answer", "inactive")


def machine() -> str:
    """One line naming the machine the figures come from."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line for line in cpuinfo.read_text().splitlines() if line.startswith("model name")]
        cpu = names[0].split(":", 1)[1].strip() if names else cpu
    return f"{os.cpu_count()} kärnor, {cpu}, Python {platform.python_version()}"


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


class ServedClient(FlaskClient):
    """A test client whose requests run as the server runs each: in an app context of its own,
    with its own `g`, logged-in user and database session. Flask would otherwise run them in
    the benchmark's app context, and keep those, and every object the session loaded, from
    one request to the next."""

    def open(self, *args, **kwargs):
        # A context in which no app context is current yet, as in a server's thread.
        return contextvars.Context().run(super().open, *args, **kwargs)


@contextmanager
def bench_app(folder: str, **config):
    """The test suite's app and data (users of each role, Testbolaget AB) on an empty database
    (INYETT_DATABASE_URL when set, else SQLite in `folder`), inside an app context; its test
    client is a ServedClient."""
    app = make_app(Path(folder), **config)
    app.test_client_class = ServedClient
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def companies(count: int) -> list[Company]:
    """Testbolaget AB and as many more companies as make `count`."""
    for orgnr, name in MORE_COMPANIES[: count - 1]:
        add_company(f"{name} AB", orgnr)
    db.session.commit()
    return list(db.session.scalars(select(Company).order_by(Company.id)))


def add_payments(companies: list[Company], count: int, per_file: int = 200) -> None:
    """`count` created payments spread over the companies and over files of `per_file`, in
    the mix of Inyett states and warnings an attester meets, inserted in bulk."""
    # One supplier per company: the ledger holds a payee once per company (uq_suppliers_payee).
    suppliers = {
        company.id: Supplier(
            company=company,
            name="Leverantör",
            country="SE",
            account_type="BGNR",
            account="50501055",
        )
        for company in companies
    }
    for start in range(0, count, per_file):
        company = companies[start // per_file % len(companies)]
        supplier = suppliers[company.id]
        day = date(2026, 1, 5) + timedelta(days=start // per_file % 300)
        payment_file = PaymentFile(
            company=company,
            debtor_account=company.debtor_accounts[0],
            message_id=f"BENCH-{start}",
            payment_date=day,
            created_by="betalare",
        )
        db.session.add_all([supplier, payment_file])
        db.session.flush()
        numbers = range(start, min(start + per_file, count))
        invoice_ids = db.session.scalars(
            insert(SupplierInvoice).returning(SupplierInvoice.id),
            [
                {
                    "company_id": company.id,
                    "supplier_id": supplier.id,
                    "invoice_number": f"F-{n}",
                    "message": "Bench",
                    "amount": Decimal(n % 9000) + Decimal("0.50"),
                    "currency": "SEK",
                    "due_date": day,
                    "status": "in_payment",
                }
                for n in numbers
            ],
        ).all()
        db.session.execute(
            insert(Payment),
            [
                {
                    "external_id": f"P{n}",
                    "company_id": company.id,
                    "invoice_id": invoice_id,
                    "payment_file_id": payment_file.id,
                    "supplier_name": f"Leverantör {n % 500}",
                    "supplier_country": "SE",
                    "account_type": "BGNR",
                    "account": "50501055",
                    "invoice_number": f"F-{n}",
                    "message": "Bench",
                    "amount": Decimal(n % 9000) + Decimal("0.50"),
                    "currency": "SEK",
                    "payment_date": day,
                    "created_at": utcnow(),
                    "created_by": "betalare",
                    "status": "attested" if n % 4 == 0 else "awaiting_attest",
                    "inyett_state": PAYMENT_STATES[n % len(PAYMENT_STATES)],
                    "warning_count": 1 if n % 7 == 0 else 0,
                }
                for n, invoice_id in zip(numbers, invoice_ids, strict=True)
            ],
        )
    db.session.commit()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def simulator_process(latency_ms: float = 0) -> Iterator[str]:
    """The simulator in a process of its own, so that its work does not share the benchmark's
    interpreter; yields its base URL. It is served by waitress, as `flask inyett demo` serves
    it, because werkzeug's development server closes the connection after every answer and
    the client's connection reuse would not be measured."""
    port = free_port()
    env = {
        **os.environ,
        "INYETT_SIMULATOR_API_KEY": API_KEY,
        "INYETT_SIMULATOR_ANALYSIS_SECONDS": "0",
        "INYETT_SIMULATOR_LATENCY_MS": str(latency_ms),
    }
    command = [sys.executable, "-m", "waitress", "--host", "127.0.0.1", "--threads", "16"]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--call", "inyett.simulator:create_app"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{url}/_simulator/faults")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_up(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            requests.get(url, timeout=1).raise_for_status()
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
