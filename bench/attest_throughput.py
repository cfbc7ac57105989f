"""Requests per second of the attestation page, as a ratio to a minimal Flask route served by
the same server (waitress, as in production) in the same run, with 10 000 payments over 5
companies. The load comes from another process (bench/load.py).

Run: `.venv/bin/python -m bench.attest_throughput [seconds per route]` (default 10).
"""

import logging
import subprocess
import sys
import tempfile
import threading

from waitress import create_server

from bench.common import PROJECT_ROOT
from bench.common import add_payments
from bench.common import bench_app
from bench.common import companies
from bench.common import machine
from inyett.extensions import db
from tests.conftest import PASSWORD

CONNECTIONS = 4


def requests_per_second(base_url: str, path: str, seconds: float, login: bool) -> float:
    credentials = ["attestant", PASSWORD] if login else []
    command = [sys.executable, "-m", "bench.load", base_url, path, str(seconds), str(CONNECTIONS)]
    output = subprocess.run(
        [*command, *credentials], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout
    return float(output.strip())


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    with tempfile.TemporaryDirectory() as folder, bench_app(folder) as app:
        add_payments(companies(5), 10_000)
        dialect = db.engine.dialect.name
        # Waitress warns whenever requests queue, which is the point of a load test.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        # The floor: what the same server does for Flask alone.
        app.add_url_rule("/_bench/minimal", "bench_minimal", lambda: "ok")
        server = create_server(app, host="127.0.0.1", port=0, threads=CONNECTIONS)
        threading.Thread(target=server.run, daemon=True).start()
        base_url = f"http://127.0.0.1:{server.effective_port}"
        try:
            minimal = requests_per_second(base_url, "/_bench/minimal", seconds, login=False)
            attest = requests_per_second(base_url, "/attest", seconds, login=True)
        finally:
            server.close()
    print(f"Attestsidan under last: 10000 betalningar i 5 bolag, {dialect}, waitress")
    print(f"Maskin: {machine()}; {CONNECTIONS} samtidiga anslutningar, {seconds:g} s per adress")
    print(f"  minimal Flask-route   {minimal:7.1f} anrop/s")
    print(f"  /attest (hel sida)    {attest:7.1f} anrop/s")
    print(f"  kvot                  {attest / minimal:7.3f}")


if __name__ == "__main__":
    main()
