import re

import pytest
import requests
import responses

from inyett import api_client
from inyett import demo
from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.services.settings import get_settings
from tests.conftest import INYETT_TEST_URL
from tests.conftest import INYETT_URL

PAGE = "/systeminstallningar/inyett-api"
TEST = "/systeminstallningar/inyett-api/testa-uppkoppling"
KEY = "abcd-efgh-ijkl-mnop-1234"
HTMX = {"HX-Request": "true"}
PROBE = f"/3/SE/payment-control/batches/{api_client.CONNECTION_TEST_BATCH_ID}/warnings"


def is_checked(html: str, field_id: str) -> bool:
    tag = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', html).group(0)
    return " checked" in tag


FIELD_OR_BUTTON = re.compile(
    r'<label for="\w+">(?:<input[^>]*>\s*<span>)?([^<]+)|<button type="button"[^>]*>([^<]+)<'
)


def field_order(html: str) -> list[str]:
    """The settings form's field labels and buttons, in page order."""
    form = html.split('class="settings-grid"')[1]
    return [(m.group(1) or m.group(2)).strip() for m in FIELD_OR_BUTTON.finditer(form)]


def saved_form(**fields):
    """The form as the page shows it for the default settings, with `fields` changed."""
    form = {"api_key": "", "batch_reference": "", "one_payment_per_batch": "y"}
    form.update(fields)
    return {name: value for name, value in form.items() if value is not None}


def stored(app):
    with app.app_context():
        settings = get_settings()
        return {
            name: getattr(settings, name)
            for name in (
                "api_key_ciphertext",
                "batch_reference",
                "one_payment_per_batch",
                "active",
                "use_test_environment",
            )
        }


def test_the_page_shows_the_fields_in_the_sheets_order_with_defaults(client, auth):
    auth.login()
    html = client.get(PAGE).get_data(as_text=True)
    assert field_order(html) == [
        "API-nyckel",
        "Batchreferens",
        "Skicka en betalning per batch",
        "Aktiv",
        "Testa uppkoppling",
    ]
    assert "Systeminställningar › Tjänster och API:er › Inyett API" in html
    assert "Inget bolag kan undantas" in html
    assert "XXXXProd och XXXXTest" in html
    assert is_checked(html, "one_payment_per_batch")
    assert not is_checked(html, "active")
    assert "Test- och utvecklingsmiljö" not in html
    assert "Testmiljö" not in html


@pytest.mark.parametrize("username", ["betalare", "attestant"])
def test_only_admins_reach_the_settings(client, auth, username):
    auth.login(username)
    response = client.get(PAGE)
    assert response.status_code == 403
    assert "Du har inte behörighet" in response.get_data(as_text=True)
    assert auth.post(PAGE, saved_form(batch_reference="X")).status_code == 403
    assert auth.post(TEST, saved_form()).status_code == 403


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/logga-in?next=")


def test_saving_stores_the_key_encrypted_and_never_shows_it_again(app, client, auth):
    auth.login()
    response = auth.post(PAGE, saved_form(api_key=KEY, batch_reference="AcmeProd", active="y"))
    assert response.status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "Inställningarna är sparade." in page
    assert KEY not in page
    assert "••••1234" in page
    values = stored(app)
    assert KEY not in values["api_key_ciphertext"]
    assert values["batch_reference"] == "AcmeProd"
    assert values["active"] is True


def test_saving_with_the_key_field_empty_keeps_the_stored_key(app, client, auth):
    auth.login()
    auth.post(PAGE, saved_form(api_key=KEY))
    before = stored(app)["api_key_ciphertext"]
    auth.post(PAGE, saved_form(batch_reference="Ny"))
    assert stored(app)["api_key_ciphertext"] == before


