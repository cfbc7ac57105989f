import re
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer
from playwright.sync_api import expect

from tests.browser.conftest import SIMULATOR_KEY
from tests.browser.conftest import login
from tests.conftest import signer_from_the_past

pytestmark = pytest.mark.browser

PAGE = "/systeminstallningar/inyett-api"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def settings_page(page):
    login(page, "admin")
    page.goto(PAGE)
    return page


def bar(page):
    return page.get_by_text("Det finns osparade ändringar")


def save_key(page, key=SIMULATOR_KEY):
    page.fill("#api_key", key)
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Inställningarna är sparade.")).to_be_visible()


def test_the_bar_follows_the_form_and_hides_when_edits_are_undone(settings_page):
    page = settings_page
    expect(bar(page)).to_be_hidden()
    page.fill("#batch_reference", "AcmeProd")
    expect(bar(page)).to_be_visible()
    page.fill("#batch_reference", "")
    expect(bar(page)).to_be_hidden()
    page.click("#one_payment_per_batch")
    expect(bar(page)).to_be_visible()
    page.click("#one_payment_per_batch")
    expect(bar(page)).to_be_hidden()
    assert page.console_errors == []


def test_avbryt_restores_the_saved_values(settings_page):
    page = settings_page
    page.fill("#batch_reference", "Osparad")
    page.click("#one_payment_per_batch")
    page.get_by_role("link", name="Avbryt").click()
    expect(page.locator("#batch_reference")).to_have_value("")
    expect(page.locator("#one_payment_per_batch")).to_be_checked()
    expect(bar(page)).to_be_hidden()


def test_spara_persists_across_a_reload_and_the_key_never_comes_back(settings_page):
    page = settings_page
    page.fill("#batch_reference", "AcmeProd")
    save_key(page)
    expect(bar(page)).to_be_hidden()
    page.reload()
    expect(page.locator("#batch_reference")).to_have_value("AcmeProd")
    assert SIMULATOR_KEY not in page.content()
    assert SIMULATOR_KEY not in page.request.get(PAGE).text()
    expect(page.get_by_text("En nyckel är sparad")).to_be_visible()


def test_leaving_with_unsaved_changes_asks_first(settings_page):
    page = settings_page
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.fill("#batch_reference", "Osparad")
    page.get_by_role("link", name="Kö till Inyett").click()
    expect(page).to_have_url(re.compile(re.escape(PAGE) + "$"))
    assert dialogs == ["beforeunload"]


def test_leaving_without_changes_does_not_ask(settings_page):
    page = settings_page
    page.on("dialog", lambda dialog: pytest.fail("asked without unsaved changes"))
    page.get_by_role("link", name="Kö till Inyett").click()
    expect(page.get_by_role("heading", name="Kö till Inyett")).to_be_visible()


def test_testa_uppkoppling_answers_inline_without_reloading(settings_page):
    page = settings_page
    save_key(page)
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Testa uppkoppling").click()
    expect(page.locator("#connection-test")).to_contain_text("Uppkoppling OK!")
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("#connection-test")).to_contain_text("Senaste test")
    assert page.console_errors == []


def test_testa_uppkoppling_with_unsaved_changes_says_save_first(settings_page):
    page = settings_page
    save_key(page)
    page.fill("#batch_reference", "Osparad")
    page.get_by_role("button", name="Testa uppkoppling").click()
    expect(page.locator("#connection-test")).to_contain_text("Spara först")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "settings-unsaved.png"), full_page=True)


def test_a_bad_batch_reference_is_a_message_on_the_field(settings_page):
    page = settings_page
    page.fill("#batch_reference", "Bolag Prod")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Använd bara bokstäverna a–z")).to_be_visible()
    expect(bar(page)).to_be_visible()
    assert page.console_errors == []


def test_a_page_left_open_too_long_tells_the_user_to_reload(settings_page, live):
    page, (app, _url) = settings_page, live
    cookie = next(c for c in page.context.cookies() if c["name"] == "session")
    session = app.session_interface.get_signing_serializer(app).loads(cookie["value"])
    with app.test_request_context():
        stale = URLSafeTimedSerializer(
            app.secret_key,
            salt="wtf-csrf-token",
            signer=signer_from_the_past(app.config["WTF_CSRF_TIME_LIMIT"] + 60),
        ).dumps(session["csrf_token"])
    # What the page would hold had it been loaded that long ago: the header and the form field.
    page.evaluate(
        """token => {
            document.body.setAttribute("hx-headers", JSON.stringify({"X-CSRFToken": token}));
            document.querySelectorAll("input[name=csrf_token]").forEach(i => { i.value = token; });
        }""",
        stale,
    )
    page.get_by_role("button", name="Testa uppkoppling").click()
    expect(page.get_by_role("alert")).to_contain_text("Ladda om sidan")
    expect(page.locator("#connection-test")).not_to_contain_text("Uppkoppling OK!")


@pytest.mark.parametrize("back_to_saved", ["avbryt", "undo typing"])
def test_the_save_first_notice_goes_when_the_form_is_back_to_saved(settings_page, back_to_saved):
    page = settings_page
    save_key(page)
    page.fill("#batch_reference", "Osparad")
    page.get_by_role("button", name="Testa uppkoppling").click()
    expect(page.locator("#connection-test")).to_contain_text("Spara först")
    if back_to_saved == "avbryt":
        page.get_by_role("link", name="Avbryt").click()
    else:
        page.fill("#batch_reference", "")
    expect(bar(page)).to_be_hidden()
    expect(page.locator("#connection-test")).not_to_contain_text("Spara först")


def test_a_rejected_save_keeps_inyett_api_marked_in_the_menu(settings_page):
    page = settings_page
    page.fill("#batch_reference", "Bolag Prod")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Använd bara bokstäverna a–z")).to_be_visible()
    expect(page.get_by_role("link", name="Inyett API")).to_have_attribute("aria-current", "page")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "settings-rejected-save.png"), full_page=True)


def test_the_audit_log_with_bad_parameters(settings_page):
    page = settings_page
    page.goto("/systeminstallningar/logg?sida=-1&fran=x&typ=zzz")
    expect(page.get_by_text("Sidan finns inte.")).to_be_visible()
    expect(page.get_by_role("link", name="Äldre ›")).to_have_count(0)
    expect(page.get_by_text("Systeminställningar › Säkerhet › Händelselogg")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "audit-log-bad-parameters.png"), full_page=True)
