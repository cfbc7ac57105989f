"""Every page at every width and by keyboard: actions in view, reflow at 320 px (400 % zoom),
focus and announcements after htmx swaps, the undo dialog, and axe-core's WCAG 2.2 A/AA."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import DebtorAccount
from inyett.models import Payment
from inyett.models import User
from tests.browser.conftest import axe_violations
from tests.browser.conftest import login
from tests.browser.test_attest_browser import payments_in_file
from tests.browser.test_attest_browser import row
from tests.browser.test_settings_browser import save_key
from tests.payments_helpers import add_invoices

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SIZES = {
    "small-laptop": (1280, 800),
    "laptop": (1366, 768),
    "desktop": (1920, 1080),
    "phone": (390, 844),
}
# 1280 CSS px at 400 % zoom is a 320 px wide viewport (WCAG 1.4.10 Reflow).
ZOOMED = (320, 640)

# Whatever scrolls sideways, the page or a box inside it: a table scrolling in its panel hides
# its last column just as well.
SIDEWAYS_SCROLLERS = """() => {
  const over = [];
  if (document.documentElement.scrollWidth > window.innerWidth) over.push("html");
  for (const el of document.querySelectorAll("body *")) {
    const style = getComputedStyle(el);
    if (["auto", "scroll"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      over.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + el.className);
    }
  }
  return over;
}"""


def resize(page, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})


def assert_in_view_without_scrolling(page, locator):
    box = locator.bounding_box()
    assert box is not None, locator
    width = page.evaluate("window.innerWidth")
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)


def assert_no_sideways_scroll(page):
    assert page.evaluate(SIDEWAYS_SCROLLERS) == [], page.url


def first_and_last(page):
    rows = page.locator("#payment-list tr.payment-row")
    return rows.first, rows.last


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_attest_and_undo_of_the_first_and_last_rows_are_in_view(page, live, size):
    payments_in_file(live, warned=True)
    resize(page, size)
    login(page, "attestant")
    page.goto("/attest")
    for payment_row in first_and_last(page):
        for name in ("Attestera", "Ångra"):
            assert_in_view_without_scrolling(page, payment_row.get_by_role("button", name=name))
    assert_no_sideways_scroll(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"attest-{size[0]}x{size[1]}.png", full_page=True)


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_the_status_of_every_payment_file_is_in_view(page, live, size):
    payments_in_file(live)
    resize(page, size)
    login(page, "betalare")
    page.goto("/betalningar/filer")
    assert_in_view_without_scrolling(page, page.locator("tbody td[data-label=Status]").last)
    assert_no_sideways_scroll(page)
    page.locator("tbody a").first.click()
    assert_in_view_without_scrolling(page, page.get_by_role("button", name="Ångra").last)
    assert_no_sideways_scroll(page)


def announced(page):
    return page.locator("#announcer")


def test_after_attest_focus_is_on_the_rows_next_action_and_the_success_is_said(page, live):
    ids = payments_in_file(live)
    login(page, "attestant")
    page.goto("/attest")
    row(page, ids[1]).get_by_role("button", name="Attestera").focus()
    page.keyboard.press("Enter")
    expect(row(page, ids[1])).to_contain_text("Attesterad")
    expect(row(page, ids[1]).get_by_role("button", name="Ångra")).to_be_focused()
    expect(announced(page)).to_have_text(
        "Betalningen till Plusgirobolaget AB (F-1002) är attesterad."
    )
    assert page.console_errors == []


def test_the_undo_dialog_keeps_focus_inside_closes_on_escape_and_gives_focus_back(page, live):
    ids = payments_in_file(live)
    login(page, "attestant")
    page.goto("/attest")
    undo = row(page, ids[2]).get_by_role("button", name="Ångra")
    undo.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Avbryt")).to_be_focused()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "attest-undo-dialog.png")
    # The rest of the page cannot be reached while it is open.
    for _ in range(5):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('dialog') !== null")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.closest('dialog') !== null")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(row(page, ids[2])).to_contain_text("Inga varningar")
    expect(row(page, ids[2]).get_by_role("button", name="Ångra")).to_be_focused()
    with live[0].app_context():
        assert db.session.get(Payment, ids[2]).status == "awaiting_attest"
        db.session.remove()
    assert page.console_errors == []


def test_after_undo_focus_is_on_the_rows_state_and_the_undo_is_said(page, live):
    ids = payments_in_file(live)
    login(page, "betalare")
    with live[0].app_context():
        file_id = db.session.get(Payment, ids[0]).payment_file_id
        db.session.remove()
    page.goto(f"/betalningar/filer/{file_id}")
    row(page, ids[0]).get_by_role("button", name="Ångra").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Ja, ångra").click()
    expect(row(page, ids[0])).to_contain_text("Ångrad")
    expect(row(page, ids[0]).locator(".actions .badge")).to_have_text("Ångrad")
    # Moved once htmx has settled the new row, a moment after it shows.
    expect(row(page, ids[0]).locator(".actions .badge")).to_be_focused()
    expect(announced(page)).to_have_text("Betalningen till Skatteverket (F-1001) är ångrad.")
    assert page.console_errors == []


def test_the_bulk_result_is_said_in_the_live_region(page, live):
    payments_in_file(live)
    login(page, "attestant")
    page.goto("/attest?status=att-attestera")
    page.locator("#payment-list [name=payment_ids]").first.check()
    page.get_by_role("button", name="Attestera markerade").click()
    page.get_by_role("dialog").get_by_role("button", name="Attestera 1 betalning").click()
    expect(announced(page)).to_have_text("1 betalning attesterad.")


def test_the_skip_link_is_first_and_goes_to_the_content(page, live):
    login(page, "attestant")
    page.goto("/attest")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hoppa till innehållet")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is in the page, not the menu
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_focus_is_visible(page, live):
    login(page, "attestant")
    page.goto("/betalningar/filer")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_testa_uppkoppling_is_disabled_while_it_runs_and_answers_in_a_lasting_live_region(
    page, live
):
    login(page, "admin")
    page.goto("/systeminstallningar/inyett-api")
    save_key(page)
    region = page.locator(".connection-result[role=status][aria-live=polite]")
    region.evaluate("element => { element.dataset.original = 'yes'; }")
    button = page.get_by_role("button", name="Testa uppkoppling")
    # The test's request is held back until the button has been seen disabled: asked from the
    # request event instead, a fast answer on a loaded machine could come first.
    held = []
    page.route(lambda url: "testa" in url, lambda route: held.append(route))
    button.click()
    expect(button).to_be_disabled()
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    held[0].continue_()
    expect(region).to_contain_text("Uppkoppling OK!")
    expect(button).to_be_enabled()
    expect(region).to_have_attribute("data-original", "yes")  # not swapped out itself


def test_the_menu_folds_behind_a_button_on_a_narrow_screen(page, live):
    resize(page, SIZES["phone"])
    login(page, "attestant")
    page.goto("/betalningar/filer")
    menu = page.get_by_role("button", name="Meny")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name="Attest av leverantörsbetalningar")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.get_by_role("link", name="Attest av leverantörsbetalningar").click()
    expect(page).to_have_url(re.compile("/attest$"))
    resize(page, SIZES["laptop"])
    expect(page.get_by_role("button", name="Meny")).to_be_hidden()
    expect(page.get_by_role("link", name="Betalfiler")).to_be_visible()


def test_without_javascript_the_menu_is_a_plain_list(browser, live):
    context = browser.new_context(
        base_url=live[1], java_script_enabled=False, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    login(page, "attestant")
    page.goto("/betalningar/filer")
    expect(page.get_by_role("button", name="Meny")).to_have_count(0)
    expect(page.get_by_role("link", name="Attest av leverantörsbetalningar")).to_be_visible()
    context.close()


def a_bit_of_everything(live):
    """A file answered by Inyett (one payment with a warning), open invoices for the payer's
    pages, and the ids the pages' addresses need."""
    app, _ = live
    ids = payments_in_file(live, warned=True)
    with app.app_context():
        add_invoices()
        found = {
            "file": db.session.get(Payment, ids[0]).payment_file_id,
            "user": db.session.scalar(select(User.id).where(User.username == "betalare")),
            "account": db.session.scalar(select(DebtorAccount.id)),
        }
        db.session.remove()
    return found


