import pytest
from playwright.sync_api import expect

from inyett.extensions import db
from tests.browser.conftest import login
from tests.payments_helpers import BANK_DAY_SOON
from tests.payments_helpers import approve_all_accounts

pytestmark = pytest.mark.browser


def add_invoice(page, number: str, amount: str, message: str) -> None:
    page.fill("#invoice_number", number)
    page.fill("#message", message)
    page.fill("#amount", amount)
    page.fill("#due_date", BANK_DAY_SOON)
    page.get_by_role("button", name="Spara faktura").click()
    expect(page.get_by_text(f"Fakturan {number} sparades")).to_be_visible()


def test_a_credit_note_is_entered_and_the_net_paid_on_the_due_date(page, live):
    login(page, "betalare")
    page.goto("/reskontra")
    page.fill("#name", "Kontorsvaror AB")
    page.select_option("#account_type", "BGNR")
    page.fill("#account", "5050-1055")
    page.get_by_role("button", name="Spara leverantör").click()
    expect(page.get_by_text("Leverantören Kontorsvaror AB är sparad.")).to_be_visible()
    add_invoice(page, "F-1", "1 000,00", "Faktura F-1")
    add_invoice(page, "K-1", "-300,00", "Kredit K-1")
    expect(page.get_by_text("Kreditfaktura")).to_be_visible()
    # A second person approves the new account (walked through in test_ledger_browser.py).
    with live[0].app_context():
        approve_all_accounts()
        db.session.remove()

    page.goto("/betalningar/forslag")
    expect(page.locator(".netting")).to_contain_text("Fakt F-1 kredit K-1, netto 700,00 SEK")
    expect(page.get_by_label("Betala på förfallodagen")).to_be_checked()
    page.get_by_label("Betala faktura F-1").check()
    page.get_by_label("Betala faktura K-1").check()
    page.get_by_role("button", name="Skapa betalning till fil").click()
    expect(page.get_by_text("Betalfilen är skapad med 1 betalning.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("700,00")
    expect(page.locator("main")).to_contain_text(BANK_DAY_SOON)
    assert page.console_errors == []
