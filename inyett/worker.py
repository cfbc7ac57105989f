"""The in-process outbox worker: a thread that sends what requests have committed.

It wakes when the app starts and requests call `notify()` after their commit; cron can run
`flask --app app inyett send-pending` as well, since the claiming in services.outbox keeps the
two from doing the same batch.
"""

import threading

import click
from flask import Flask

from inyett.extensions import db
from inyett.services import outbox
from inyett.services.settings import client_for_batch

IDLE_WAKEUP_SECONDS = 1.0


class OutboxWorker:
    def __init__(self, app: Flask):
        self.app = app
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def notify(self) -> None:
        """Wake the worker now (starting it on first use)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="inyett-outbox", daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                with self.app.app_context():
                    outbox.process_due(
                        client_for_batch, concurrency=self.app.config["SEND_CONCURRENCY"]
                    )
                    db.session.remove()
            except Exception:  # noqa: BLE001 - the worker must outlive a bad moment (e.g. a locked DB)
                self.app.logger.exception("Outbox worker round failed")
            # Polls for answers are due within seconds, so wake up regularly too.
            self._wake.wait(IDLE_WAKEUP_SECONDS)


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
