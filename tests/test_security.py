import io
import logging
import re
import unicodedata
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
from inyett.models import Company
from inyett.models import DebtorAccount
from inyett.models import InyettBatch
from inyett.models import InyettSettings
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import Substitution
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.services.ledger import CSV_COLUMNS
from inyett.services.payments import create_payment_file
from inyett.services.settings import get_settings
from tests.conftest import INYETT_URL
from tests.conftest import PASSWORD
from tests.conftest import Auth
from tests.conftest import age_session
from tests.conftest import csrf_token
from tests.conftest import make_app
from tests.conftest import stale_csrf_token
from tests.payments_helpers import PAYMENT_DATE
from tests.payments_helpers import TODAY
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_company
from tests.payments_helpers import add_invoices
from tests.payments_helpers import add_open_invoice
from tests.payments_helpers import create_file

ROLES = ["admin", "payer", "attester"]
USERNAMES = {"admin": "admin", "payer": "betalare", "attester": "attestant"}
PUBLIC = {"static", "auth.login", "health.status"}
KEY = "mycket-hemlig-nyckel-4242"
PAGE = "/systeminstallningar/inyett-api"
TEST_CONNECTION = "/systeminstallningar/inyett-api/testa-uppkoppling"


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


ADMIN, PAYER, ATTESTER = "admin", "payer", "attester"
LOGGED_IN = frozenset(ROLES)
# Who may use each address, written from shared/spec/product.md (and the README where the spec
# says nothing), not read from the views: a wrong @roles_required must fail here. The spec gives
# the administrator the Inyett settings only; the app also lets the administrator stand in for a
# payer and an attester (the creator of a payment still cannot attest it), which the spec
# neither asks for nor forbids.
EXPECTED_ROLES = {
    "static": None,  # public
    "auth.login": None,
    "health.status": None,  # the health check, for monitoring
    "auth.logout": LOGGED_IN,
    "home.index": LOGGED_IN,
    # Systeminställningar › Inyett API, its queue and the audit log: administrators only.
    "settings.inyett_api": {ADMIN},
    "settings.save_inyett_api": {ADMIN},
    "settings.test_connection": {ADMIN},
    "settings.inyett_queue": {ADMIN},
    "settings.retry_batch": {ADMIN},
    "settings.audit_log": {ADMIN},
    "settings.attestation_trail": {ADMIN},
    # Systeminställningar › Användare: administrators only.
    "users.index": {ADMIN},
    "users.create": {ADMIN},
    "users.edit": {ADMIN},
    "users.change_role": {ADMIN},
    "users.disable": {ADMIN},
    "users.enable": {ADMIN},
    "users.change_password": {ADMIN},
    "users.change_notices": {ADMIN},
    # Mina aviseringar: everyone sets their own address and notices.
    "account.notices": LOGGED_IN,
    "account.change_notices": LOGGED_IN,
    # Mina ersättare: whoever attests names their own substitute; a payer has no right to lend.
    "account.substitutes": {ATTESTER, ADMIN},
    "account.add_substitute": {ATTESTER, ADMIN},
    "account.remove_substitute": {ATTESTER, ADMIN},
    # Attesträtt is set by admins only: an attester may not raise their own limit.
    "users.set_attest_scope": {ADMIN},
    "users.grant_attest_right": {ADMIN},
    "users.revoke_attest_right": {ADMIN},
    "users.add_substitute": {ADMIN},
    "users.remove_substitute": {ADMIN},
    # Systeminställningar › Bolag: administrators only (the spec puts set-up with the admin).
    "companies.index": {ADMIN},
    "companies.create": {ADMIN},
    "companies.add_account": {ADMIN},
    "companies.edit_account": {ADMIN},
    "companies.set_dual_limit": {ADMIN},
    "companies.remove_dual_limit": {ADMIN},
    # The ledger and Betalningsförslag → Skapa betalning till fil: the payer.
    "ledger.index": {PAYER, ADMIN},
    "ledger.example_csv": {PAYER, ADMIN},
    "ledger.add_supplier": {PAYER, ADMIN},
    "ledger.add_invoice": {PAYER, ADMIN},
    "ledger.import_csv": {PAYER, ADMIN},
    "ledger.edit_invoice": {PAYER, ADMIN},
    "ledger.delete_invoice": {PAYER, ADMIN},
    "ledger.edit_supplier": {PAYER, ADMIN},
    "ledger.delete_supplier": {PAYER, ADMIN},
    # Ändra konto and its approval: a payer or an admin, never the one who entered the account.
    "ledger.change_account": {PAYER, ADMIN},
    "ledger.approve_account": {PAYER, ADMIN},
    "payments.proposal": {PAYER, ADMIN},
    # Betalfiler: the payer's files, which the attester opens from the list; both may send a
    # payment again, undo it (README) and download an attested file for the bank.
    "payments.payment_files": {PAYER, ATTESTER, ADMIN},
    "payments.payment_file": {PAYER, ATTESTER, ADMIN},
    "payments.file_status": {PAYER, ATTESTER, ADMIN},
    "payments.row": {PAYER, ATTESTER, ADMIN},
    "payments.confirm_undo": {PAYER, ATTESTER, ADMIN},
    "payments.undo": {PAYER, ATTESTER, ADMIN},
    "payments.resend": {PAYER, ATTESTER, ADMIN},
    "payments.download": {PAYER, ATTESTER, ADMIN},
    "payments.redate": {PAYER, ATTESTER, ADMIN},
    "payments.resend_removed": {PAYER, ATTESTER, ADMIN},
    # Attest av leverantörsbetalningar: the attester; never the payer (segregation of duties).
    "attest.index": {ATTESTER, ADMIN},
    "attest.summary": {ATTESTER, ADMIN},
    "attest.row": {ATTESTER, ADMIN},
    "attest.file_ready": {ATTESTER, ADMIN},
    "attest.attest": {ATTESTER, ADMIN},
    "attest.review_selected": {ATTESTER, ADMIN},
    "attest.attest_selected": {ATTESTER, ADMIN},
    "attest.confirm_undo": {ATTESTER, ADMIN},
    "attest.undo": {ATTESTER, ADMIN},
    "attest.resend": {ATTESTER, ADMIN},
}