PAGES = {
    "admin": [
        "/",
        "/systeminstallningar/inyett-api",
        "/systeminstallningar/inyett-ko",
        "/systeminstallningar/bolag",
        "/systeminstallningar/bolag/konton/{account}",
        "/systeminstallningar/anvandare",
        "/systeminstallningar/anvandare/{user}",
        "/systeminstallningar/logg",
        "/reskontra",
        "/betalningar/forslag",
        "/betalningar/filer",
        "/betalningar/filer/{file}",
        "/attest",
    ],
    "betalare": [
        "/",
        "/reskontra",
        "/betalningar/forslag",
        "/betalningar/filer",
        "/betalningar/filer/{file}",
    ],
    "attestant": [
        "/",
        "/attest",
        "/betalningar/filer",
        "/betalningar/filer/{file}",
        "/konto/ersattare",
    ],
}


def check_here(page, checked):
    """axe on the page as it is now, and no sideways scrolling at 400 % zoom (320 px). Scrolled
    to the end first: the attest list's bulk bar sticks to the window's foot by design, and
    axe counts the row scrolled under it as a target too close to the bar's button (keyboard
    focus is kept clear of it by scroll-padding-bottom)."""
    # On a loaded machine the text a state waits for can show before the page's stylesheet has
    # loaded (after a plain form's POST), or while an htmx answer is still swapping or settling;
    # axe would then measure targets that are not drawn as users see them.
    page.wait_for_load_state("load")
    page.wait_for_function(
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    checked.append((page.url, axe_violations(page)))
    resize(page, ZOOMED)
    assert_no_sideways_scroll(page)
    resize(page, SIZES["laptop"])


def open_undo_dialog(page):
    page.locator("#payment-list, .file-table").get_by_role("button", name="Ångra").first.click()
    expect(page.get_by_role("alertdialog")).to_be_visible()


# The states in which a page shows more than when it opens: what is done in them on each page.
STATES = {
    "/systeminstallningar/inyett-api": [
        lambda page: page.fill("#batch_reference", "Osparad"),  # the unsaved bar
        lambda page: (
            page.get_by_role("button", name="Testa uppkoppling").click(),
            expect(page.locator("#connection-test")).to_contain_text("Uppkoppling OK!"),
        ),
        lambda page: (
            page.fill("#batch_reference", "Bolag Prod"),
            page.get_by_role("button", name="Spara").click(),
            expect(page.locator(".field-error")).to_be_visible(),
        ),
    ],
    "/systeminstallningar/anvandare": [
        lambda page: (
            page.get_by_role("button", name="Skapa användare").click(),
            expect(page.locator(".field-error").first).to_be_visible(),
        )
    ],
    "/betalningar/forslag": [
        lambda page: (
            page.get_by_role("button", name="Skapa betalning till fil").click(),
            expect(page.locator(".field-error").first).to_be_visible(),
        )
    ],
    "/attest": [
        lambda page: (
            page.get_by_role("button", name="Attestera markerade").click(),
            expect(page.locator("#bulk-result")).to_contain_text("Markera"),
        ),
        open_undo_dialog,
    ],
    "/betalningar/filer/{file}": [open_undo_dialog],
    "/konto/ersattare": [
        lambda page: (
            page.get_by_role("button", name="Lägg till ersättare").click(),
            expect(page.locator(".field-error").first).to_be_visible(),
        ),
        lambda page: (
            page.get_by_label("Ersättare").select_option(label="Admin (admin)"),
            page.get_by_label("Från och med").fill("2026-12-21"),
            page.get_by_label("Till och med").fill("2027-01-06"),
            page.get_by_role("button", name="Lägg till ersättare").click(),
            expect(
                page.get_by_text("Admin är din ersättare 2026-12-21–2027-01-06.")
            ).to_be_visible(),
        ),
    ],
}


@pytest.mark.parametrize("username", PAGES.keys())
def test_every_page_and_state_has_no_wcag_violations_and_reflows_at_320px(page, live, username):
    found = a_bit_of_everything(live)
    resize(page, SIZES["laptop"])
    checked = []
    login(page, username)
    for address in PAGES[username]:
        page.goto(address.format(**found))
        check_here(page, checked)
        for state in STATES.get(address, []) if address != "/attest" or username != "admin" else []:
            page.goto(address.format(**found))
            state(page)
            check_here(page, checked)
    assert [(url, found) for url, found in checked if found] == []
    assert page.console_errors == []


def test_the_pages_before_login_have_no_wcag_violations_and_reflow_at_320px(page, live):
    checked = []
    page.goto("/logga-in")
    check_here(page, checked)
    page.fill("#username", "attestant")
    page.fill("#password", "fel lösenord")
    page.click("button[type=submit]")
    expect(page.locator(".field-error, .flash").first).to_be_visible()
    check_here(page, checked)
    page.goto("/finns-inte")
    check_here(page, checked)
    assert [(url, found) for url, found in checked if found] == []
