import logging
import re
import time
from pathlib import Path

import pytest
import responses
from cryptography.fernet import Fernet
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy import select

from inyett import secret_box
from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import InyettSettings
from inyett.models import Payment
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.services.settings import get_settings
from tests.conftest import INYETT_URL
from tests.conftest import PASSWORD
from tests.conftest import Auth
from tests.conftest import csrf_token
from tests.conftest import make_app
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file

ROLES = ["admin", "payer", "attester"]
USERNAMES = {"admin": "admin", "payer": "betalare", "attester": "attestant"}
PUBLIC = {"static", "auth.login"}
KEY = "mycket-hemlig-nyckel-4242"


def concrete_url(rule) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", "1", rule.rule)


def guarded_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in PUBLIC]


@pytest.fixture
def seeded(app):
    with app.app_context():
        activate_inyett()
        create_file(add_invoices())
    return app


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_route_admits_exactly_the_roles_it_names(seeded, role):
    app = seeded
    for rule in guarded_rules(app):
        client = app.test_client()
        if role:
            Auth(client).login(USERNAMES[role])
        view = app.view_functions[rule.endpoint]
        url = concrete_url(rule)
        if "GET" in rule.methods:
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": csrf_token(client)})
        allowed = getattr(view, "allowed_roles", None)
        if role is None:
            assert response.status_code == 302, url
            assert "/logga-in" in response.headers["Location"], url
        elif allowed is not None and role not in allowed:
            assert response.status_code == 403, (url, role)
        else:
            assert response.status_code not in (403, 500), (url, role, response.status_code)


def test_every_guarded_view_names_its_roles(app):
    unnamed = [
        rule.endpoint
        for rule in guarded_rules(app)
        if not hasattr(app.view_functions[rule.endpoint], "allowed_roles")
        and rule.endpoint not in ("auth.logout", "home.index")
    ]
    assert unnamed == []


def test_every_post_route_refuses_a_request_without_csrf_token(seeded):
    client = seeded.test_client()
    Auth(client).login("admin")
    posts = [r for r in seeded.url_map.iter_rules() if "POST" in r.methods]
    assert len(posts) >= 10
    for rule in posts:
        response = client.post(concrete_url(rule), data={}, headers={"HX-Request": "true"})
        assert response.status_code == 400, rule.rule
        assert "Ladda om sidan" in response.get_data(as_text=True), rule.rule


def test_ids_too_large_for_the_database_are_not_found(client, auth):
    auth.login("attestant")
    assert client.get("/attest/" + "9" * 40).status_code == 404


def test_a_page_left_open_past_the_token_lifetime_says_reload(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_TIME_LIMIT=1)
    client = app.test_client()
    Auth(client).login("admin")
    token = csrf_token(client, "/systeminstallningar/inyett-api")
    time.sleep(2)
    response = client.post("/systeminstallningar/inyett-api", data={"csrf_token": token})
    assert response.status_code == 400
    assert "Ladda om sidan och försök igen" in response.get_data(as_text=True)


def test_security_headers_and_a_csp_without_unsafe_inline(client):
    response = client.get("/logga-in")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_templates_never_mark_data_safe():
    templates = Path(__file__).resolve().parents[1] / "templates"
    offenders = [
        p.name for p in templates.rglob("*.html") if "|safe" in p.read_text().replace(" ", "")
    ]
    assert offenders == []


def test_the_session_expires_after_inactivity(client, auth):
    response = auth.login()
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_is_rate_limited_per_user(app, client, auth):
    for _ in range(5):
        assert auth.login("admin", "fel-lösenord").status_code == 422
    response = auth.login("admin", PASSWORD)
    assert response.status_code == 429
    assert "För många misslyckade försök" in response.get_data(as_text=True)
    assert Auth(app.test_client()).login("betalare").status_code == 302
    with app.app_context():
        kinds = db.session.scalars(select(AuditEntry.kind)).all()
    assert kinds.count("login_failed") == 5