def test_every_address_has_its_expected_roles_written_down(app):
    assert {rule.endpoint for rule in app.url_map.iter_rules()} == set(EXPECTED_ROLES)
    assert {e for e, roles in EXPECTED_ROLES.items() if roles is None} == PUBLIC


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_route_admits_exactly_the_expected_roles(seeded, role, htmx):
    app = seeded
    headers = {"HX-Request": "true"} if htmx else {}
    for rule in guarded_rules(app):
        client = app.test_client()
        if role:
            Auth(client).login(USERNAMES[role])
        url = concrete_url(rule)
        if "GET" in rule.methods:
            response = client.get(url, headers=headers)
        else:
            response = client.post(url, data={"csrf_token": csrf_token(client)}, headers=headers)
        if role is None and htmx:
            assert response.status_code == 401, url
            assert ">Logga in igen</a>" in response.get_data(as_text=True), url
        elif role is None:
            assert response.status_code == 302, url
            assert "/logga-in" in response.headers["Location"], url
        elif role not in EXPECTED_ROLES[rule.endpoint]:
            assert response.status_code == 403, (url, role)
            assert "Du har inte behörighet" in response.get_data(as_text=True), (url, role)
        else:
            assert response.status_code not in (401, 403, 500), (url, role, response.status_code)


def test_every_guarded_view_names_its_roles(app):
    unnamed = [
        rule.endpoint
        for rule in guarded_rules(app)
        if not hasattr(app.view_functions[rule.endpoint], "allowed_roles")
        and rule.endpoint not in ("auth.logout", "home.index")
    ]
    assert unnamed == []


SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def state_changing_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.methods - SAFE_METHODS]