def test_active_cannot_be_switched_on_without_a_key(app, client, auth):
    auth.login()
    response = auth.post(PAGE, saved_form(active="y", batch_reference="Ref"))
    assert response.status_code == 422
    assert "Lägg in en API-nyckel innan kopplingen kan vara aktiv." in response.get_data(
        as_text=True
    )
    assert stored(app)["active"] is False
    assert stored(app)["batch_reference"] == ""


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("batch_reference", "Bolag Prod", "Använd bara bokstäverna a–z"),
        ("batch_reference", "Åhléns", "Använd bara bokstäverna a–z"),
        ("batch_reference", "x" * 13, "högst 12 tecken"),
        ("batch_reference", "<script>", "Använd bara bokstäverna a–z"),
        ("batch_reference", "Acme\u202eProd", "Använd bara bokstäverna a–z"),
        ("batch_reference", "Acme\x1b[31m", "Använd bara bokstäverna a–z"),
        ("batch_reference", "Acme\nProd", "Använd bara bokstäverna a–z"),
        ("api_key", "kort", "8–200 tecken"),
        ("api_key", "nyckel med mellanslag", "får inte innehålla mellanslag"),
        ("api_key", "x" * 201, "8–200 tecken"),
    ],
)
def test_bad_input_is_a_swedish_message_on_the_field_and_nothing_changes(
    app, client, auth, field, value, message
):
    auth.login()
    before = stored(app)
    response = auth.post(PAGE, saved_form(**{field: value}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "<script>" not in html.split("<main")[1]
    assert stored(app) == before


def test_the_unsaved_changes_bar_and_its_saved_state_are_on_the_page(client, auth):
    auth.login()
    html = client.get(PAGE).get_data(as_text=True)
    assert "Det finns osparade ändringar" in html
    assert "data-unsaved-bar hidden" in html
    assert "data-saved-state=" in html
    assert ">Avbryt<" in html and ">Spara<" in html


def test_a_post_without_csrf_token_is_refused_in_swedish(app, client, auth):
    auth.login()
    response = client.post(PAGE, data=saved_form(batch_reference="X"))
    assert response.status_code == 400
    assert "Ladda om sidan" in response.get_data(as_text=True)
    assert stored(app)["batch_reference"] == ""


def test_settings_changes_are_audited_with_the_key_only_as_changed(app, client, auth):
    auth.login()
    auth.post(PAGE, saved_form(api_key=KEY, batch_reference="AcmeProd"))
    with app.app_context():
        entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.kind == "settings")).one()
    assert entry.actor == "admin"
    assert "API-nyckel ändrad" in entry.summary
    assert 'Batchreferens: "" → "AcmeProd"' in entry.summary
    assert KEY not in entry.summary


@responses.activate
def test_testa_uppkoppling_answers_ok_inline_and_remembers_it(app, client, auth):
    auth.login()
    auth.post(PAGE, saved_form(api_key=KEY))
    responses.get(INYETT_URL + PROBE, status=404, json={"code": 404})
    response = auth.post(TEST, saved_form(), headers=HTMX, token_from=PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.startswith('<div id="connection-test"')
    assert "Uppkoppling OK!" in html
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {KEY}"
    assert "Senaste test" in client.get(PAGE).get_data(as_text=True)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"status": 401}, "Inyett godtog inte API-nyckeln"),
        ({"body": requests.ConnectionError()}, "Inyett svarar inte"),
        ({"body": requests.Timeout()}, "tidsgränsen"),
        ({"status": 502}, "tillfälligt fel (HTTP 502)"),
    ],
)
@responses.activate
def test_testa_uppkoppling_gives_a_reason_a_person_can_act_on(app, client, auth, answer, message):
    auth.login()
    auth.post(PAGE, saved_form(api_key=KEY))
    responses.get(INYETT_URL + PROBE, **answer)
    html = auth.post(TEST, saved_form(), headers=HTMX, token_from=PAGE).get_data(as_text=True)
    assert message in html
    assert KEY not in html
    with app.app_context():
        assert get_settings().last_test_ok is False


def test_testa_uppkoppling_without_a_key_says_to_save_one(client, auth):
    auth.login()
    html = auth.post(TEST, saved_form(), headers=HTMX, token_from=PAGE).get_data(as_text=True)
    assert "Ingen API-nyckel är sparad" in html


@responses.activate
def test_testa_uppkoppling_with_unsaved_changes_says_save_first(client, auth):
    auth.login()
    auth.post(PAGE, saved_form(api_key=KEY))
    html = auth.post(
        TEST, saved_form(batch_reference="Osparad"), headers=HTMX, token_from=PAGE
    ).get_data(as_text=True)
    assert "Spara först" in html
    assert len(responses.calls) == 0


def test_a_production_installation_ignores_a_posted_test_environment(app, client, auth):
    auth.login()
    auth.post(PAGE, saved_form(use_test_environment="y", batch_reference="P"))
    assert stored(app)["use_test_environment"] is False
    assert stored(app)["batch_reference"] == "P"


