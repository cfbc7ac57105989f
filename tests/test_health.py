"""GET /halsa: what a monitor sees, and when it says a person is needed (503)."""

import json
import logging
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
import responses
from cryptography.fernet import Fernet
from flask_migrate import stamp
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update

from inyett import create_app
from inyett.extensions import db
from inyett.models import InyettBatch
from inyett.models import utcnow
from inyett.services import outbox
from inyett.services.settings import client_for_batch
from tests.conftest import INYETT_URL
from tests.conftest import disposed_after_test
from tests.conftest import make_app
from tests.database_faults import read_only_database
from tests.payments_helpers import API_KEY
from tests.payments_helpers import SUPPLIERS
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file
from tests.payments_helpers import drain
from tests.payments_helpers import its_own_answer

BATCHES = f"{INYETT_URL}/3/SE/payment-control/batches"


def stamped(app):
    """`app` with its database marked as migrated to the head, as `db upgrade` leaves it (the
    tests' databases are made with create_all)."""
    with app.app_context():
        stamp(revision="head", purge=True)
    return app


@pytest.fixture
def monitored(app):
    return stamped(app)


def health(app):
    response = app.test_client().get("/halsa")
    return response.status_code, response.get_json()


def queue_a_file(app):
    with app.app_context():
        activate_inyett()
        create_file(add_invoices())


def answer_every_batch(inyett=responses):
    """Inyett takes every batch and analyses it without warnings, listing its own payments
    (an answer without them is an error since batch ids can be another installation's)."""
    inyett.post(re.compile(f"{BATCHES}$"), json={"code": 200})

    def analysis(request):
        external_id = unquote(request.path_url.rsplit("/", 2)[-2])
        batch = db.session.scalar(select(InyettBatch).where(InyettBatch.external_id == external_id))
        return 200, {}, json.dumps(its_own_answer(batch.id))

    inyett.add_callback(responses.GET, re.compile(f"{BATCHES}/.+/warnings$"), analysis)


def test_a_healthy_installation_answers_200_to_a_monitor_without_login(monitored):
    response = monitored.test_client().get("/halsa")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    report = response.get_json()
    assert report["status"] == "ok"
    assert report["fel"] == []
    assert report["databas"] == {"nar": True, "skrivbar": True}
    assert report["migreringar"]["status"] == "aktuell"
    assert report["migreringar"]["databasen"] == [report["migreringar"]["koden"]]
    assert report["ko"] == {"batchar_kvar": 0, "aldsta_oskickade_sekunder": None, "misslyckade": 0}
    assert report["inyett"] == {"senaste_lyckade_anrop": None, "sekunder_sedan": None}
    assert report["sandare"]["i_appen"] is False


@responses.activate
def test_the_report_shows_the_queue_and_inyetts_last_answer_but_no_payment_data(monitored):
    answer_every_batch()
    queue_a_file(monitored)

    status, report = health(monitored)
    assert status == 200
    assert report["ko"]["batchar_kvar"] == len(SUPPLIERS)
    assert report["ko"]["aldsta_oskickade_sekunder"] >= 0
    assert report["inyett"]["senaste_lyckade_anrop"] is None

    with monitored.app_context():
        drain()
    status, report = health(monitored)
    assert status == 200
    assert report["ko"]["batchar_kvar"] == 0
    assert report["inyett"]["senaste_lyckade_anrop"] is not None
    assert report["sandare"]["senaste_livstecken"] is not None
    body = monitored.test_client().get("/halsa").get_data(as_text=True)
    for name, orgnr, _type, account, invoice_number, _ocr, amount in SUPPLIERS:
        for secret in (name, orgnr, account, invoice_number, amount, API_KEY, "admin"):
            assert secret not in body


def test_a_read_only_database_answers_503_until_it_takes_writes_again(monitored):
    with read_only_database(monitored):
        status, report = health(monitored)
        assert status == 503
        assert report["status"] == "fel"
        assert report["databas"] == {"nar": True, "skrivbar": False}
        assert report["fel"] == ["Databasen tar inte emot skrivningar."]

    assert health(monitored)[0] == 200