def bad_tokens(app, client):
    """What a forged or stale request carries instead of the page's valid token."""
    other = app.test_client()
    Auth(other).login("admin")
    return {
        "no token": None,
        "forged": "forged-token",
        "another session's token": csrf_token(other, "/"),
        "a page left open past the token lifetime": stale_csrf_token(
            app, client, app.config["WTF_CSRF_TIME_LIMIT"] + 60
        ),
    }


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_every_state_changing_route_refuses_a_request_without_a_valid_token(seeded, htmx):
    client = seeded.test_client()
    Auth(client).login("admin")
    csrf_token(client, "/")
    rules = state_changing_rules(seeded)
    assert len(rules) >= 10
    headers = {"HX-Request": "true"} if htmx else {}
    for case, token in bad_tokens(seeded, client).items():
        for rule in rules:
            data = {"batch_reference": "Forged", "active": "y"}
            if token is not None:
                data["csrf_token"] = token
            with seeded.app_context():
                before = snapshot()
            for method in rule.methods - SAFE_METHODS:
                response = client.open(
                    concrete_url(rule), method=method, data=data, headers=headers
                )
                html = response.get_data(as_text=True)
                assert response.status_code == 400, (case, rule.rule, method)
                assert "Ladda om sidan" in html, (case, rule.rule, method)
                # htmx shows a fragment in the page's message box, not a whole page in a row.
                assert ("<html" in html) is not htmx, (case, rule.rule, method)
            with seeded.app_context():
                assert snapshot() == before, (case, rule.rule)


