import re
from datetime import timedelta

import pytest

from inyett import security
from inyett.models import utcnow
from tests.conftest import Auth
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file

PAGE = "/systeminstallningar/inyett-api"
# What static/js/app.js adds to the requests a page makes by itself.
POLL = {"HX-Request": "true", "X-Inyett-Poll": "true"}


@pytest.fixture
def clock(monkeypatch):
    """The session clock, moved forward by `clock.advance(minutes=…)` instead of waiting."""

    class Clock:
        offset = timedelta()

        def advance(self, **elapsed):
            self.offset += timedelta(**elapsed)

    moved = Clock()
    monkeypatch.setattr(security, "utcnow", lambda: utcnow() + moved.offset)
    return moved


@pytest.fixture
def waiting_payment(app):
    """A payment queued for Inyett and not yet answered: its row asks for itself every 2 s."""
    with app.app_context():
        activate_inyett()
        return create_file(add_invoices()).payments[0].id


def test_an_idle_session_ends_with_a_swedish_message_and_back_to_the_page(app, client, clock):
    Auth(client).login("admin")
    clock.advance(minutes=29)
    assert client.get(PAGE).status_code == 200
    clock.advance(minutes=31)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in?next=")
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Du har loggats ut efter 30 minuter utan aktivitet. Logga in igen." in login_page
    # Logged out for good, not only for that one request.
    assert client.get(PAGE).status_code == 302


def test_a_page_polling_for_inyett_does_not_keep_an_idle_session_alive(
    app, client, clock, waiting_payment
):
    Auth(client).login("attestant")
    page = client.get("/attest").get_data(as_text=True)
    assert re.search(rf'<tr id="payment-{waiting_payment}"[^>]*every 2s[^>]*data-poll', page)
    for _ in range(29):
        clock.advance(minutes=1)
        assert client.get(f"/attest/{waiting_payment}", headers=POLL).status_code == 200
    clock.advance(minutes=2)
    response = client.get(
        f"/attest/{waiting_payment}", headers={**POLL, "HX-Current-URL": "http://localhost/attest"}
    )
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Du har loggats ut efter 30 minuter utan aktivitet." in html and "<html" not in html
    # A link back to the page the user was on, through the login page.
    assert '<a href="/logga-in?next=/attest">Logga in igen</a>' in html
    assert client.get("/attest").status_code == 302


def test_what_the_user_does_on_a_polling_page_keeps_the_session(
    app, client, clock, waiting_payment
):
    Auth(client).login("attestant")
    clock.advance(minutes=20)
    # Ångra in a waiting row: an htmx request too, but without the poll mark.
    undo = client.get(f"/attest/{waiting_payment}/angra", headers={"HX-Request": "true"})
    assert undo.status_code == 200
    clock.advance(minutes=20)
    assert client.get(f"/attest/{waiting_payment}", headers=POLL).status_code == 200
    assert client.get("/attest").status_code == 200


def test_a_post_marked_as_a_poll_still_counts_as_activity(app, client, clock):
    auth = Auth(client)
    auth.login("admin")
    clock.advance(minutes=20)
    token_page = client.get(PAGE)
    assert token_page.status_code == 200
    clock.advance(minutes=20)
    saved = auth.post(PAGE, {"batch_reference": "Ny"}, headers=POLL, token_from=PAGE)
    assert saved.status_code == 302
    clock.advance(minutes=20)
    assert client.get(PAGE).status_code == 200


def test_the_file_status_and_the_list_sums_are_marked_as_automatic(app, client, waiting_payment):
    Auth(client).login("attestant")
    attest_page = client.get("/attest").get_data(as_text=True)
    assert re.search(r'id="list-summary"[^>]*data-poll', attest_page)
    file_page = client.get("/betalningar/filer/1").get_data(as_text=True)
    assert re.search(r'id="file-status"[^>]*data-poll', file_page)
    # The buttons inside a waiting row are the user's: no mark of their own.
    assert not re.search(r"<button[^>]*data-poll", attest_page + file_page)


ENDED = "Du har loggats ut eftersom kontot loggades ut eller fick ett nytt lösenord."


def copied_session(app, client):
    """Another browser holding a copy of `client`'s session cookie, as a thief would."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    thief = app.test_client()
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def assert_session_ended(browser, path="/"):
    """`browser` is sent to the login page with the reason, and stays logged out."""
    response = browser.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in?next=")
    assert ENDED in browser.get(response.headers["Location"]).get_data(as_text=True)
    assert browser.get(path).status_code == 302


def test_logging_out_ends_a_copied_session_too(app, client):
    auth = Auth(client)
    auth.login("betalare")
    page_copy, htmx_copy = copied_session(app, client), copied_session(app, client)
    assert page_copy.get("/").status_code == 200
    assert auth.post("/logga-ut").status_code == 302
    assert_session_ended(page_copy)
    fragment = htmx_copy.get("/attest/1", headers={"HX-Request": "true"})
    assert fragment.status_code == 401
    html = fragment.get_data(as_text=True)
    assert ENDED in html and ">Logga in igen</a>" in html and "<html" not in html
    # Logging in again gives a session of its own that works.
    assert Auth(page_copy).login("betalare").status_code == 302
    assert page_copy.get("/").status_code == 200


def test_a_new_password_from_the_admin_ends_the_users_sessions(app, client):
    payer = app.test_client()
    Auth(payer).login("betalare")
    admin = Auth(client)
    admin.login("admin")
    page = "/systeminstallningar/anvandare/2"
    password = {"password": "ett-nytt-lösenord", "password_again": "ett-nytt-lösenord"}
    assert admin.post(f"{page}/losenord", password, token_from=page).status_code == 302
    assert_session_ended(payer)
    assert client.get(page).status_code == 200


def test_an_admin_setting_their_own_password_stays_logged_in_but_ends_their_other_sessions(
    app, client
):
    other_browser = app.test_client()
    Auth(other_browser).login("admin")
    admin = Auth(client)
    admin.login("admin")
    page = "/systeminstallningar/anvandare/1"
    password = {"password": "ett-nytt-lösenord", "password_again": "ett-nytt-lösenord"}
    assert admin.post(f"{page}/losenord", password, token_from=page).status_code == 302
    assert client.get(page).status_code == 200
    assert_session_ended(other_browser)
