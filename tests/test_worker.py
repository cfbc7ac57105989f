"""The in-process sender: it outlives a database that refuses writes without filling the log."""

import logging

from inyett.worker import IDLE_WAKEUP_SECONDS
from inyett.worker import MAX_FAILURE_WAIT_SECONDS
from inyett.worker import OutboxWorker
from tests.database_faults import read_only_database


class CountedRounds:
    """Stands in for the worker's wake-up event: records how long each round waits, and stops
    the worker after `rounds` of them, so the loop runs in the test without any sleeping."""

    def __init__(self, worker: OutboxWorker, rounds: int):
        self.worker = worker
        self.rounds = rounds
        self.waits: list[float] = []

    def clear(self) -> None:
        pass

    def set(self) -> None:
        pass

    def wait(self, timeout: float) -> bool:
        self.waits.append(timeout)
        if len(self.waits) >= self.rounds:
            self.worker._stop.set()
        return False


def run_rounds(worker: OutboxWorker, rounds: int) -> list[float]:
    worker._stop.clear()
    worker._wake = CountedRounds(worker, rounds)
    worker._run()
    return worker._wake.waits


def test_a_read_only_database_is_logged_once_and_the_worker_backs_off_until_it_works(app, caplog):
    worker = OutboxWorker(app)
    caplog.set_level(logging.INFO)

    with read_only_database(app):
        waits = run_rounds(worker, 12)
    assert waits[:4] == [1.0, 2.0, 4.0, 8.0]
    assert waits[-1] == MAX_FAILURE_WAIT_SECONDS
    assert waits == sorted(waits)
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1, messages
    assert messages[0].startswith("Databasen går inte att skriva till eller nå")
    assert "Sändaren till Inyett väntar" in messages[0]
    assert caplog.records[0].levelno == logging.WARNING
    assert not caplog.records[0].exc_info  # a line a person reads, not a traceback

    caplog.clear()
    assert run_rounds(worker, 3) == [IDLE_WAKEUP_SECONDS] * 3
    assert [record.getMessage() for record in caplog.records] == [
        "Databasen fungerar igen; sändaren till Inyett skickar som vanligt."
    ]


def test_an_unexpected_error_is_logged_with_its_traceback_once_while_it_lasts(
    app, caplog, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("trasig")

    monkeypatch.setattr("inyett.services.outbox.process_due", broken)
    worker = OutboxWorker(app)
    assert run_rounds(worker, 3) == [1.0, 2.0, 4.0]
    assert len(caplog.records) == 1
    assert caplog.records[0].getMessage() == (
        "Sändaren till Inyett stötte på ett oväntat fel och försöker igen."
    )
    assert caplog.records[0].exc_info[0] is RuntimeError


def test_the_notices_have_a_thread_of_their_own_so_a_hanging_mail_server_never_holds_up_inyett(
    app, caplog, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("e-postservern trasig")

    monkeypatch.setattr("inyett.services.attest_notices.run_round", broken)
    worker = OutboxWorker(app)
    assert [worker._notice_round() for _ in range(3)] == [MAX_FAILURE_WAIT_SECONDS] * 3
    assert [record.getMessage() for record in caplog.records] == [
        "Aviseringarna kunde inte skickas (e-postservern trasig); nytt försök snart."
    ]
    # The sender's own rounds go on as usual meanwhile.
    assert run_rounds(worker, 2) == [IDLE_WAKEUP_SECONDS] * 2
    app.config["OUTBOX_WORKER"] = True
    worker.notify()
    try:
        assert {thread.name for thread in worker._threads.values()} == {
            "inyett-outbox",
            "inyett-notices",
        }
    finally:
        worker.stop()