def test_an_expired_token_in_a_header_is_refused_too(app, client, auth):
    auth.login()
    client.get(PAGE)
    token = stale_csrf_token(app, client, app.config["WTF_CSRF_TIME_LIMIT"] + 60)
    response = client.post(
        TEST_CONNECTION, data={}, headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert response.status_code == 400
    assert "Sidan har varit öppen för länge" in response.get_data(as_text=True)


def test_a_fresh_token_in_the_htmx_header_is_accepted(app, client, auth):
    auth.login()
    token = csrf_token(client, PAGE)
    response = client.post(
        TEST_CONNECTION,
        data={"batch_reference": "", "one_payment_per_batch": "y"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert "Ingen API-nyckel är sparad" in response.get_data(as_text=True)


def test_no_get_request_changes_stored_data(seeded):
    # A GET that changed something would be open to forgery: CSRF checks only guard POSTs.
    for role in ROLES:
        client = seeded.test_client()
        Auth(client).login(USERNAMES[role])
        for rule in guarded_rules(seeded):
            if "GET" in rule.methods:
                with seeded.app_context():
                    before = snapshot()
                client.get(concrete_url(rule), headers={"HX-Request": "true"})
                with seeded.app_context():
                    assert snapshot() == before, (role, rule.rule)


@pytest.mark.parametrize(
    "target", ["//evil.example/", "/\\evil.example/", "/\t/evil.example", "https://evil.example/"]
)
def test_redirects_after_login_and_resend_stay_on_this_site(seeded, target):
    client = seeded.test_client()
    token = csrf_token(client)
    login = client.post(
        "/logga-in",
        query_string={"next": target},
        data={"username": "betalare", "password": PASSWORD, "csrf_token": token},
    )
    assert login.headers["Location"] == "/"
    resend = client.post(
        "/betalningar/1/skicka-igen", data={"csrf_token": csrf_token(client, "/"), "next": target}
    )
    assert resend.headers["Location"] == "/betalningar/filer/1"


def test_a_nul_character_anywhere_is_refused_with_a_swedish_message(seeded):
    # PostgreSQL cannot store NUL, so it must never reach a query (found by the fuzz test).
    client = seeded.test_client()
    login = client.post(
        "/logga-in",
        data={"username": "adm\x00in", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert login.status_code == 400
    assert "otillåtet tecken" in login.get_data(as_text=True)
    Auth(client).login("attestant")
    assert client.get("/attest", query_string={"sok": "a\x00"}).status_code == 400


@pytest.mark.parametrize("huge", ["9" * 40, str(2**31)])
def test_ids_too_large_for_the_database_are_not_found(seeded, huge):
    client = seeded.test_client()
    Auth(client).login("attestant")
    assert client.get("/attest/" + huge).status_code == 404
    assert client.get("/attest", query_string={"bolag": huge}).status_code == 200
    selected = Auth(client).post("/attest/attestera-markerade", {"payment_ids": [huge, "-1"]})
    assert "Markera de betalningar som ska attesteras." in selected.get_data(as_text=True)
    payer = seeded.test_client()
    Auth(payer).login("betalare")
    assert payer.get("/betalningar/forslag", query_string={"company": huge}).status_code == 200
    assert payer.get("/reskontra", query_string={"company": huge}).status_code == 200


def test_a_page_left_open_past_the_token_lifetime_says_reload(app, client, auth):
    auth.login()
    client.get(PAGE)
    limit = app.config["WTF_CSRF_TIME_LIMIT"]
    fresh = client.post(
        PAGE,
        data={"csrf_token": stale_csrf_token(app, client, limit - 60), "batch_reference": "A"},
    )
    assert fresh.status_code == 302
    stale = client.post(
        PAGE,
        data={"csrf_token": stale_csrf_token(app, client, limit + 60), "batch_reference": "B"},
    )
    assert stale.status_code == 400
    html = stale.get_data(as_text=True)
    assert "Sidan har varit öppen för länge" in html
    assert "Ladda om sidan och försök igen" in html
    with app.app_context():
        assert get_settings().batch_reference == "A"


def test_security_headers_and_a_csp_without_unsafe_inline(client):
    response = client.get("/logga-in")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_and_fragments_are_never_cached_but_static_files_are(seeded, client, auth):
    auth.login("attestant")
    for response in (
        client.get("/attest"),
        client.get("/attest/1", headers={"HX-Request": "true"}),
        client.get("/logga-in"),
    ):
        assert response.status_code in (200, 302)
        assert response.headers["Cache-Control"] == "no-store"
    script = client.get("/static/js/app.js")
    assert script.status_code == 200
    assert "no-store" not in script.headers.get("Cache-Control", "")
    script.close()


def test_templates_never_mark_data_safe():
    templates = Path(__file__).resolve().parents[1] / "templates"
    offenders = [
        p.name for p in templates.rglob("*.html") if "|safe" in p.read_text().replace(" ", "")
    ]
    assert offenders == []


def test_the_session_cookie_is_httponly_samesite_and_expires(client, auth):
    cookie = auth.login().headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_the_session_cookie_is_secure_when_configured_for_https(tmp_path):
    app = make_app(tmp_path, SESSION_COOKIE_SECURE=True)
    cookie = Auth(app.test_client()).login().headers["Set-Cookie"]
    assert "Secure" in cookie


def test_the_session_ends_after_inactivity(app, client, auth):
    auth.login()
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    age_session(app, client, lifetime - 60)
    assert client.get(PAGE).status_code == 200
    age_session(app, client, lifetime + 60)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in?next=")


def test_an_htmx_request_after_the_session_ended_says_so(app, client, auth):
    auth.login()
    age_session(app, client, app.config["PERMANENT_SESSION_LIFETIME"] + 60)
    response = client.get("/attest/1", headers={"HX-Request": "true"})
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Du har loggats ut" in html and ">Logga in igen</a>" in html
    assert "<html" not in html


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


HOSTILE_TEXT = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(
        [
            "",
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "' OR 1=1 --",
            '"; DROP TABLE payments; --',
            "\x00\x1f\x7f",
            "Acme\x07\x1b[31m\u202eAB",
            "Acme\u202eBA",
            "Ac\u200bme AB",
            "=cmd|' /C calc'!A0",
            "9" * 5000,
            "x" * 100_000,
            "ÅÄÖ" * 100,
            "../../etc/passwd",
            "%00",
            "{{7*7}}",
            "y",
            "-1",
            "1.5",
            "NaN",
            "true",
            "//evil.example/",
            "/\\evil.example/",
        ]
    ),
)
# A list sends the field several times: the wrong type for a single value.
HOSTILE = st.one_of(HOSTILE_TEXT, st.lists(HOSTILE_TEXT, min_size=2, max_size=3))
HOSTILE_FILE = st.one_of(
    HOSTILE_TEXT,
    st.tuples(
        st.one_of(
            st.binary(max_size=2000),
            st.lists(HOSTILE_TEXT, min_size=11, max_size=11).map(
                lambda cells: (";".join(CSV_COLUMNS) + "\n" + ";".join(cells)).encode(
                    "utf-8", "surrogatepass"
                )
            ),
        ),
        st.sampled_from(["fakturor.csv", "fakturor.exe", "", "<script>.csv"]),
    ).map(lambda upload: (io.BytesIO(upload[0]), upload[1])),
)

# Query arguments no view reads: a fragment must not care what else the address carries.
UNREAD = ["next", "id", "_"]

# Every form and every htmx endpoint, with the fields (or query arguments) it reads and the
# user who may use it; `{id}` in a path is fuzzed too. test_every_form_and_htmx_endpoint_is_fuzzed
# keeps this list complete.
FUZZED = {
    "auth.login": ("POST", "/logga-in", None, ["username", "password", "next"]),
    "auth.logout": ("POST", "/logga-ut", "admin", ["next"]),
    "settings.save_inyett_api": (
        "POST",
        "/systeminstallningar/inyett-api",
        "admin",
        ["api_key", "batch_reference", "one_payment_per_batch", "active", "use_test_environment"],
    ),
    "settings.test_connection": (
        "POST",
        "/systeminstallningar/inyett-api/testa-uppkoppling",
        "admin",
        ["api_key", "batch_reference", "one_payment_per_batch", "active"],
    ),
    "settings.retry_batch": (
        "POST",
        "/systeminstallningar/inyett-ko/{id}/skicka-igen",
        "admin",
        [],
    ),
    "users.create": (
        "POST",
        "/systeminstallningar/anvandare",
        "admin",
        ["username", "full_name", "role", "password", "password_again"],
    ),
    "users.change_role": ("POST", "/systeminstallningar/anvandare/2/roll", "admin", ["role"]),
    "users.disable": ("POST", "/systeminstallningar/anvandare/2/stang-av", "admin", []),
    "users.enable": ("POST", "/systeminstallningar/anvandare/2/aktivera", "admin", []),
    "users.set_attest_scope": (
        "POST",
        "/systeminstallningar/anvandare/3/attestratt/omfattning",
        "admin",
        ["scope"],
    ),
    "users.grant_attest_right": (
        "POST",
        "/systeminstallningar/anvandare/3/attestratt",
        "admin",
        ["company", "currency", "max_amount"],
    ),
    "users.revoke_attest_right": (
        "POST",
        "/systeminstallningar/anvandare/3/attestratt/{id}/ta-bort",
        "admin",
        [],
    ),
    "users.add_substitute": (
        "POST",
        "/systeminstallningar/anvandare/3/ersattare",
        "admin",
        ["substitute", "fran", "till"],
    ),
    "users.remove_substitute": (
        "POST",
        "/systeminstallningar/anvandare/3/ersattare/{id}/ta-bort",
        "admin",
        [],
    ),
    "users.change_password": (
        "POST",
        "/systeminstallningar/anvandare/2/losenord",
        "admin",
        ["password", "password_again"],
    ),
    "users.change_notices": (
        "POST",
        "/systeminstallningar/anvandare/2/aviseringar",
        "admin",
        ["email", "notices_enabled"],
    ),
    "account.change_notices": (
        "POST",
        "/konto/aviseringar",
        "attestant",
        ["email", "notices_enabled"],
    ),
    "account.add_substitute": (
        "POST",
        "/konto/ersattare",
        "attestant",
        ["substitute", "fran", "till"],
    ),
    "account.remove_substitute": ("POST", "/konto/ersattare/{id}/ta-bort", "attestant", []),
    "companies.create": (
        "POST",
        "/systeminstallningar/bolag",
        "admin",
        ["name", "orgnr", "country"],
    ),
    "companies.add_account": (
        "POST",
        "/systeminstallningar/bolag/konton",
        "admin",
        ["company", "account_type", "account", "currency", "bic"],
    ),
    "companies.edit_account": (
        "POST",
        "/systeminstallningar/bolag/konton/1",
        "admin",
        ["account_type", "account", "currency", "bic"],
    ),
    "companies.set_dual_limit": (
        "POST",
        "/systeminstallningar/bolag/tva-attestanter",
        "admin",
        ["company", "currency", "above_amount"],
    ),
    "companies.remove_dual_limit": (
        "POST",
        "/systeminstallningar/bolag/tva-attestanter/{id}/ta-bort",
        "admin",
        [],
    ),
    "settings.audit_log": (
        "GET",
        "/systeminstallningar/logg",
        "admin",
        ["typ", "fran", "till", "sida"],
    ),
    "settings.attestation_trail": (
        "GET",
        "/systeminstallningar/logg/attestspar.csv",
        "admin",
        ["fran", "till"],
    ),
    "ledger.index": ("GET", "/reskontra", "betalare", ["company"]),
    "ledger.add_supplier": (
        "POST",
        "/reskontra/leverantorer",
        "betalare",
        ["company", "name", "orgnr", "country", "account_type", "account"],
    ),
    "ledger.add_invoice": (
        "POST",
        "/reskontra/fakturor",
        "betalare",
        [
            "company",
            "supplier",
            "invoice_number",
            "ocr",
            "message",
            "amount",
            "currency",
            "due_date",
        ],
    ),
    "ledger.import_csv": ("POST", "/reskontra/import", "betalare", ["company", "file"]),
    "ledger.edit_invoice": (
        "POST",
        "/reskontra/fakturor/{id}",
        "betalare",
        ["invoice_number", "ocr", "message", "amount", "currency", "due_date"],
    ),
    "ledger.delete_invoice": ("POST", "/reskontra/fakturor/{id}/ta-bort", "betalare", []),
    "ledger.edit_supplier": ("POST", "/reskontra/leverantorer/{id}", "betalare", ["name", "orgnr"]),
    "ledger.delete_supplier": ("POST", "/reskontra/leverantorer/{id}/ta-bort", "betalare", []),
    "ledger.change_account": (
        "POST",
        "/reskontra/leverantorer/{id}/konto",
        "betalare",
        ["account_type", "account", "street", "post_code", "town", "bic", "shared_confirmed"],
    ),
    "ledger.approve_account": ("POST", "/reskontra/konton/{id}", "admin", ["note"]),
    "payments.proposal": (
        "POST",
        "/betalningar/forslag",
        "betalare",
        ["company", "when", "payment_date", "invoice_ids", "debtor_account", "forfaller"],
    ),
    "payments.resend": ("POST", "/betalningar/{id}/skicka-igen", "betalare", []),
    "payments.resend_removed": ("POST", "/betalningar/filer/{id}/skicka-igen", "betalare", []),
    "payments.undo": ("POST", "/betalningar/{id}/angra", "betalare", ["version"]),
    "payments.download": (
        "POST",
        "/betalningar/filer/{id}/pain001.xml",
        "attestant",
        ["seen_date", "seen_downloads", "confirmed_again"],
    ),
    "payments.redate": (
        "POST",
        "/betalningar/filer/{id}/betaldatum",
        "betalare",
        ["seen_date", "payment_date"],
    ),
    "attest.index": ("GET", "/attest", "attestant", ["bolag", "sok", "filter", "status", "sida"]),
    "attest.summary": (
        "GET",
        "/attest/summering",
        "attestant",
        ["bolag", "sok", "filter", "status", "sida"],
    ),
    "attest.row": ("GET", "/attest/{id}", "attestant", UNREAD),
    "attest.file_ready": ("GET", "/attest/filer/{id}/klar", "attestant", ["rad"]),
    "attest.confirm_undo": ("GET", "/attest/{id}/angra", "attestant", UNREAD),
    "attest.review_selected": ("GET", "/attest/granska-markerade", "attestant", ["payment_ids"]),
    "attest.attest": ("POST", "/attest/{id}/attestera", "attestant", ["acknowledged", "version"]),
    "attest.attest_selected": (
        "POST",
        "/attest/attestera-markerade",
        "attestant",
        ["reviewed", "acknowledged"],
    ),
    "attest.undo": ("POST", "/attest/{id}/angra", "attestant", ["version"]),
    "attest.resend": ("POST", "/attest/{id}/skicka-igen", "attestant", []),
    "payments.payment_file": ("GET", "/betalningar/filer/{id}", "betalare", UNREAD),
    "payments.file_status": ("GET", "/betalningar/filer/{id}/status", "betalare", UNREAD),
    "payments.row": ("GET", "/betalningar/{id}", "betalare", UNREAD),
    "payments.confirm_undo": ("GET", "/betalningar/{id}/angra", "betalare", UNREAD),
}


def snapshot():
    """Everything a rejected request must leave as it was (the audit may grow: failed logins)."""
    return (
        tuple(
            (s.id, s.name, s.account)
            for s in db.session.scalars(select(Supplier).order_by(Supplier.id))
        ),
        tuple(
            (i.id, i.invoice_number, i.message, i.amount, i.status)
            for i in db.session.scalars(select(SupplierInvoice).order_by(SupplierInvoice.id))
        ),
        tuple(
            (p.id, p.status, p.inyett_state, p.version)
            for p in db.session.scalars(select(Payment).order_by(Payment.id))
        ),
        tuple(
            (b.id, b.state, b.attempts)
            for b in db.session.scalars(select(InyettBatch).order_by(InyettBatch.id))
        ),
        db.session.scalar(select(func.count(PaymentFile.id))),
        tuple(
            (
                s.batch_reference,
                s.active,
                s.api_key_ciphertext,
                s.one_payment_per_batch,
                s.use_test_environment,
                s.last_test_at,
            )
            for s in db.session.scalars(select(InyettSettings))
        ),
        tuple(
            (c.id, c.name, c.orgnr, c.country)
            for c in db.session.scalars(select(Company).order_by(Company.id))
        ),
        tuple(
            (a.id, a.company_id, a.account_type, a.account, a.currency, a.bic)
            for a in db.session.scalars(select(DebtorAccount).order_by(DebtorAccount.id))
        ),
        tuple(
            (s.id, s.owner_id, s.substitute_id, s.starts_on, s.ends_on)
            for s in db.session.scalars(select(Substitution).order_by(Substitution.id))
        ),
    )


def hidden_characters_stored() -> list[str]:
    """Stored ledger texts with characters that can disguise a name: control, format, line and
    paragraph separators, private use and unassigned code points."""
    texts = [
        *db.session.scalars(select(Supplier.name)),
        *db.session.scalars(select(Company.name)),
        *db.session.scalars(select(SupplierInvoice.invoice_number)),
        *db.session.scalars(select(SupplierInvoice.message)),
    ]
    return [t for t in texts if t and any(unicodedata.category(c) in DISGUISING for c in t)]


DISGUISING = ("Cc", "Cf", "Zl", "Zp", "Co", "Cn")
# Valid text with such a character inside it, where stripping cannot remove it (a surrogate,
# Cs, cannot be sent in a form at all).
WITH_HIDDEN_CHARACTER = st.tuples(
    st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=10),
    st.characters(categories=DISGUISING, exclude_characters="\x00"),
    st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=10),
).map("".join)


def test_ledger_forms_refuse_hidden_characters_whatever_else_is_right(seeded):
    client = seeded.test_client()
    Auth(client).login("betalare")
    token = csrf_token(client, "/reskontra")
    with seeded.app_context():
        supplier_id = db.session.scalars(select(Supplier.id)).first()

    @settings(
        max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(WITH_HIDDEN_CHARACTER, st.sampled_from(["name", "invoice_number", "message"]))
    def send(text, field):
        if field == "name":
            path = "/reskontra/leverantorer?company=1"
            data = {"name": text, "orgnr": "", "country": "SE", "account_type": "BGNR"}
            data["account"] = "5050-1055"
        else:
            path = "/reskontra/fakturor?company=1"
            data = {"supplier": supplier_id, "invoice_number": "F-ny", "message": "Faktura"}
            data |= {"ocr": "", "amount": "1,00", "currency": "SEK", "due_date": "2026-12-01"}
            data[field] = text
        with seeded.app_context():
            before = snapshot()
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 422, (field, text)
        assert "innehåller otillåtna tecken" in response.get_data(as_text=True)
        with seeded.app_context():
            assert snapshot() == before

    send()


def htmx_fragment_rules(app):
    """The GET addresses that answer an htmx request with a fragment, found by asking each one
    (as the administrator, who may use them all) about a row that exists."""
    client = app.test_client()
    Auth(client).login("admin")
    fragments = []
    for rule in guarded_rules(app):
        if "GET" not in rule.methods:
            continue
        response = client.get(concrete_url(rule), headers={"HX-Request": "true"})
        html = response.get_data(as_text=True)
        if response.mimetype == "text/html" and "<html" not in html:
            fragments.append(rule)
    return fragments


def test_every_form_and_htmx_endpoint_is_fuzzed(seeded):
    fragments = {rule.endpoint for rule in htmx_fragment_rules(seeded)}
    assert {"attest.index", "attest.row", "payments.row", "payments.file_status"} <= fragments
    endpoints = {rule.endpoint for rule in state_changing_rules(seeded)} | fragments
    assert endpoints - set(FUZZED) == set()
    for endpoint, (method, path, _user, _fields) in FUZZED.items():
        adapter = seeded.url_map.bind("localhost")
        assert adapter.match(path.format(id=1), method=method)[0] == endpoint


@pytest.fixture
def other_companys_file(seeded):
    """The ids of a second company's payment file and its payment."""
    with seeded.app_context():
        company = add_company("Andra bolaget AB", "2021005448")
        payee = ("Frakt AB", "5560473521", "PGNR", "1234566")
        invoice = add_open_invoice(company, payee, "A-1", "10.00", "Frakt")
        payment_file = create_payment_file(
            company.id,
            [invoice.id],
            PAYMENT_DATE,
            debtor_account_id=company.debtor_accounts[0].id,
            actor="admin",
            today=TODAY,
        )
        return payment_file.id, payment_file.payments[0].id


def path_ids(other_ids):
    """Ids for `{id}`: rows that exist (also another company's), none, and ones too large for
    the database; not a number, or negative, the path does not match at all."""
    return st.one_of(
        st.sampled_from([1, *other_ids]),
        st.sampled_from([0, 2**31, 2**63 - 1, 2**63, 10**40]),
        st.integers(min_value=0, max_value=2**70),
        st.sampled_from(["-1", "1.5", "abc", "%00", "1%2F1"]),
    ).map(str)


@pytest.mark.parametrize("endpoint", list(FUZZED))
def test_hostile_input_is_a_clear_4xx_and_changes_nothing(seeded, other_companys_file, endpoint):
    method, path, username, fields = FUZZED[endpoint]
    client = seeded.test_client()
    if username:
        Auth(client).login(username)
    token = csrf_token(client, "/" if username else "/logga-in")
    strategies = {f: HOSTILE_FILE if f == "file" else HOSTILE for f in fields}
    ids = path_ids(other_companys_file) if "{id}" in path else st.just("")

    @settings(
        max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.fixed_dictionaries(strategies), ids, st.booleans())
    def send_hostile(values, row_id, htmx):
        with seeded.app_context():
            before = snapshot()
        headers = {"HX-Request": "true"} if htmx else {}
        url = path.format(id=row_id)
        if method == "GET":
            response = client.get(url, query_string=values, headers=headers)
        else:
            response = client.post(url, data={**values, "csrf_token": token}, headers=headers)
        assert response.status_code < 500, (url, values)
        with seeded.app_context():
            if response.status_code >= 400 or method == "GET":
                assert snapshot() == before, (url, values)
            assert hidden_characters_stored() == [], (url, values)
        html = response.get_data(as_text=True)
        if response.status_code == 404:
            assert "Sidan du söker finns inte eller har flyttats." in html, url
        if response.status_code >= 400:
            # A reason in Swedish, never the framework's English page.
            assert "Not Found" not in html and "Bad Request" not in html, (url, values)
        if response.status_code in (400, 404, 405):
            # htmx shows a fragment in the page's message box, not a whole page in a row.
            assert ("<html" in html) is not htmx, (url, values)
        location = response.headers.get("Location")
        if location:
            assert location.startswith("/") and not location.startswith(("//", "/\\")), location
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x onerror" not in html

    send_hostile()
