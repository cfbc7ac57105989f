from pathlib import Path

import pytest
from playwright.sync_api import expect

from inyett.services import ledger
from inyett.services import users
from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BAD_FILE = (
    ";".join(ledger.CSV_COLUMNS)
    + "\nFel AB;556036-0793;SE;BGNR;123-4567;F1;;Meddelande;abc;SEK;2026-13-01"
    + "\nKort;rad\n"
)


def test_a_failed_import_is_summarised_at_the_top_and_focused(page):
    login(page, "betalare")
    page.goto("/reskontra")
    expect(page.locator("#file-name")).to_have_text("Ingen fil vald")
    page.set_input_files(
        "#file",
        files=[{"name": "fakturor.csv", "mimeType": "text/csv", "buffer": BAD_FILE.encode()}],
    )
    expect(page.locator("#file-name")).to_have_text("fakturor.csv")
    page.get_by_role("button", name="Importera").click()
    summary = page.locator("#import-errors")
    expect(summary).to_contain_text("Filen importerades inte: 4 fel på 2 rader")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ledger-failed-import.png"), full_page=True)
    assert page.console_errors == []


def test_the_file_button_opens_the_file_chooser(page):
    login(page, "betalare")
    page.goto("/reskontra")
    with page.expect_file_chooser() as chooser:
        page.get_by_text("Välj CSV-fil").click()
    assert chooser.value.element.get_attribute("id") == "file"


def test_labels_stay_in_line_when_fields_show_messages(page):
    login(page, "betalare")
    page.goto("/reskontra")
    page.fill("#name", "Kontorsvaror AB")
    page.select_option("#account_type", "BGNR")
    page.fill("#account", "5050-1055")
    page.get_by_role("button", name="Spara leverantör").click()
    expect(page.get_by_text("Leverantören Kontorsvaror AB är sparad.")).to_be_visible()
    page.fill("#invoice_number", "K-1")
    page.fill("#ocr", "1234567801")
    page.fill("#amount", "12.345,5")
    page.fill("#due_date", "2026-02-30")
    page.get_by_role("button", name="Spara faktura").click()
    expect(page.get_by_text("Förfallodatum 2026-02-30 finns inte i kalendern.")).to_be_visible()
    form = page.locator("form", has=page.locator("#due_date"))
    tops = {round(label.bounding_box()["y"]) for label in form.locator("label").all()[:4]}
    assert len(tops) == 1, tops
    page.screenshot(path=str(ARTIFACTS / "ledger-invoice-errors.png"), full_page=True)


def test_a_payer_corrects_an_invoice_and_removes_another(page):
    login(page, "betalare")
    page.goto("/reskontra")
    page.fill("#name", "Kontorsvaror AB")
    page.select_option("#account_type", "BGNR")
    page.fill("#account", "5050-1055")
    page.get_by_role("button", name="Spara leverantör").click()
    for number in ("K-1", "K-2"):
        page.fill("#invoice_number", number)
        page.fill("#message", f"Faktura {number}")
        page.fill("#amount", "1 000,00")
        page.fill("#due_date", "2026-12-01")
        page.get_by_role("button", name="Spara faktura").click()
    page.get_by_role("link", name="Ändra faktura K-1").click()
    page.fill("#amount", "0")
    page.get_by_role("button", name="Spara ändringen").click()
    expect(page.get_by_text("Beloppet kan inte vara noll.")).to_be_visible()
    page.fill("#amount", "1 200,00")
    page.get_by_role("button", name="Spara ändringen").click()
    expect(page.get_by_text("Fakturan K-1 är ändrad.")).to_be_visible()
    expect(page.locator("tr", has_text="K-1")).to_contain_text("1 200,00")
    page.get_by_role("link", name="Ta bort faktura K-2").click()
    expect(
        page.get_by_role("heading", name="Ta bort faktura K-2 från Kontorsvaror AB?")
    ).to_be_visible()
    page.get_by_role("button", name="Ta bort").click()
    expect(page.get_by_text("Fakturan K-2 är borttagen.")).to_be_visible()
    expect(page.locator("tr", has_text="K-2")).to_have_count(0)
    assert page.console_errors == []


def test_one_payer_changes_a_suppliers_account_and_another_approves_it(browser, live):
    app, base_url = live
    with app.app_context():
        users.create_user("betalare2", "payer", PASSWORD, "Bea Betalare")
    first = browser.new_context(base_url=base_url, viewport={"width": 1400, "height": 900})
    second = browser.new_context(base_url=base_url, viewport={"width": 1400, "height": 900})
    entering, approving = first.new_page(), second.new_page()
    login(entering, "betalare")
    entering.goto("/reskontra")
    entering.fill("#name", "Kontorsvaror AB")
    entering.select_option("#account_type", "BGNR")
    entering.fill("#account", "5050-1055")
    entering.get_by_role("button", name="Spara leverantör").click()
    row = entering.locator("tr", has_text="Kontorsvaror AB")
    expect(row).to_contain_text("Ej godkänt")
    # The first account is approved like any other before a change is tried.
    login(approving, "betalare2")
    approve(approving, "Kontorsvaror AB", "Ringde kontoret på numret i avtalet")

    entering.goto("/reskontra")
    row.get_by_role("link", name="Ändra konto").click()
    entering.fill("#account", "5555-5551")
    entering.get_by_role("button", name="Spara nytt konto").click()
    expect(entering.get_by_text("Det nya kontot för Kontorsvaror AB är sparat.")).to_be_visible()
    expect(row).to_contain_text("Ej godkänt")
    row.get_by_role("link", name="Granska och godkänn").click()
    expect(entering.get_by_text("Du lade själv in kontot.")).to_be_visible()

    approving.goto("/reskontra")
    approve(
        approving,
        "Kontorsvaror AB",
        "Ringde Anna på 08-123 45 67 från avtalet",
        ["5050-1055", "5555-5551"],
    )
    approving.screenshot(path=str(ARTIFACTS / "ledger-account-approved.png"), full_page=True)
    first.close()
    second.close()


def approve(page, supplier: str, note: str, side_by_side=()):
    page.goto("/reskontra")
    row = page.locator("tr", has_text=supplier)
    row.get_by_role("link", name="Granska och godkänn").click()
    for account in side_by_side:
        expect(page.locator("table")).to_contain_text(account)
    page.get_by_label("Hur bekräftades kontot med leverantören?").fill(note)
    page.get_by_role("button", name="Godkänn kontot").click()
    expect(page.get_by_text("och kan betalas till.")).to_be_visible()
    expect(page.locator("tr", has_text=supplier)).to_contain_text("Godkänt")
