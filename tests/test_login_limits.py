import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from sqlalchemy import delete
from sqlalchemy import select

from inyett import models
from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import LoginFailure
from inyett.models import utcnow
from tests.conftest import PASSWORD
from tests.conftest import Auth
from tests.conftest import csrf_token
from tests.conftest import make_app
from tests.live_server import serve


def audit_trail(app):
    with app.app_context():
        return [
            (e.kind, e.actor, e.summary)
            for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def test_login_attempts_during_a_lockout_reach_the_audit_log_without_the_password(app, client):
    auth = Auth(client)
    for _ in range(5):
        auth.login("admin", "fel-lösenord")
    assert auth.login("admin", PASSWORD).status_code == 429
    assert auth.login("admin", "gissning-under-spärr").status_code == 429
    locked = [entry for entry in audit_trail(app) if entry[0] == "login_locked"]
    assert locked == [("login_locked", "admin", "Inloggning under spärr från 127.0.0.1")] * 2
    assert not any(
        PASSWORD in summary or "gissning" in summary for _kind, _actor, summary in audit_trail(app)
    )


def test_the_audit_log_can_be_filtered_on_attempts_during_a_lockout(tmp_path):
    app = make_app(tmp_path, LOGIN_MAX_FAILURES_PER_USER=1)
    Auth(app.test_client()).login("betalare", "fel-lösenord")
    Auth(app.test_client()).login("betalare", PASSWORD)
    admin = Auth(app.test_client())
    assert admin.login("admin").status_code == 302
    page = admin.client.get("/systeminstallningar/logg", query_string={"typ": "login_locked"})
    html = page.get_data(as_text=True)
    assert "Inloggning under spärr från 127.0.0.1" in html
    assert "Misslyckad inloggning från" not in html


def login_from(client, address: str, username: str, password: str):
    """A login through a reverse proxy that says the browser is at `address`."""
    return client.post(
        "/logga-in",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
        headers={"X-Forwarded-For": address},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )


def test_behind_a_trusted_proxy_logins_are_limited_and_logged_per_browser_address(tmp_path):
    app = make_app(tmp_path, TRUSTED_PROXIES=1, LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    client = app.test_client()
    for name in ("a", "b", "c"):
        assert login_from(client, "203.0.113.5", name, "fel").status_code == 422
    assert login_from(client, "203.0.113.5", "betalare", PASSWORD).status_code == 429
    colleague = app.test_client()
    assert login_from(colleague, "203.0.113.6", "betalare", PASSWORD).status_code == 302
    summaries = [summary for _kind, _actor, summary in audit_trail(app)]
    assert "Misslyckad inloggning från 203.0.113.5" in summaries
    assert "Inloggning under spärr från 203.0.113.5" in summaries
    assert "Inloggad från 203.0.113.6" in summaries
    assert not any("127.0.0.1" in summary for summary in summaries)


def test_without_trusted_proxies_a_forwarded_address_is_ignored(tmp_path):
    app = make_app(tmp_path, LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    client = app.test_client()
    # A client that names a new address each time must not escape the limit.
    for number, name in enumerate(("a", "b", "c")):
        login_from(client, f"203.0.113.{number}", name, "fel")
    assert login_from(client, "203.0.113.9", "betalare", PASSWORD).status_code == 429
    summaries = [summary for _kind, _actor, summary in audit_trail(app)]
    assert summaries.count("Misslyckad inloggning från 127.0.0.1") == 3
    assert not any("203.0.113" in summary for summary in summaries)


@pytest.fixture
def password_checks(monkeypatch):
    """Every password hash compared, from whichever thread compares it."""
    compared = []
    real_check = models.check_password_hash

    def counted(password_hash, password):
        compared.append(password_hash)
        return real_check(password_hash, password)

    monkeypatch.setattr(models, "check_password_hash", counted)
    return compared


def guess_at_once(url: str, username: str, passwords: list[str]) -> list[int]:
    """Each password tried by a browser of its own, all sent at the same instant."""
    ready = threading.Barrier(len(passwords))

    def guess(password: str) -> int:
        with requests.Session() as browser:
            page = browser.get(f"{url}/logga-in", timeout=30).text
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            ready.wait(timeout=60)
            form = {"username": username, "password": password, "csrf_token": token}
            return browser.post(
                f"{url}/logga-in", data=form, allow_redirects=False, timeout=60
            ).status_code

    with ThreadPoolExecutor(len(passwords)) as pool:
        return list(pool.map(guess, passwords))


def test_parallel_guesses_get_no_more_password_checks_than_the_limit(app, password_checks):
    with serve(app) as url:
        for round_number in range(3):
            with app.app_context():
                db.session.execute(delete(LoginFailure))
                db.session.commit()
            password_checks.clear()
            statuses = guess_at_once(url, "betalare", [f"gissning-{n}" for n in range(30)])
            assert len(password_checks) <= 5, f"round {round_number}"
            assert statuses.count(422) == len(password_checks)
            assert statuses.count(429) == 30 - len(password_checks)
            # Guesses refused in the crowd do not count: one by one, the rest of the 5 are
            # checked, and then even the right password is refused without a check.
            for n in range(10):
                guess_at_once(url, "betalare", [f"en-till-{n}"])
            assert len(password_checks) == 5
            assert guess_at_once(url, "betalare", [PASSWORD]) == [429]
            assert len(password_checks) == 5


def test_an_unknown_username_costs_a_password_check_like_a_known_one(app, password_checks):
    assert Auth(app.test_client()).login("betalare", "fel-lösenord").status_code == 422
    assert len(password_checks) == 1
    assert Auth(app.test_client()).login("finns-inte", "fel-lösenord").status_code == 422
    assert len(password_checks) == 2
    # A hash made with the configured method, so that it costs what a real user's costs.
    assert password_checks[1].startswith(app.config["PASSWORD_HASH_METHOD"])


def test_old_login_failures_are_purged_and_one_address_cannot_fill_the_table(app):
    with app.app_context():
        long_ago = utcnow() - timedelta(seconds=2 * app.config["LOGIN_LOCKOUT_SECONDS"])
        db.session.add_all(
            LoginFailure(at=long_ago, username=f"gammal-{n}", address="198.51.100.1")
            for n in range(50)
        )
        db.session.commit()
    client = app.test_client()
    for n in range(40):
        Auth(client).login(f"namn-{n}", "fel")
    with app.app_context():
        kept = db.session.scalars(select(LoginFailure.username).order_by(LoginFailure.id)).all()
    # The old ones are gone; of the 40 guesses, those past the address's limit left nothing.
    assert kept == [f"namn-{n}" for n in range(app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"])]
