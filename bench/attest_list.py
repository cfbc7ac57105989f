"""How long the attestation list takes with many payments: prints milliseconds per query.

Run: `.venv/bin/python -m bench.attest_list [number of payments]` (default 50 000), against a
throw-away SQLite file, or the database of INYETT_DATABASE_URL when it is set (emptied first).
"""

import os
import sys
import tempfile
import time
from datetime import date
from datetime import timedelta
from decimal import Decimal

from cryptography.fernet import Fernet
from sqlalchemy import insert

from inyett import create_app
from inyett.extensions import db
from inyett.models import Company
from inyett.models import DebtorAccount
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.models import utcnow
from inyett.services.payment_list import PaymentQuery
from inyett.services.payment_list import find_payments

PER_FILE = 200
STATES = ("answered", "answered", "answered", "awaiting_answer", "inactive")


def fill(count: int) -> None:
    company = Company(name="Benchbolaget AB", orgnr="5560360793", country="SE")
    company.debtor_accounts.append(
        DebtorAccount(account_type="BGNR", account="55555551", currency="SEK")
    )
    supplier = Supplier(
        company=company, name="Leverantör", country="SE", account_type="BGNR", account="50501055"
    )
    db.session.add_all([company, supplier])
    db.session.flush()
    for start in range(0, count, PER_FILE):
        day = date(2026, 1, 5) + timedelta(days=start // PER_FILE % 300)
        payment_file = PaymentFile(
            company=company,
            debtor_account=company.debtor_accounts[0],
            message_id=f"BENCH-{start}",
            payment_date=day,
            created_by="betalare",
        )
        db.session.add(payment_file)
        db.session.flush()
        numbers = range(start, min(start + PER_FILE, count))
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
                    "inyett_state": STATES[n % len(STATES)],
                    "warning_count": 1 if n % 7 == 0 else 0,
                }
                for n, invoice_id in zip(numbers, invoice_ids, strict=True)
            ],
        )
    db.session.commit()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("INYETT_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench",
                "ENCRYPTION_KEY": Fernet.generate_key().decode(),
                "OUTBOX_WORKER": False,
            }
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            fill(count)
            print(f"{count} betalningar, {db.engine.dialect.name}")
            for label, query in [
                ("första sidan", PaymentQuery()),
                ("sista sidan", PaymentQuery(page=count // 75)),
                ("ett bolag, med varningar", PaymentQuery(company_id=1, filter="varningar")),
                ("väntar", PaymentQuery(filter="vantar")),
                ("sök leverantör", PaymentQuery(search="Leverantör 42")),
                ("sök belopp", PaymentQuery(search="1 234,50")),
                ("betalfil, senaste först", PaymentQuery(sort="fil")),
            ]:
                started = time.perf_counter()
                page = find_payments(query)
                elapsed = (time.perf_counter() - started) * 1000
                print(f"  {label:28} {elapsed:7.1f} ms  ({page.total} träffar)")
            db.engine.dispose()


if __name__ == "__main__":
    main()
