"""The in-process outbox worker: a thread that sends what requests have committed, and one
beside it that sends the e-mail notices, so that a mail server that hangs never holds up a
batch for Inyett.

It wakes when the app starts and requests call `notify()` after their commit; cron can run
`flask --app app inyett send-pending` as well, since the claiming in services.outbox keeps the
two from doing the same batch.
"""

import logging
import threading

import click
from flask import Flask
from sqlalchemy.exc import InternalError
from sqlalchemy.exc import OperationalError

from inyett.extensions import db
from inyett.services import attest_notices
from inyett.services import outbox
from inyett.services.settings import client_for_batch

IDLE_WAKEUP_SECONDS = 1.0
# Notices are not urgent to the second; each round also looks for files that became ready.
NOTICE_WAKEUP_SECONDS = 5.0
# After a failed round the worker waits 1, 2, 4 … seconds, at most this long, so that a database
# that stays unavailable for a day costs a few thousand attempts, not a log line per second.
MAX_FAILURE_WAIT_SECONDS = 60.0

logger = logging.getLogger(__name__)


class OutboxWorker:
    def __init__(self, app: Flask):
        self.app = app
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self._failed_rounds = 0
        self._recovery_message = ""
        self._notice_trouble = ""

    def notify(self) -> None:
        """Wake the worker now (starting it on first use)."""
        with self._lock:
            for name, target in (("inyett-outbox", self._run), ("inyett-notices", self._notices)):
                thread = self._threads.get(name)
                if thread is None or not thread.is_alive():
                    self._threads[name] = threading.Thread(target=target, name=name, daemon=True)
                    self._threads[name].start()
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads.values():
            thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            self._wake.wait(self._round())

    def _notices(self) -> None:
        while not self._stop.is_set():
            self._stop.wait(self._notice_round())

    def _notice_round(self) -> float:
        """Send the notices that are due; a failure waits a minute and is logged once."""
        try:
            with self.app.app_context():
                try:
                    attest_notices.run_round()
                finally:
                    db.session.remove()
        except Exception as error:  # noqa: BLE001 - the notices must outlive a bad moment
            trouble = f"Aviseringarna kunde inte skickas ({_first_line(error)}); nytt försök snart."
            if trouble != self._notice_trouble:
                logger.warning(trouble)
            self._notice_trouble = trouble
            return MAX_FAILURE_WAIT_SECONDS
        self._notice_trouble = ""
        return NOTICE_WAKEUP_SECONDS

    def _round(self) -> float:
        """Handle what is due; return how long to wait before the next round."""
        try:
            with self.app.app_context():
                try:
                    outbox.process_due(
                        client_for_batch, concurrency=self.app.config["SEND_CONCURRENCY"]
                    )
                finally:
                    db.session.remove()
        # PostgreSQL refuses writes in a read-only transaction with an InternalError.
        except (OperationalError, InternalError) as error:
            return self._failed(
                f"Databasen går inte att skriva till eller nå ({_first_line(error.orig)}). "
                "Sändaren till Inyett väntar och försöker igen, "
                f"med högst {MAX_FAILURE_WAIT_SECONDS:g} sekunder mellan försöken.",
                "Databasen fungerar igen; sändaren till Inyett skickar som vanligt.",
            )
        except Exception:  # noqa: BLE001 - the worker must outlive a bad moment
            return self._failed(
                "Sändaren till Inyett stötte på ett oväntat fel och försöker igen.",
                "Sändaren till Inyett fungerar igen.",
                with_traceback=True,
            )
        if self._failed_rounds:
            logger.info(self._recovery_message)
        self._failed_rounds = 0
        self._recovery_message = ""
        # Polls for answers are due within seconds, so wake up regularly too.
        return IDLE_WAKEUP_SECONDS

    def _failed(self, message: str, recovery_message: str, with_traceback: bool = False) -> float:
        # Logged when the trouble starts or changes, not every round while it lasts.
        if recovery_message != self._recovery_message:
            logger.warning(message, exc_info=with_traceback)
        self._recovery_message = recovery_message
        self._failed_rounds += 1
        return min(MAX_FAILURE_WAIT_SECONDS, 2.0 ** (self._failed_rounds - 1))


def _first_line(error: BaseException | None) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]


def register(app: Flask) -> None:
    app.extensions["inyett_outbox_worker"] = OutboxWorker(app)
    # Batches left queued or awaiting an answer by the last run would otherwise wait for a
    # request to notify the worker. A flask command is no server and gets no sender racing it
    # on the database (`db upgrade` may be changing the tables); `flask demo` wakes it itself.
    if click.get_current_context(silent=True) is None:
        notify(app)


def notify(app: Flask) -> None:
    """Tell the app's worker that there is something to send, if the worker runs in-process."""
    if app.config["OUTBOX_WORKER"]:
        app.extensions["inyett_outbox_worker"].notify()