def test_login_is_rate_limited_per_address(tmp_path):
    app = make_app(tmp_path, LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    client = app.test_client()
    for name in ("a", "b", "c"):
        Auth(client).login(name, "fel")
    assert Auth(client).login("betalare").status_code == 429


@responses.activate
def test_the_key_never_reaches_pages_logs_or_the_audit(app, client, auth, caplog):
    caplog.set_level(logging.DEBUG)
    auth.login()
    form = {"api_key": KEY, "batch_reference": "", "one_payment_per_batch": "y"}
    auth.post("/systeminstallningar/inyett-api", form, token_from="/systeminstallningar/inyett-api")
    responses.get(re.compile(INYETT_URL + ".*"), status=401)
    test = auth.post(
        "/systeminstallningar/inyett-api/testa-uppkoppling",
        {**form, "api_key": ""},
        token_from="/systeminstallningar/inyett-api",
    )
    pages = [test.get_data(as_text=True)]
    for url in (
        "/systeminstallningar/inyett-api",
        "/systeminstallningar/logg",
        "/systeminstallningar/inyett-ko",
    ):
        pages.append(client.get(url).get_data(as_text=True))
    assert all(KEY not in page for page in pages)
    assert KEY not in caplog.text
    with app.app_context():
        summaries = " ".join(db.session.scalars(select(AuditEntry.summary)))
        stored = get_settings().api_key_ciphertext
    assert KEY not in summaries and KEY not in stored
    assert "API-nyckel ändrad" in summaries


def test_a_copy_of_the_database_alone_does_not_reveal_the_key(app):
    with app.app_context():
        settings = get_settings()
        settings.api_key_ciphertext = secret_box.encrypt(KEY)
        db.session.commit()
        app.config["ENCRYPTION_KEY"] = Fernet.generate_key().decode()
        with pytest.raises(secret_box.SecretUnreadable):
            secret_box.decrypt(get_settings().api_key_ciphertext)


def test_rotating_the_encryption_key_reencrypts_the_api_key(tmp_path):
    app = make_app(tmp_path, ENCRYPTION_KEY=None)
    app.instance_path = str(tmp_path / "instance")
    (tmp_path / "instance").mkdir()
    old_key = Fernet.generate_key().decode()
    app.config["ENCRYPTION_KEY"] = old_key
    with app.app_context():
        settings = get_settings()
        settings.api_key_ciphertext = secret_box.encrypt(KEY)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["inyett", "rotate-encryption-key"])
    assert result.exit_code == 0, result.output
    assert "1 hemligheter krypterades om" in result.output
    new_key = (tmp_path / "instance" / "encryption.key").read_text()
    assert new_key != old_key and "," not in new_key
    with app.app_context():
        app.config["ENCRYPTION_KEY"] = new_key
        assert secret_box.decrypt(get_settings().api_key_ciphertext) == KEY
        app.config["ENCRYPTION_KEY"] = old_key
        with pytest.raises(secret_box.SecretUnreadable):
            secret_box.decrypt(get_settings().api_key_ciphertext)


HOSTILE = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            '"; DROP TABLE payments; --',
            "\x00\x1f\x7f",
            "=cmd|' /C calc'!A0",
            "9" * 5000,
            "ÅÄÖ" * 100,
            "../../etc/passwd",
            "%00",
            "{{7*7}}",
        ]
    ),
)

FORMS = {
    "/systeminstallningar/inyett-api": [
        "api_key",
        "batch_reference",
        "one_payment_per_batch",
        "active",
        "use_test_environment",
    ],
    "/systeminstallningar/inyett-api/testa-uppkoppling": ["api_key", "batch_reference"],
    "/reskontra/leverantorer": ["name", "orgnr", "country", "account_type", "account"],
    "/reskontra/fakturor": [
        "supplier",
        "invoice_number",
        "ocr",
        "message",
        "amount",
        "currency",
        "due_date",
    ],
    "/betalningar/forslag": ["company", "payment_date", "invoice_ids"],
    "/attest/1/attestera": ["acknowledged", "version"],
    "/attest/attestera-markerade": ["payment_ids"],
    "/attest/1/angra": ["version"],
    "/logga-in": ["username", "password"],
}


def snapshot():
    return (
        db.session.scalar(select(func.count(Supplier.id))),
        db.session.scalar(select(func.count(SupplierInvoice.id))),
        db.session.scalar(select(func.count(Payment.id))),
        tuple(
            (p.status, p.inyett_state)
            for p in db.session.scalars(select(Payment).order_by(Payment.id))
        ),
        tuple(
            (s.batch_reference, s.active, s.api_key_ciphertext)
            for s in db.session.scalars(select(InyettSettings))
        ),
    )


@pytest.mark.parametrize("path", list(FORMS))
def test_hostile_input_is_a_clear_4xx_and_changes_nothing(seeded, path):
    client = seeded.test_client()
    Auth(client).login("admin" if "/attest" not in path else "attestant")
    token = csrf_token(client)

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.fixed_dictionaries({field: HOSTILE for field in FORMS[path]}))
    def post_hostile(values):
        with seeded.app_context():
            before = snapshot()
        response = client.post(
            path, data={**values, "csrf_token": token}, headers={"HX-Request": "true"}
        )
        assert response.status_code < 500, (path, values)
        if response.status_code >= 400:
            with seeded.app_context():
                assert snapshot() == before, (path, values)
        html = response.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html

    post_hostile()
