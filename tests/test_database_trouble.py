"""A full disk and a read-only database answer in Swedish with 503, and nothing is half saved."""

import os

import pytest
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import Payment
from inyett.models import PaymentFile
from tests.conftest import PASSWORD
from tests.conftest import Auth
from tests.conftest import csrf_token
from tests.conftest import make_app
from tests.payments_helpers import BANK_DAY_SOON
from tests.payments_helpers import add_invoices

PROPOSAL = "/betalningar/forslag"
DISK_FULL = "Serverns disk är full. Inget sparades. Kontakta IT."
READ_ONLY = "Databasen går inte att skriva till just nu"

on_sqlite = pytest.mark.skipif(
    (os.environ.get("INYETT_DATABASE_URL") or "sqlite").startswith("postgresql"),
    reason="simulates the condition with an SQLite file",
)
on_postgresql = pytest.mark.skipif(
    not (os.environ.get("INYETT_DATABASE_URL") or "").startswith("postgresql"),
    reason="needs the PostgreSQL server of INYETT_DATABASE_URL",
)


def propose(auth, invoice_ids, headers=None):
    return auth.post(
        PROPOSAL,
        {
            "company": "1",
            "debtor_account": "1",
            "payment_date": BANK_DAY_SOON,
            "when": "samma-dag",
            "invoice_ids": invoice_ids,
        },
        headers=headers,
        token_from=PROPOSAL,
    )


def fill_the_disk(app) -> None:
    """Let the SQLite file grow no further, as on a disk with no space left: SQLite then
    answers every write that needs a new page with SQLITE_FULL, "database or disk is full"."""
    with app.app_context():
        pages = db.session.scalar(text("PRAGMA page_count"))

        @event.listens_for(db.engine, "connect")
        def no_room_to_grow(connection, _record):
            connection.execute(f"PRAGMA max_page_count = {pages}")

        db.engine.dispose()  # the connections already open have no limit


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(PaymentFile.id))),
            db.session.scalar(select(func.count(Payment.id))),
        )


@on_sqlite
def test_a_full_disk_says_so_and_saves_nothing(app, client):
    with app.app_context():
        invoice_ids = add_invoices()
    auth = Auth(client)
    auth.login("betalare")
    fill_the_disk(app)
    response = propose(auth, invoice_ids)
    assert response.status_code == 503
    assert DISK_FULL in response.get_data(as_text=True)
    assert counts(app) == (0, 0)
    # Reading still works, and the htmx message is a fragment, not a page.
    assert client.get(PROPOSAL).status_code == 200
    fragment = propose(auth, invoice_ids, headers={"HX-Request": "true"})
    assert fragment.status_code == 503
    assert DISK_FULL in fragment.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)


@on_postgresql
def test_postgresql_disk_full_is_the_same_answer(app, client, monkeypatch):
    """A PostgreSQL server cannot be filled here; its DiskFull (SQLSTATE 53100) is raised
    where the server would raise it, from the database call."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    with app.app_context():
        invoice_ids = add_invoices()
    auth = Auth(client)
    auth.login("betalare")

    def disk_full(*args, **kwargs):
        raise OperationalError("COMMIT", {}, psycopg.errors.DiskFull("could not extend file"))

    monkeypatch.setattr(db.session, "commit", disk_full)
    response = propose(auth, invoice_ids)
    assert response.status_code == 503
    assert DISK_FULL in response.get_data(as_text=True)


def read_only_sqlite_app(tmp_path):
    """The test database, reopened read-only as a server sees a file it may not write (the
    tests run as root, whom chmod does not stop), and a session cookie of a user who logged in
    while it was writable."""
    writable = make_app(tmp_path)
    browser = writable.test_client()
    assert log_in(browser).status_code == 302
    with writable.app_context():
        db.engine.dispose()
    path = tmp_path / "test.sqlite3"
    app = app_on_existing_database(DATABASE_URL=f"sqlite:///file:{path}?mode=ro&uri=true")
    return app, browser.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def app_on_existing_database(**overrides):
    """An app on a database as it is, unlike make_app, which empties it first."""
    from cryptography.fernet import Fernet

    from inyett import create_app
    from tests.conftest import disposed_after_test

    return disposed_after_test(
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret",
                "ENCRYPTION_KEY": Fernet.generate_key().decode(),
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "OUTBOX_WORKER": False,
                **overrides,
            }
        )
    )


def log_in(client, username="admin", password=PASSWORD):
    token = csrf_token(client)
    return client.post(
        "/logga-in", data={"username": username, "password": password, "csrf_token": token}
    )


def assert_read_only_answer(response):
    assert response.status_code == 503
    assert READ_ONLY in response.get_data(as_text=True)


@on_sqlite
def test_logging_in_to_a_read_only_database_says_why_instead_of_failing(tmp_path):
    app, _session = read_only_sqlite_app(tmp_path)
    client = app.test_client()
    assert client.get("/logga-in").status_code == 200
    assert_read_only_answer(log_in(client))
    assert_read_only_answer(log_in(client, password="fel-lösenord-123"))


@on_sqlite
def test_a_read_only_sqlite_database_still_shows_pages_and_refuses_changes(tmp_path):
    app, session = read_only_sqlite_app(tmp_path)
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], session)
    page = client.get("/systeminstallningar/bolag")
    assert page.status_code == 200 and "Testbolaget AB" in page.get_data(as_text=True)
    assert_read_only_answer(
        Auth(client).post(
            "/systeminstallningar/bolag",
            {"name": "Nytt AB", "orgnr": "2021005448", "country": "SE"},
            token_from="/systeminstallningar/bolag",
        )
    )


@on_postgresql
def test_a_read_only_postgresql_database_says_why_and_reads_still_work(app, client):
    auth = Auth(client)
    auth.login("admin")
    with app.app_context():
        before = db.session.scalar(select(func.count(AuditEntry.id)))
        db.session.close()

        @event.listens_for(db.engine, "connect")
        def read_only(connection, _record):
            # As a server set read-only by its administrator (or a standby) starts every
            # session; outside a transaction, so that the pool's rollback keeps it.
            connection.autocommit = True
            connection.execute("SET default_transaction_read_only = on")
            connection.autocommit = False

        db.engine.dispose()
    assert client.get("/systeminstallningar/bolag").status_code == 200
    assert_read_only_answer(
        auth.post(
            "/systeminstallningar/bolag",
            {"name": "Nytt AB", "orgnr": "2021005448", "country": "SE"},
            token_from="/systeminstallningar/bolag",
        )
    )
    assert_read_only_answer(Auth(app.test_client()).login("betalare"))
    with app.app_context():
        event.remove(db.engine, "connect", read_only)
        db.session.close()
        db.engine.dispose()
        assert db.session.scalar(select(func.count(AuditEntry.id))) == before
