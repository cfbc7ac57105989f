from sqlalchemy import select

from inyett.extensions import db
from inyett.models import AuditEntry
from tests.conftest import PASSWORD
from tests.conftest import Auth
from tests.conftest import csrf_token
from tests.conftest import make_app


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
