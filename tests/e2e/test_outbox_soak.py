"""Soak: thousands of payments through the outbox against a simulator that fails in every way
Inyett could, with an outage, and with sender processes killed and run side by side. What must
hold: every payment settles in exactly one final state, every batch Inyett holds is exactly one
stored batch with the same payments, and no payment reaches Inyett twice. With two installations
sharing a key, and with a database restored from a copy, every payment shown as answered is in
a batch Inyett holds with that payment's own transaction."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import InyettBatch
from inyett.models import Payment
from inyett.services import outbox
from inyett.services import payments
from inyett.services.settings import client_for_batch
from inyett.services.settings import get_settings
from tests.conftest import make_app
from tests.e2e.conftest import SIMULATOR_KEY
from tests.e2e.inyett_holds import assert_every_answer_is_inyetts_analysis_of_its_own_payment
from tests.e2e.inyett_holds import held_at_inyett
from tests.e2e.inyett_holds import needs_separate_databases
from tests.e2e.inyett_holds import put_back
from tests.e2e.inyett_holds import take_copy
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_many_invoices
from tests.payments_helpers import create_file

pytestmark = pytest.mark.e2e

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FILE_SIZE = 250
FAULTS = {
    "error_rate": 0.05,
    "rate_limit_rate": 0.03,
    "retry_after_seconds": 1,
    "drop_rate": 0.03,
    "timeout_rate": 0.02,
    "timeout_seconds": 1.0,
}
# The sender gives up on an answer long before the simulator's slow answers come, yet leaves
# room for a 250-payment batch on a busy machine. What is checked is that nothing is lost or
# doubled, so no batch may end in Fel for having run out of attempts (that limit has its own test).
SENDER_CONFIG = {
    "HTTP_TIMEOUT_SECONDS": 0.5,
    "SEND_FIRST_RETRY_SECONDS": 0.05,
    "SEND_CONCURRENCY": 8,
    "SEND_MAX_ATTEMPTS": 100,
}
SETTLED = {"answered", "removed"}


def set_faults(simulator_url: str, **faults) -> None:
    response = requests.post(f"{simulator_url}/_simulator/faults", json=faults, timeout=5)
    response.raise_for_status()


def create_files(payment_count: int, *, shared_files: int = 0) -> None:
    """Payment files of FILE_SIZE payments; the last `shared_files` with one batch per file."""
    invoice_ids = add_many_invoices(payment_count)
    chunks = [invoice_ids[i : i + FILE_SIZE] for i in range(0, payment_count, FILE_SIZE)]
    for index, chunk in enumerate(chunks):
        get_settings().one_payment_per_batch = index < len(chunks) - shared_files
        create_file(chunk)


def send_until_drained(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while outbox.unfinished_count():
        assert time.monotonic() < deadline, f"{outbox.unfinished_count()} batches left"
        if not outbox.process_due(client_for_batch, concurrency=8):
            time.sleep(0.05)


def assert_settled_once(simulator_url: str) -> list[dict]:
    """Check the soak's promises against what the simulator holds; return what it holds."""
    held = held_at_inyett(simulator_url)
    db.session.expire_all()
    assert outbox.unfinished_count() == 0
    stored = {b.external_id: b for b in db.session.scalars(select(InyettBatch))}
    all_payments = list(db.session.scalars(select(Payment)))
    states = {p.inyett_state for p in all_payments}
    assert states <= SETTLED, states

    for batch in held:
        mine = stored[batch["externalId"]]  # a batch we never made would fail here
        assert batch["deleted"] == (mine.state == "deleted"), batch["externalId"]
        if not batch["deleted"]:
            assert batch["transactions"] == [p.external_id for p in mine.payments]
    tried = {external_id for external_id, b in stored.items() if b.first_attempt_at is not None}
    assert {b["externalId"] for b in held} == tried

    live = [t for batch in held if not batch["deleted"] for t in batch["transactions"]]
    assert len(live) == len(set(live)), "a payment is in two batches at Inyett"
    answered = {p.external_id for p in all_payments if p.inyett_state == "answered"}
    assert set(live) == answered
    return held