def test_an_unreachable_database_answers_503_not_500(tmp_path, monkeypatch):
    # In a directory that does not exist, so SQLite cannot open it; on every test run.
    monkeypatch.setenv("INYETT_DATABASE_URL", f"sqlite:///{tmp_path / 'finns-inte' / 'db.sqlite3'}")
    app = disposed_after_test(
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret",
                "ENCRYPTION_KEY": Fernet.generate_key().decode(),
                "OUTBOX_WORKER": False,
            }
        )
    )
    status, report = health(app)
    assert status == 503
    assert report == {
        "status": "fel",
        "fel": ["Databasen går inte att nå."],
        "databas": {"nar": False},
    }


def test_a_stuck_queue_answers_503_until_the_batches_are_sent(monitored):
    queue_a_file(monitored)
    limit = monitored.config["HEALTH_MAX_QUEUE_AGE_SECONDS"]
    with monitored.app_context():
        db.session.execute(
            update(InyettBatch).values(created_at=utcnow() - timedelta(seconds=limit + 120))
        )
        db.session.commit()

    status, report = health(monitored)
    assert status == 503
    assert report["ko"]["aldsta_oskickade_sekunder"] > limit
    assert report["fel"] == [
        f"Den äldsta oskickade batchen har väntat i {round((limit + 120) / 60)} minuter."
    ]

    with responses.RequestsMock() as inyett:
        answer_every_batch(inyett)
        with monitored.app_context():
            drain()
    assert health(monitored)[0] == 200


def test_failed_batches_answer_503_until_someone_acts(monitored):
    queue_a_file(monitored)
    with monitored.app_context():
        db.session.execute(update(InyettBatch).values(state="failed"))
        db.session.commit()

    status, report = health(monitored)
    assert status == 503
    assert report["ko"]["misslyckade"] == len(SUPPLIERS)
    assert report["fel"] == [
        f"{len(SUPPLIERS)} batchar har Fel och väntar på Skicka igen eller Ångra."
    ]

    monitored.config["HEALTH_MAX_FAILED_BATCHES"] = len(SUPPLIERS)
    assert health(monitored)[0] == 200


def test_a_database_behind_the_code_answers_503(monitored):
    with monitored.app_context():
        stamp(revision="5b7e2f0a9c41", purge=True)
    status, report = health(monitored)
    assert status == 503
    assert report["migreringar"]["status"] == "inaktuell"
    assert report["migreringar"]["databasen"] == ["5b7e2f0a9c41"]
    assert report["fel"] == [
        "Databasen är inte uppgraderad till den här versionen. Kör db upgrade."
    ]


def test_a_database_without_migration_version_is_unknown_and_answers_503(app):
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    status, report = health(app)
    assert status == 503
    assert report["migreringar"]["status"] == "okänd"


def test_with_the_worker_on_a_missing_heartbeat_answers_503_until_the_sender_runs(tmp_path):
    app = stamped(make_app(tmp_path, OUTBOX_WORKER=True))
    app.extensions["inyett_outbox_worker"].notify = lambda: None  # the test is the sender

    status, report = health(app)
    assert status == 503
    assert report["sandare"] == {
        "i_appen": True,
        "senaste_livstecken": None,
        "sekunder_sedan": None,
    }
    assert report["fel"] == ["Sändaren till Inyett har inte gett livstecken."]

    with app.app_context():
        outbox.process_due(client_for_batch)
    status, report = health(app)
    assert status == 200
    assert report["sandare"]["sekunder_sedan"] <= app.config["HEALTH_MAX_HEARTBEAT_AGE_SECONDS"]


def test_a_logged_in_users_session_is_not_kept_alive_by_the_health_check(monitored, auth):
    auth.login()
    with auth.client.session_transaction() as session:
        session["last_active"] = 1
    assert auth.client.get("/halsa").status_code == 200
    with auth.client.session_transaction() as session:
        assert session["last_active"] == 1


def test_a_monitor_polling_leaves_no_lines_in_the_log(monitored, caplog):
    caplog.set_level(logging.DEBUG)
    assert health(monitored)[0] == 200
    assert health(monitored)[0] == 200
    assert [
        record.getMessage() for record in caplog.records if record.levelno >= logging.INFO
    ] == []
