"""The attestation list with many payments: server time of the first page and of a filtered
htmx fragment (median of repeated requests through the whole app: routing, session, query,
template), the page weight, and the database time of single list queries.

Run: `.venv/bin/python -m bench.attest_list [payments] [companies]` (default 10 000 over 5).
Targets (issue 6): first page ≤ 50 ms, filtered fragment ≤ 25 ms, page ≤ 150 KB.

It also gives the rendering cost as issue 13 asks: `/attest` requests per second as a ratio to
a minimal route of the same app, measured in turns (a round of each, many times) so that other
work on the machine weighs on both alike (bench.attest_throughput measures the same under load
through waitress).
"""

import statistics
import sys
import tempfile
import time

from bench.common import add_payments
from bench.common import bench_app
from bench.common import companies
from bench.common import machine
from bench.common import median_ms
from inyett.extensions import db
from inyett.services.payment_list import PaymentQuery
from inyett.services.payment_list import find_payments
from tests.conftest import PASSWORD
from tests.conftest import csrf_token

ROUNDS = 40
MINIMAL = "/_bench/minimal"
HTMX = {"HX-Request": "true"}


def timed_get(client, path: str, headers: dict | None = None) -> tuple[float, int]:
    """Median seconds for `path` over ROUNDS requests, and the size of its answer in bytes."""
    samples, size = [], 0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(path, headers=headers or {})
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
        size = len(response.get_data())
    return median_ms(samples), size


def ratio_to_minimal(client, path: str, rounds: int = 15, requests: int = 10) -> tuple:
    """Requests per second of `path` and of the minimal route, each the median over `rounds`
    turns of `requests` requests, and their ratio."""
    rates = {path: [], MINIMAL: []}
    for _ in range(rounds):
        for route in rates:
            started = time.perf_counter()
            for _ in range(requests):
                assert client.get(route).status_code == 200, route
            rates[route].append(requests / (time.perf_counter() - started))
    page, minimal = (statistics.median(rates[route]) for route in (path, MINIMAL))
    return page, minimal, page / minimal


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    company_count = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as folder, bench_app(folder) as app:
        add_payments(companies(company_count), count)
        # The floor: what the same app does for Flask alone.
        app.add_url_rule(MINIMAL, "bench_minimal", lambda: "ok")
        print(
            f"Attestlistan: {count} betalningar i {company_count} bolag, {db.engine.dialect.name}"
        )
        print(f"Maskin: {machine()}")
        client = app.test_client()
        client.post(
            "/logga-in",
            data={"username": "attestant", "password": PASSWORD, "csrf_token": csrf_token(client)},
        )
        first_ms, first_size = timed_get(client, "/attest")
        fragment_ms, fragment_size = timed_get(client, "/attest?bolag=2&filter=varningar", HTMX)
        for label, ms, size in [
            ("första sidan (hel sida)", first_ms, first_size),
            ("filtrerat htmx-fragment", fragment_ms, fragment_size),
        ]:
            print(f"  {label:28} {ms:6.1f} ms  {size / 1024:6.1f} KB")
        page_rate, minimal_rate, ratio = ratio_to_minimal(client, "/attest")
        print(
            f"  /attest {page_rate:.1f} anrop/s, minimal route {minimal_rate:.1f} anrop/s: "
            f"kvot {ratio:.3f}"
        )
        print("Databastid per listfråga (median):")
        for label, query in [
            ("första sidan", PaymentQuery()),
            ("sista sidan", PaymentQuery(page=count // 50)),
            ("ett bolag, med varningar", PaymentQuery(company_id=2, filter="varningar")),
            ("väntar", PaymentQuery(filter="vantar")),
            ("sök leverantör", PaymentQuery(search="Leverantör 42")),
            ("sök belopp", PaymentQuery(search="1 234,50")),
            ("betalfil, senaste först", PaymentQuery(sort="fil")),
        ]:
            samples = []
            for _ in range(ROUNDS // 4):
                started = time.perf_counter()
                page = find_payments(query)
                samples.append(time.perf_counter() - started)
                db.session.rollback()
            print(f"  {label:28} {median_ms(samples):6.1f} ms  ({page.total} träffar)")


if __name__ == "__main__":
    main()