def test_faults_and_an_outage_settle_every_payment_exactly_once(tmp_path, simulator_url):
    app = make_app(tmp_path, API_URL=simulator_url, **SENDER_CONFIG)
    set_faults(simulator_url, seed=2026, **FAULTS)
    with app.app_context():
        activate_inyett(api_key=SIMULATOR_KEY)
        create_files(2000, shared_files=2)
        assert outbox.unfinished_count() == 1500 + 2

        # Part of the queue goes through the faults, then Inyett is away for a while.
        outbox.process_due(client_for_batch, concurrency=8)
        set_faults(simulator_url, outage_seconds=2, seed=2027, **FAULTS)
        send_until_drained(seconds=240)

        # Undo under faults: single batches, and one payment of a shared batch.
        undone = list(db.session.scalars(select(Payment).order_by(Payment.id).limit(10)))
        shared = db.session.scalars(select(Payment).order_by(Payment.id.desc())).first()
        for payment in [*undone, shared]:
            payments.undo_payment(payment, actor="attestant")
        send_until_drained(seconds=120)

        held = assert_settled_once(simulator_url)
        assert sum(b["deleted"] for b in held) == 11
        removed = db.session.scalar(
            select(func.count(Payment.id)).where(Payment.inyett_state == "removed")
        )
        assert removed == 10 + FILE_SIZE


@pytest.fixture
def sender_process():
    """Start `flask inyett send-pending` in a process of its own, on the test's database;
    any still running at the end of the test is killed."""
    started = []

    def start(app, simulator_url: str, **config) -> subprocess.Popen:
        started.append(_sender_process(app, simulator_url, {**SENDER_CONFIG, **config}))
        return started[-1]

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def _sender_process(app, simulator_url: str, sender_config: dict) -> subprocess.Popen:
    config = app.config
    env = {
        **os.environ,
        "INYETT_DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "INYETT_SECRET_KEY": config["SECRET_KEY"],
        "INYETT_ENCRYPTION_KEY": config["ENCRYPTION_KEY"],
        "INYETT_API_URL": simulator_url,
        # Long enough for any one step, short enough that a killed sender's claims soon end.
        "INYETT_SEND_CLAIM_SECONDS": "10",
        **{f"INYETT_{key}": str(value) for key, value in sender_config.items()},
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "inyett", "send-pending"]
    return subprocess.Popen(
        [*command, "--wait", "120"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(process: subprocess.Popen) -> str:
    output, _ = process.communicate(timeout=180)
    assert process.returncode == 0, output
    return output


def sent_count() -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count(InyettBatch.id)).where(InyettBatch.sent_at.is_not(None))
    )


def test_two_sender_processes_never_send_the_same_batch_twice(
    tmp_path, simulator_url, sender_process
):
    app = make_app(tmp_path, API_URL=simulator_url)
    # Slow enough that the two processes overlap for seconds.
    set_faults(simulator_url, latency_ms=20)
    with app.app_context():
        activate_inyett(api_key=SIMULATOR_KEY)
        create_files(500)
    # No timeouts here: a create that timed out is rightly sent again, and the simulator would
    # count two calls for it; this test is about two processes never taking the same batch.
    senders = [sender_process(app, simulator_url, HTTP_TIMEOUT_SECONDS=30) for _ in range(2)]
    outputs = [finish(sender) for sender in senders]
    with app.app_context():
        held = assert_settled_once(simulator_url)
    assert len(held) == 500
    assert {b["createCalls"] for b in held} == {1}
    steps = [int(re.match(r"(\d+) steg", output.splitlines()[-1]).group(1)) for output in outputs]
    assert min(steps) > 0, outputs  # both took part


