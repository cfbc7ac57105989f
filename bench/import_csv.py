"""The CSV import of Leverantörer och fakturor with many rows: rows per second for a file that
adds as many suppliers as it has rows (each row a new supplier, half of them with an org.nr),
and for a second file of new invoices from those suppliers, which are then all known. The same
rate at 1 000 and 12 000 rows means the import is linear in rows and in suppliers. Service
level (`ledger.import_invoices`: reading, checking, matching, storing), as a request runs it.

Run: `.venv/bin/python -m bench.import_csv [rader …]` (default 1 000 and 12 000).
"""

import sys
import tempfile
import time

from sqlalchemy import select

from bench.common import bench_app
from bench.common import machine
from inyett.extensions import db
from inyett.models import Company
from inyett.services import ledger
from tests.ledger_helpers import many_suppliers_csv


def timed_import(data: bytes) -> float:
    # Start cold, as a request does: nothing of the ledger in the session.
    db.session.expunge_all()
    company = db.session.scalars(select(Company)).first()
    started = time.perf_counter()
    ledger.import_invoices(company, data, actor="betalare")
    return time.perf_counter() - started


def main() -> None:
    counts = [int(arg) for arg in sys.argv[1:]] or [1000, 12000]
    print("CSV-import, varje rad en egen leverantör")
    print(f"Maskin: {machine()}")
    for count in counts:
        with tempfile.TemporaryDirectory() as folder, bench_app(folder):
            dialect = db.engine.dialect.name
            new = timed_import(many_suppliers_csv(count, "A"))
            known = timed_import(many_suppliers_csv(count, "B"))
        print(
            f"  {count:6} rader, {dialect}: nya leverantörer {new:6.2f} s "
            f"({count / new:6.0f} rader/s), kända leverantörer {known:6.2f} s "
            f"({count / known:6.0f} rader/s)"
        )


if __name__ == "__main__":
    main()
