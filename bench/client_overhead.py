"""What the Inyett client costs on top of plain `requests`: batches per second sent through
InyettClient.create_batch, against a bare requests.Session loop posting the same bodies to the
same simulator (no added latency) in the same run. Target (issue 6): ratio ≥ 0.8.

Run: `.venv/bin/python -m bench.client_overhead [batches] [rounds]` (default 1 000, 3 rounds;
the best round of each counts, the two alternating so that both meet the same machine).
"""

import sys
import time

import requests

from bench.common import machine
from bench.common import simulator_process
from inyett.api_client import InyettClient
from inyett.api_client import new_http_session
from tests.payments_helpers import API_KEY


def bodies(prefix: str, count: int) -> list[dict]:
    return [
        {
            "externalId": f"{prefix}-{n}",
            "debtorAccount": "55555551",
            "transactions": [
                {
                    "externalId": f"{prefix}-P{n}",
                    "amount": "18450.00",
                    "currency": "SEK",
                    "creditorAccountType": "BGNR",
                    "creditorAccount": "50501055",
                    "creditorOrgNr": "2021005448",
                    "ocr": "1234567806",
                    "invoiceNr": f"F-{n}",
                    "paymentdate": "2026-11-26T00:00:00",
                }
            ],
        }
        for n in range(count)
    ]


def bare_rate(url: str, batches: list[dict]) -> float:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {API_KEY}"}
    started = time.perf_counter()
    for body in batches:
        session.post(url, json=body, headers=headers, timeout=10).raise_for_status()
    return len(batches) / (time.perf_counter() - started)


def client_rate(base_url: str, batches: list[dict]) -> float:
    client = InyettClient(base_url, API_KEY, session=new_http_session(1))
    started = time.perf_counter()
    for body in batches:
        assert client.create_batch("SE", body)
    return len(batches) / (time.perf_counter() - started)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    bare, ours = [], []
    with simulator_process() as base_url:
        url = f"{base_url}/3/SE/payment-control/batches"
        for round_number in range(rounds):
            bare.append(bare_rate(url, bodies(f"bare{round_number}", count)))
            ours.append(client_rate(base_url, bodies(f"client{round_number}", count)))
    print(f"Klientens overhead: {count} batchar i följd, simulatorn utan fördröjning")
    print(f"Maskin: {machine()}")
    print(f"  requests.Session direkt  {max(bare):7.1f} batchar/s")
    print(f"  InyettClient             {max(ours):7.1f} batchar/s")
    print(f"  kvot                     {max(ours) / max(bare):7.3f}")


if __name__ == "__main__":
    main()