def test_a_sender_killed_mid_run_loses_nothing_when_senders_start_again(
    tmp_path, simulator_url, sender_process
):
    app = make_app(tmp_path, API_URL=simulator_url)
    set_faults(simulator_url, latency_ms=10, seed=7, **FAULTS)
    with app.app_context():
        activate_inyett(api_key=SIMULATOR_KEY)
        create_files(750)
        victim = sender_process(app, simulator_url)
        deadline = time.monotonic() + 60
        while sent_count() < 150:
            assert victim.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=10)
        assert sent_count() < 750

    for sender in [sender_process(app, simulator_url) for _ in range(2)]:
        finish(sender)
    with app.app_context():
        held = assert_settled_once(simulator_url)
    assert len(held) == 750


def send_in_parallel(apps, seconds: float) -> None:
    """Drain each installation's queue with its own senders, all at the same time."""
    failures = []

    def drain_one(app) -> None:
        try:
            with app.app_context():
                send_until_drained(seconds)
        except BaseException as failure:  # noqa: BLE001 - reported by the test below
            failures.append(failure)

    threads = [threading.Thread(target=drain_one, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures


def test_two_installations_sharing_a_key_get_only_their_own_answers(tmp_path, simulator_url):
    # The same key, no Batchreferens, the same row numbers: once, the one that sent second got
    # 409s and read the other's analyses as its own.
    apps = []
    for name in ("forsta", "andra"):
        (tmp_path / name).mkdir()
        apps.append(make_app(tmp_path / name, API_URL=simulator_url, **SENDER_CONFIG))
    needs_separate_databases(apps[0])
    set_faults(simulator_url, seed=2028, **FAULTS)
    for app in apps:
        with app.app_context():
            activate_inyett(batch_reference="", api_key=SIMULATOR_KEY)
            create_files(500, shared_files=1)
    send_in_parallel(apps, seconds=240)
    batches = 0
    for app in apps:
        with app.app_context():
            assert {p.inyett_state for p in db.session.scalars(select(Payment))} == {"answered"}
            assert assert_every_answer_is_inyetts_analysis_of_its_own_payment(simulator_url) == 500
            batches += db.session.scalar(select(func.count(InyettBatch.id)))
    assert len(held_at_inyett(simulator_url)) == batches == 2 * (250 + 1)


def test_a_restored_database_never_shows_another_batchs_answer(tmp_path, simulator_url):
    app = make_app(tmp_path, API_URL=simulator_url, **SENDER_CONFIG)
    copy = tmp_path / "kopia"
    set_faults(simulator_url, seed=2029, **FAULTS)
    with app.app_context():
        activate_inyett(api_key=SIMULATOR_KEY)
        create_files(500, shared_files=1)
        # Taken mid-way: some batches queued, some awaiting an answer, some answered.
        outbox.process_due(client_for_batch, concurrency=8)
        take_copy(copy)
        send_until_drained(seconds=240)
        create_files(250)
        send_until_drained(seconds=240)
        undone = list(db.session.scalars(select(Payment).order_by(Payment.id).limit(10)))
        for payment in undone:
            payments.undo_payment(payment, actor="attestant")
        undone_ids = {p.id for p in undone}
        send_until_drained(seconds=120)

    result = put_back(app, copy)
    assert result.exit_code == 0, result.output
    with app.app_context():
        # Paid again after the restore: the row numbers used after the backup come back.
        create_files(500)
        send_until_drained(seconds=240)
        failed = list(db.session.scalars(select(Payment).where(Payment.inyett_state == "failed")))
        # Those undone after the backup are back in the restored database, and Inyett no
        # longer has their batches: one answered at the backup is Fel when asked again, one
        # still on its way then was sent again under a new id.
        assert failed and {p.id for p in failed} <= undone_ids
        assert {p.inyett_error.startswith("Inyett har inte batchen") for p in failed} == {True}
        for payment in failed:
            payments.resend(payment, actor="betalare")
        send_until_drained(seconds=120)
        assert {p.inyett_state for p in db.session.scalars(select(Payment))} == {"answered"}
        assert assert_every_answer_is_inyetts_analysis_of_its_own_payment(simulator_url) == 1000
