"""Creating a payment file of 1 000 payments with the Inyett connection on, one batch per
payment: storing the payments and their batches, building the pain.001 and validating it
against the ISO schema, as "Skapa betalning till fil" does. Target (issue 6): ≤ 2 s.

Run: `.venv/bin/python -m bench.payment_file [payments] [rounds]` (default 1 000, 3 rounds).
"""

import statistics
import sys
import tempfile
import time

from bench.common import bench_app
from bench.common import machine
from inyett.extensions import db
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_many_invoices
from tests.payments_helpers import create_file


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    seconds = []
    with tempfile.TemporaryDirectory() as folder, bench_app(folder):
        activate_inyett(one_payment_per_batch=True)
        dialect = db.engine.dialect.name
        for _ in range(rounds):
            invoice_ids = add_many_invoices(count)
            # Start cold, as a request does: nothing of the ledger in the session.
            db.session.expunge_all()
            started = time.perf_counter()
            payment_file = create_file(invoice_ids)
            seconds.append(time.perf_counter() - started)
            assert len(payment_file.payments) == count and payment_file.xml
    print(f"Betalfil med {count} betalningar (en batch per betalning), {dialect}")
    print(f"Maskin: {machine()}")
    print(f"  median {statistics.median(seconds):.2f} s, bästa {min(seconds):.2f} s, {rounds} varv")


if __name__ == "__main__":
    main()