@responses.activate
def test_a_production_installation_with_the_test_environment_stored_on_is_not_stuck(
    app, client, auth
):
    # A database carried over from a test installation keeps the switch on; the production
    # page has no switch, so its form posts it as off.
    auth.login()
    auth.post(PAGE, saved_form(api_key=KEY))
    with app.app_context():
        get_settings().use_test_environment = True
        db.session.commit()
    responses.get(INYETT_URL + PROBE, status=404, json={"code": 404})
    html = auth.post(TEST, saved_form(), headers=HTMX, token_from=PAGE).get_data(as_text=True)
    assert "Uppkoppling OK!" in html
    assert "Spara först" not in html
    saved = auth.post(PAGE, saved_form())
    assert "Inget var ändrat." in client.get(saved.location).get_data(as_text=True)


@responses.activate
def test_a_test_installation_shows_the_badge_and_switch_and_uses_the_test_url(
    test_installation_app,
):
    from tests.conftest import Auth

    client = test_installation_app.test_client()
    auth = Auth(client)
    auth.login()
    html = client.get(PAGE).get_data(as_text=True)
    assert "Testmiljö" in html
    assert field_order(html) == [
        "API-nyckel",
        "Test- och utvecklingsmiljö",
        "Batchreferens",
        "Skicka en betalning per batch",
        "Aktiv",
        "Testa uppkoppling",
    ]
    assert "Testmiljö" in client.get("/").get_data(as_text=True)
    auth.post(PAGE, saved_form(api_key=KEY, use_test_environment="y"))
    assert stored(test_installation_app)["use_test_environment"] is True
    responses.get(INYETT_TEST_URL + PROBE, status=403)
    html = auth.post(
        TEST, saved_form(use_test_environment="y"), headers=HTMX, token_from=PAGE
    ).get_data(as_text=True)
    assert "inte tillgång till Inyetts testmiljö" in html


@responses.activate
def test_the_page_shows_why_the_last_test_failed(client, auth):
    auth.login()
    auth.post(PAGE, saved_form(api_key=KEY))
    responses.get(INYETT_URL + PROBE, status=401)
    auth.post(TEST, saved_form(), headers=HTMX, token_from=PAGE)
    page = client.get(PAGE).get_data(as_text=True)
    line = re.search(r"Senaste test [^<]*", page).group(0)
    assert "misslyckades – Inyett godtog inte API-nyckeln" in line


def test_a_rejected_save_keeps_the_menu_item_marked(client, auth):
    auth.login()
    response = auth.post(PAGE, saved_form(batch_reference="Bolag Prod"))
    assert response.status_code == 422
    assert f'<a href="{PAGE}" aria-current="page">Inyett API</a>' in response.get_data(as_text=True)


def test_the_save_first_notice_can_be_cleared_by_the_page(client, auth):
    auth.login()
    auth.post(PAGE, saved_form(api_key=KEY))
    html = auth.post(
        TEST, saved_form(batch_reference="Osparad"), headers=HTMX, token_from=PAGE
    ).get_data(as_text=True)
    assert re.search(r"<p [^>]*data-unsaved-notice>Det finns osparade ändringar", html)


def test_the_demo_key_is_shown_masked_like_a_saved_one(app, client, auth):
    with app.app_context():
        # The demo loads only into an empty database.
        db.drop_all()
        db.create_all()
        demo.seed()
    auth.login("admin", "admin-demo-2026")
    page = client.get(PAGE).get_data(as_text=True)
    assert 'slutar på <span class="masked">••••' + demo.DEMO_API_KEY[-4:] in page
    # Saved by the demo data, which no one should take for a user called "demo".
    assert "av demodata." in page
    log = client.get("/systeminstallningar/logg").get_data(as_text=True)
    assert '<td data-label="Användare">demodata</td>' in log
    assert '<td data-label="Användare">demo</td>' not in log


def test_the_start_page_links_an_admin_to_every_settings_page(client, auth):
    auth.login("admin")
    home = client.get("/").get_data(as_text=True)
    for href in (
        "/systeminstallningar/inyett-api",
        "/systeminstallningar/inyett-ko",
        "/systeminstallningar/anvandare",
        "/systeminstallningar/bolag",
        "/systeminstallningar/logg",
    ):
        assert f'href="{href}"' in home
    assert "Kö till Inyett</a>" in home and "Användare</a>" in home and "Händelselogg</a>" in home


def test_the_start_page_links_no_one_else_to_the_settings(client, auth):
    auth.login("attestant")
    assert "/systeminstallningar" not in client.get("/").get_data(as_text=True)
