"""Sending 1 000 payments, one batch each, to the simulator with 50 ms added to every answer:
wall time of the outbox for several pool sizes, against the floor of 1 000 × 50 ms ÷ pool
size. Target (issue 6): within 1.3 × the floor for the default pool size (SEND_CONCURRENCY).

Run: `.venv/bin/python -m bench.send_latency [payments] [latency ms] [pool sizes ...]`
(default 1 000, 50, pools 2 4 8 16).
"""

import sys
import tempfile
import time

from sqlalchemy import func
from sqlalchemy import select

from bench.common import bench_app
from bench.common import machine
from bench.common import simulator_process
from inyett.config import DEFAULTS
from inyett.extensions import db
from inyett.models import InyettBatch
from inyett.services import outbox
from inyett.services.settings import client_for_batch
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_many_invoices
from tests.payments_helpers import create_file


def send_seconds(folder: str, simulator_url: str, count: int, pool: int) -> float:
    """Seconds for one outbox run to send `count` queued batches with `pool` parallel calls."""
    config = {"API_URL": simulator_url, "SEND_CONCURRENCY": pool}
    with bench_app(folder, **config):
        activate_inyett(one_payment_per_batch=True)
        create_file(add_many_invoices(count))
        started = time.perf_counter()
        outbox.process_due(client_for_batch, concurrency=pool)
        elapsed = time.perf_counter() - started
        sent = db.session.scalar(
            select(func.count(InyettBatch.id)).where(InyettBatch.sent_at.is_not(None))
        )
        assert sent == count, f"{sent} of {count} sent"
        return elapsed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    latency_ms = float(sys.argv[2]) if len(sys.argv) > 2 else 50.0
    pools = [int(p) for p in sys.argv[3:]] or [2, 4, 8, 16]
    print(f"Sändning av {count} batchar, {latency_ms:g} ms svarstid hos simulatorn")
    print(f"Maskin: {machine()}; standard SEND_CONCURRENCY = {DEFAULTS['SEND_CONCURRENCY']}")
    print("  pool   tid      golv     kvot")
    with simulator_process(latency_ms=latency_ms) as simulator_url:
        for pool in pools:
            with tempfile.TemporaryDirectory() as folder:
                elapsed = send_seconds(folder, simulator_url, count, pool)
            floor = count * latency_ms / 1000 / pool
            print(f"  {pool:4}  {elapsed:6.2f} s  {floor:6.2f} s  {elapsed / floor:5.2f}")


if __name__ == "__main__":
    main()
