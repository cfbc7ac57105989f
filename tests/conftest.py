import gc
import re
import time

import pytest
from cryptography.fernet import Fernet
from itsdangerous import TimestampSigner
from itsdangerous import URLSafeTimedSerializer

from inyett import create_app
from inyett.extensions import db
from inyett.models import Company
from inyett.models import DebtorAccount
from inyett.services import users

PASSWORD = "ett-långt-lösenord"
INYETT_URL = "https://inyett.example"
INYETT_TEST_URL = "https://test.inyett.example"


_created_apps = []


def disposed_after_test(app):
    """Register `app` so that its database connections are closed when the test ends."""
    _created_apps.append(app)
    return app


@pytest.fixture(autouse=True)
def _dispose_engines():
    """Close every app's database connections after each test, outside any app context,
    so that none is left checked out; a connection left open then fails its own test."""
    yield
    while _created_apps:
        app = _created_apps.pop()
        with app.app_context():
            db.engine.dispose()
    gc.collect()


class SwedishToday:
    """The date the app takes for today in Sweden during a test; `set` moves it."""

    def __init__(self, day):
        self.day = day

    def set(self, day) -> None:
        self.day = day


@pytest.fixture(autouse=True)
def swedish_today(monkeypatch):
    """Today is the test data's TODAY, whatever the clock says: a file dated PAYMENT_DATE is
    then still downloadable, and a test that needs a later day says which."""
    from inyett import dates
    from tests.payments_helpers import TODAY

    today = SwedishToday(TODAY)
    monkeypatch.setattr(dates, "today_in_sweden", lambda: today.day)
    return today


def make_app(tmp_path, **overrides):
    config = {
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "SECRET_KEY": "test-secret",
        "ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "API_URL": INYETT_URL,
        "TEST_API_URL": INYETT_TEST_URL,
        "HTTP_TIMEOUT_SECONDS": 2,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "OUTBOX_WORKER": False,
    }
    config.update(overrides)
    # A worker would wake at start-up while the database below is being emptied; it is switched
    # on afterwards, and then woken by the first request that has something to send.
    app = disposed_after_test(create_app({**config, "OUTBOX_WORKER": False}))
    app.config["OUTBOX_WORKER"] = config["OUTBOX_WORKER"]
    with app.app_context():
        # A shared server database (INYETT_DATABASE_URL) starts every test empty too.
        db.drop_all()
        db.create_all()
        for username, role in (
            ("admin", "admin"),
            ("betalare", "payer"),
            ("attestant", "attester"),
        ):
            users.create_user(username, role, PASSWORD, username.capitalize())
        company = Company(name="Testbolaget AB", orgnr="5560360793", country="SE")
        company.debtor_accounts.append(
            DebtorAccount(
                account_type="BBAN",
                account="6000123456789",
                currency="SEK",
                bank="handelsbanken",
                bic="HANDSESS",
                agreement_id="TEST-HB-1",
                bankgiro="55555551",
            )
        )
        db.session.add(company)
        db.session.commit()
    return app


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


@pytest.fixture
def test_installation_app(tmp_path):
    return make_app(tmp_path, INSTALLATION="test")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_PATTERN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"'
)


def csrf_token(client, path="/logga-in") -> str:
    """The CSRF token a browser would have, read from a page as the browser gets it."""
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF_PATTERN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def signer_from_the_past(seconds: int) -> type[TimestampSigner]:
    """A signer whose signatures say they were made `seconds` ago: a page or a session left
    open that long, without a test that waits."""

    class SignedEarlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds

    return SignedEarlier


def stale_csrf_token(app, client, seconds: int) -> str:
    """The CSRF token the client's current page would carry had it been loaded `seconds` ago."""
    with client.session_transaction() as session:
        raw_token = session["csrf_token"]
    serializer = URLSafeTimedSerializer(
        app.secret_key, salt="wtf-csrf-token", signer=signer_from_the_past(seconds)
    )
    return serializer.dumps(raw_token)


def age_session(app, client, seconds: int) -> None:
    """Make the client's session cookie look as if its last request was `seconds` ago."""
    interface = app.session_interface
    serializer = URLSafeTimedSerializer(
        app.secret_key,
        salt=interface.salt,
        serializer=interface.serializer,
        signer=signer_from_the_past(seconds),
        signer_kwargs={
            "key_derivation": interface.key_derivation,
            "digest_method": interface.digest_method,
        },
    )
    with client.session_transaction() as session:
        data = dict(session)
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], serializer.dumps(data))


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username="admin", password=PASSWORD):
        token = csrf_token(self.client)
        return self.client.post(
            "/logga-in", data={"username": username, "password": password, "csrf_token": token}
        )

    def post(self, path, data=None, headers=None, token_from=None):
        """POST as the logged-in user's browser would: with the page's CSRF token."""
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_token(self.client, token_from or "/"))
        return self.client.post(path, data=data, headers=headers or {})


@pytest.fixture
def auth(client):
    return Auth(client)
