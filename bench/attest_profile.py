"""Where the time of an attest list page goes, to find what to make cheaper: the statements a
page sends to the database, the median time of the list query and of the template, and the
functions that cost most over 30 profiled requests (cProfile) through the whole app, with 10 000
payments over 5 companies.

Run: `.venv/bin/python -m bench.attest_profile [requests] [entries]` (default 30 and 25).
"""

import cProfile
import pstats
import sys
import tempfile
import time

from flask import before_render_template
from flask import template_rendered
from sqlalchemy import event

from bench.common import add_payments
from bench.common import bench_app
from bench.common import companies
from bench.common import median_ms
from inyett.extensions import db
from inyett.services.payment_list import PaymentQuery
from inyett.services.payment_list import find_payments
from tests.conftest import PASSWORD
from tests.conftest import csrf_token


def statements_of(client, path: str) -> list[str]:
    statements = []

    def record(_connection, _cursor, statement, *_):
        statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200, path
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return statements


def query_and_template_ms(app, client, rounds: int = 40) -> tuple[float, float]:
    """Median ms of the list's query alone, and of rendering the page within its requests."""
    queries, renders, started = [], [], []
    with app.app_context():
        for _ in range(rounds):
            began = time.perf_counter()
            find_payments(PaymentQuery())
            queries.append(time.perf_counter() - began)
            db.session.rollback()
    # Flask's signals around every render_template: the page's template, partials within it.
    before = before_render_template.connect_via(app)(
        lambda *_, **__: started.append(time.perf_counter())
    )
    after = template_rendered.connect_via(app)(
        lambda *_, **__: renders.append(time.perf_counter() - started.pop())
    )
    for _ in range(rounds):
        client.get("/attest")
    before_render_template.disconnect(before, app)
    template_rendered.disconnect(after, app)
    return median_ms(queries), median_ms(renders)


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    entries = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    with tempfile.TemporaryDirectory() as folder, bench_app(folder) as app:
        add_payments(companies(5), 10_000)
        client = app.test_client()
        form = {"username": "attestant", "password": PASSWORD, "csrf_token": csrf_token(client)}
        client.post("/logga-in", data=form)
        client.get("/attest")  # templates compiled, caches warm
        statements = statements_of(client, "/attest")
        print(f"Attestlistan, första sidan: {len(statements)} satser mot databasen")
        for statement in statements:
            print(f"  {statement[:110]}")
        query_ms, template_ms = query_and_template_ms(app, client)
        print(f"Listfrågan {query_ms:.1f} ms, listans mall {template_ms:.1f} ms (median)")
        profile = cProfile.Profile()
        profile.runcall(lambda: [client.get("/attest") for _ in range(requests)])
        stats = pstats.Stats(profile)
        print(f"{requests} anrop av /attest under cProfile, dyrast först:")
        stats.sort_stats("tottime").print_stats(entries)


if __name__ == "__main__":
    main()
