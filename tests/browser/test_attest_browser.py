import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from inyett import secret_box
from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import Company
from inyett.models import Payment
from inyett.services import payments
from inyett.services.outbox import process_due
from inyett.services.settings import client_for_batch
from inyett.services.settings import get_settings
from tests.browser.conftest import SIMULATOR_KEY
from tests.browser.conftest import axe_violations
from tests.browser.conftest import login
from tests.payments_helpers import PAYMENT_DATE
from tests.payments_helpers import TODAY
from tests.payments_helpers import add_company
from tests.payments_helpers import add_invoices
from tests.payments_helpers import add_open_invoice
from tests.payments_helpers import create_file

pytestmark = pytest.mark.browser


def payments_in_file(live, one_payment_per_batch=True, wait_for_answers=True, warned=False):
    """A payment file of four payments sent to the simulator (a fifth to a payee on the
    simulator's Swedish warning list when `warned`); ids in file order."""
    app, _ = live
    app.config["OUTBOX_WORKER"] = False  # the test decides when Inyett is asked
    app.extensions["inyett_outbox_worker"].stop()
    with app.app_context():
        settings = get_settings()
        settings.api_key_ciphertext = secret_box.encrypt(SIMULATOR_KEY)
        settings.batch_reference = "B"
        settings.one_payment_per_batch = one_payment_per_batch
        settings.active = True
        db.session.commit()
        invoice_ids = add_invoices() + ([add_invoice_on_the_warning_list()] if warned else [])
        ids = [p.id for p in create_file(invoice_ids).payments]
        process_due(client_for_batch)  # sent; the simulator answers Pending for a while
        if wait_for_answers:
            wait_until_answered(app)
        db.session.remove()
    return ids


def add_invoice_on_the_warning_list() -> int:
    company = db.session.scalar(select(Company).where(Company.name == "Testbolaget AB"))
    payee = ("Varningsbolaget AB", "5599999991", "BGNR", "1609908")
    return add_open_invoice(company, payee, "V-7", "27000.00", "Konsulttjänster").id


def wait_until_answered(app):
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        process_due(client_for_batch)
        states = set(db.session.scalars(select(Payment.inyett_state)))
        if states == {"answered"}:
            return
        time.sleep(0.3)
    raise AssertionError("Inyett never answered")


def row(page, payment_id):
    return page.locator(f"#payment-{payment_id}")


def test_attest_replaces_only_its_row(page, live):
    ids = payments_in_file(live)
    login(page, "attestant")
    page.goto("/attest")
    other_before = row(page, ids[2]).inner_html()
    page.evaluate("window.notReloaded = true")
    row(page, ids[1]).get_by_role("button", name="Attestera").click()
    expect(row(page, ids[1])).to_contain_text("Attesterad")
    assert row(page, ids[2]).inner_html() == other_before
    assert page.evaluate("window.notReloaded") is True
    assert page.console_errors == []


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)])
def test_the_last_attest_of_a_file_offers_its_download_under_the_row(page, live, size):
    ids = payments_in_file(live)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    login(page, "attestant")
    page.goto("/attest")
    for payment_id in ids[:-1]:
        row(page, payment_id).get_by_role("button", name="Attestera").click()
        expect(row(page, payment_id)).to_contain_text("Attesterad")
    expect(page.locator(".file-ready")).to_have_count(0)
    row(page, ids[-1]).get_by_role("button", name="Attestera").click()
    ready = page.locator(".file-ready-row")
    expect(ready).to_contain_text("Filen är klar för banken: betalfil")
    download = ready.get_by_role("button", name="Ladda ner betalfil för banken (pain.001)")
    expect(download).to_be_focused()
    expect(download).to_be_in_viewport()
    expect(page.locator("#announcer")).to_contain_text("Filen är klar för banken")
    assert axe_violations(page) == []
    with page.expect_download() as downloaded:
        page.keyboard.press("Enter")
    assert downloaded.value.suggested_filename.endswith(".xml")
    expect(ready).to_contain_text("laddades ner för banken")
    expect(ready.get_by_role("link", name="Öppna betalfilen")).to_be_visible()
    assert page.console_errors == []


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)])
def test_skicka_igen_alla_sends_the_dropped_payments_and_focuses_its_answer(page, live, size):
    app, _ = live
    ids = payments_in_file(live, one_payment_per_batch=False)
    with app.app_context():
        dropped = [db.session.get(Payment, payment_id) for payment_id in ids[1:3]]
        for payment in dropped:
            payment.inyett_state = "removed"
        file_id = dropped[0].payment_file_id
        db.session.commit()
    page.set_viewport_size({"width": size[0], "height": size[1]})
    login(page, "betalare")
    page.goto(f"/betalningar/filer/{file_id}")
    expect(page.locator("#file-status")).to_contain_text(
        "2 betalningar i filen togs bort hos Inyett när en delad batch ångrades."
    )
    resend_all = page.get_by_role("button", name="Skicka igen alla (2)")
    expect(resend_all).to_be_in_viewport()
    resend_all.focus()
    page.keyboard.press("Enter")
    answer = page.locator("#file-status [role=status]")
    expect(answer).to_contain_text("2 betalningar skickas till Inyett igen")
    expect(answer).to_be_focused()
    expect(page.locator("#announcer")).to_contain_text("2 betalningar skickas till Inyett igen")
    expect(page.get_by_role("button", name="Skicka igen alla (2)")).to_have_count(0)
    assert axe_violations(page) == []
    assert page.console_errors == []


def test_undo_confirmation_lists_co_removed_payments_and_replaces_their_rows(page, live):
    ids = payments_in_file(live, one_payment_per_batch=False)
    login(page, "attestant")
    page.goto("/attest")
    row(page, ids[0]).get_by_role("button", name="Ångra").click()
    confirmation = row(page, ids[0])
    expect(confirmation).to_contain_text("Inyett tar bort även dessa 3")
    for name in ("Plusgirobolaget AB", "Bankbolaget AB", "Iban AB"):
        expect(confirmation.locator(".co-removed")).to_contain_text(name)
    confirmation.get_by_role("button", name="Ja, ångra").click()
    expect(row(page, ids[0])).to_contain_text("Ångrad")
    for other in ids[1:]:
        expect(row(page, other)).to_contain_text("Borttagen hos Inyett")
    assert page.console_errors == []


def test_a_waiting_row_turns_into_warnings_without_reload(page, live):
    app, _ = live
    ids = payments_in_file(live, wait_for_answers=False, warned=True)
    warned = row(page, ids[-1])
    login(page, "attestant")
    page.goto("/attest")
    expect(warned).to_contain_text("Väntar på svar från Inyett")
    # Inyett's answer, not the "Nytt konto" mark an account first paid here carries as well.
    expect(warned.locator(".inyett-col .badge-warning")).to_have_count(0)
    page.evaluate("window.notReloaded = true")
    with app.app_context():
        wait_until_answered(app)
        db.session.remove()
    expect(warned.locator(".inyett-col .badge-warning")).to_have_text("Varning", timeout=10_000)
    expect(warned).to_contain_text("Varningslista (Sverige)")
    expect(warned).not_to_contain_text("Väntar på svar från Inyett")
    # Attesting it now asks for the acknowledgement its warning requires.
    expect(warned).to_contain_text("Jag har granskat varningarna")
    expect(row(page, ids[0])).to_contain_text("Inga varningar")
    assert page.evaluate("window.notReloaded") is True
    assert page.console_errors == []


def test_the_filter_updates_the_list_and_the_url(page, live):
    payments_in_file(live)
    login(page, "attestant")
    page.goto("/attest")
    expect(page.locator("#payment-list")).to_contain_text("4 betalningar")
    page.fill("#search", "Plusgiro")
    expect(page.locator("#list-summary .count")).to_have_text("1 betalning")
    expect(page).to_have_url(re.compile(r"sok=Plusgiro"))
    page.reload()
    expect(page.locator("#search")).to_have_value("Plusgiro")
    expect(page.locator("#list-summary .count")).to_have_text("1 betalning")


def file_of_another_company_waiting_for_inyett(app) -> int:
    """A second company's file of one payment queued for Inyett (the worker is stopped)."""
    with app.app_context():
        company = add_company("Norrbolaget AB", "2021005448")
        payee = ("Norrlandsfrakt AB", "5560473521", "PGNR", "1234566")
        invoice = add_open_invoice(company, payee, "N-1", "500.00", "Frakt")
        payments.create_payment_file(
            company.id,
            [invoice.id],
            PAYMENT_DATE,
            debtor_account_id=company.debtor_accounts[0].id,
            actor="betalare",
            today=TODAY,
        )
        company_id = company.id
        db.session.remove()
    return company_id


def test_the_dropdown_filters_and_the_order_update_the_list_and_the_url(page, live):
    app, _ = live
    ids = payments_in_file(live, warned=True)
    other_company = file_of_another_company_waiting_for_inyett(app)
    login(page, "attestant")
    page.goto("/attest")
    count = page.locator("#list-summary .count")
    expect(count).to_have_text("6 betalningar")
    page.evaluate("window.notReloaded = true")

    page.select_option("#company", label="Norrbolaget AB")
    expect(count).to_have_text("1 betalning")
    expect(page.locator("#payment-list")).to_contain_text("Norrlandsfrakt AB")
    expect(page).to_have_url(re.compile(rf"bolag={other_company}(&|$)"))

    page.select_option("#company", label="Alla bolag")
    page.select_option("#filter", label="Med varningar")
    expect(count).to_have_text("1 betalning")
    expect(row(page, ids[-1]).locator(".inyett-col .badge-warning")).to_have_text("Varning")
    expect(row(page, ids[-1])).to_contain_text("Varningslista (Sverige)")
    expect(page).to_have_url(re.compile(r"filter=varningar"))
    assert not re.search(r"bolag=\d", page.url)

    page.select_option("#filter", label="Utan varningar")
    expect(count).to_have_text("4 betalningar")
    expect(page.locator("#payment-list .inyett-col .badge-warning")).to_have_count(0)
    expect(page.locator("#payment-list")).not_to_contain_text("Norrlandsfrakt AB")
    expect(page).to_have_url(re.compile(r"filter=utan-varningar"))

    page.select_option("#filter", label="Köad eller väntar på svar")
    expect(count).to_have_text("1 betalning")
    expect(page.locator("#payment-list")).to_contain_text("Norrlandsfrakt AB")
    expect(page).to_have_url(re.compile(r"filter=vantar"))

    page.select_option("#filter", label="Alla")
    groups = page.locator("#payment-list .group-row")
    expect(groups.first).to_contain_text("Testbolaget AB")  # by payment date, then file
    page.select_option("#sort", label="Betalfil, senaste först")
    expect(groups.first).to_contain_text("Norrbolaget AB")
    expect(page).to_have_url(re.compile(r"sortera=fil"))

    page.select_option("#status", label="Attesterade")
    expect(page.locator("#payment-list")).to_contain_text("Inga betalningar matchar.")
    expect(page).to_have_url(re.compile(r"status=attesterade"))
    page.select_option("#status", label="Att attestera")

    page.select_option("#company", label="Testbolaget AB")
    page.select_option("#filter", label="Utan varningar")
    page.fill("#search", "bolaget")
    expect(count).to_have_text("2 betalningar")  # Plusgirobolaget AB and Bankbolaget AB
    assert page.evaluate("window.notReloaded") is True
    listed = page.locator("#payment-list tbody").inner_text()

    page.reload()
    expect(count).to_have_text("2 betalningar")
    assert page.locator("#payment-list tbody").inner_text() == listed
    expect(page.locator("#company option:checked")).to_have_text("Testbolaget AB")
    expect(page.locator("#filter option:checked")).to_have_text("Utan varningar")
    expect(page.locator("#sort option:checked")).to_have_text("Betalfil, senaste först")
    expect(page.locator("#search")).to_have_value("bolaget")
    assert page.console_errors == []


def test_back_and_forward_restore_the_list_and_its_filter_controls(page, live):
    payments_in_file(live, warned=True)
    login(page, "attestant")
    page.goto("/attest")
    count = page.locator("#list-summary .count")
    expect(count).to_have_text("5 betalningar")
    page.evaluate("window.notReloaded = true")
    page.select_option("#filter", label="Med varningar")
    expect(count).to_have_text("1 betalning")
    page.fill("#search", "Plusgiro")
    expect(count).to_have_text("0 betalningar")
    expect(page).to_have_url(re.compile(r"sok=Plusgiro"))

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"sok=Plusgiro"))
    expect(count).to_have_text("1 betalning")
    expect(page.locator("#filter option:checked")).to_have_text("Med varningar")
    expect(page.locator("#search")).to_have_value("")
    page.go_back()
    expect(count).to_have_text("5 betalningar")
    expect(page.locator("#filter option:checked")).to_have_text("Alla")
    page.go_forward()
    expect(count).to_have_text("1 betalning")
    expect(page.locator("#filter option:checked")).to_have_text("Med varningar")
    page.go_forward()
    expect(count).to_have_text("0 betalningar")
    expect(page.locator("#search")).to_have_value("Plusgiro")
    # htmx restored each step from its history, without loading the page anew.
    assert page.evaluate("window.notReloaded") is True
    # A step htmx no longer holds (its cache is per tab and small) is asked of the server,
    # which answers with the whole page, not the list alone.
    page.evaluate("sessionStorage.removeItem('htmx-history-cache')")
    page.go_back()
    expect(count).to_have_text("1 betalning")
    expect(page.locator("#filter option:checked")).to_have_text("Med varningar")
    expect(page.locator("#search")).to_have_value("")
    expect(page.locator("#payment-list")).to_have_count(1)
    expect(page.locator("header.topbar")).to_have_count(1)
    assert page.console_errors == []


def test_skicka_igen_replaces_its_row_without_reload(page, live):
    app, _ = live
    ids = payments_in_file(live)
    with app.app_context():
        failed = db.session.get(Payment, ids[0])
        failed.batch.state = "failed"
        failed.inyett_state, failed.inyett_error = "failed", "Inyett svarade 500"
        db.session.commit()
        db.session.remove()
    login(page, "attestant")
    page.goto("/attest")
    expect(row(page, ids[0])).to_contain_text("Fel")
    page.evaluate("window.notReloaded = true")
    row(page, ids[0]).get_by_role("button", name="Skicka igen").click()
    expect(row(page, ids[0])).to_contain_text("Väntar på svar från Inyett")
    expect(row(page, ids[0]).get_by_role("button", name="Skicka igen")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    assert page.console_errors == []


def test_the_payers_file_page_fills_in_answers_by_itself_and_undoes_in_place(page, live):
    app, _ = live
    ids = payments_in_file(live, wait_for_answers=False)
    with app.app_context():
        file_id = db.session.get(Payment, ids[0]).payment_file_id
        db.session.remove()
    login(page, "betalare")
    page.goto(f"/betalningar/filer/{file_id}")
    expect(row(page, ids[0])).to_contain_text("Väntar på svar från Inyett")
    page.evaluate("window.notReloaded = true")
    with app.app_context():
        wait_until_answered(app)
        db.session.remove()
    for payment_id in ids:
        expect(row(page, payment_id)).to_contain_text("Inga varningar", timeout=10_000)
    row(page, ids[1]).get_by_role("button", name="Ångra").click()
    row(page, ids[1]).get_by_role("button", name="Ja, ångra").click()
    expect(row(page, ids[1])).to_contain_text("Ångrad")
    expect(page.locator("#file-status")).to_contain_text("3 av 3 betalningar väntar på attest.")
    assert page.evaluate("window.notReloaded") is True
    assert page.console_errors == []


def test_the_attest_list_fits_at_1400px_and_its_count_follows_an_undo(page, live):
    ids = payments_in_file(live)
    login(page, "attestant")
    page.goto("/attest")
    # Nothing cut off, nothing to scroll sideways: the last column ends inside its panel.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    panel = page.locator("#payment-list").bounding_box()
    for payment_id in ids:
        actions = row(page, payment_id).locator("td.actions").bounding_box()
        assert actions["x"] + actions["width"] <= panel["x"] + panel["width"]
    expect(page.locator("#list-summary")).to_contain_text("4 betalningar · Summa 20 683,60 SEK")
    row(page, ids[0]).get_by_role("button", name="Ångra").click()
    row(page, ids[0]).get_by_role("button", name="Ja, ångra").click()
    expect(row(page, ids[0])).to_contain_text("Ångrad")
    expect(page.locator("#list-summary")).to_contain_text("3 betalningar · Summa 2 233,60 SEK")
    assert page.console_errors == []


def test_the_proposal_sums_the_ticked_invoices_as_they_are_ticked(page, live):
    app, _ = live
    with app.app_context():
        add_invoices()
        db.session.remove()
    login(page, "betalare")
    page.goto("/betalningar/forslag")
    total = page.locator("[data-selection-total-output]")
    expect(total).to_have_text("Inga fakturor markerade.")
    page.get_by_label("Betala faktura F-1001").check()
    expect(total).to_have_text("Markerade: 1 faktura · Summa 18 450,00 SEK")
    page.get_by_label("Betala faktura F-1002").check()
    expect(total).to_have_text("Markerade: 2 fakturor · Summa 19 449,50 SEK")
    page.get_by_label("Betala faktura F-1001").uncheck()
    expect(total).to_have_text("Markerade: 1 faktura · Summa 999,50 SEK")
    assert page.console_errors == []


def attested_file(live):
    """A file whose four payments Inyett has answered and the attester attested: its id and
    the payment ids."""
    app, _ = live
    ids = payments_in_file(live)
    with app.app_context():
        for payment in db.session.scalars(select(Payment)):
            payment.status, payment.attested_by = "attested", "attestant"
        file_id = db.session.get(Payment, ids[0]).payment_file_id
        db.session.commit()
        db.session.remove()
    return file_id, ids


DOWNLOAD = "Ladda ner betalfil för banken (pain.001)"


def test_after_the_download_the_file_page_offers_no_undo(page, live):
    file_id, ids = attested_file(live)
    login(page, "betalare")
    page.goto(f"/betalningar/filer/{file_id}")
    expect(row(page, ids[0]).get_by_role("button", name="Ångra")).to_be_visible()
    page.evaluate("window.notReloaded = true")
    with page.expect_download() as download:
        page.get_by_role("button", name=DOWNLOAD).click()
    assert download.value.suggested_filename.endswith(".xml")
    expect(page.locator("#file-status")).to_contain_text(" av Betalare.")
    expect(page.get_by_role("button", name="Ångra")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    assert page.console_errors == []


def test_a_download_refused_because_the_file_changed_says_why_on_the_page(page, live):
    app, _ = live
    file_id, ids = attested_file(live)
    login(page, "betalare")
    page.goto(f"/betalningar/filer/{file_id}")
    page.evaluate("window.notReloaded = true")
    with app.app_context():  # someone else undoes an attest after this page was drawn
        db.session.get(Payment, ids[0]).status = "awaiting_attest"
        db.session.commit()
        db.session.remove()
    page.get_by_role("button", name=DOWNLOAD).click()
    expect(page.locator("#global-error")).to_be_visible()
    expect(page.locator("#global-error")).to_contain_text(
        "Filen är inte klar för banken. 1 av 4 betalningar väntar på attest."
    )
    assert page.evaluate("window.notReloaded") is True
    with app.app_context():
        assert db.session.get(Payment, ids[0]).payment_file.downloaded_at is None
        db.session.remove()


def test_a_download_from_a_page_left_open_too_long_says_reload(page, live):
    file_id, _ = attested_file(live)
    login(page, "betalare")
    page.goto(f"/betalningar/filer/{file_id}")
    page.evaluate("window.notReloaded = true")
    # As if the token had expired: the server no longer accepts it.
    page.locator("#file-status input[name=csrf_token]").evaluate("input => input.value = 'gammal'")
    page.get_by_role("button", name=DOWNLOAD).click()
    expect(page.locator("#global-error")).to_contain_text(
        "Sidan har varit öppen för länge eller saknar säkerhetstoken. "
        "Ladda om sidan och försök igen."
    )
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("#file-status")).not_to_contain_text(" av Betalare.")


def test_bulk_attest_replaces_its_rows_in_place_and_its_message_goes_with_the_next_action(
    page, live
):
    ids = payments_in_file(live)
    login(page, "attestant")
    page.goto("/attest?status=att-attestera")
    page.evaluate("window.notReloaded = true")
    summary = page.locator("#list-summary")
    expect(summary).to_contain_text("4 betalningar")
    attest_selected = page.get_by_role("button", name="Attestera markerade")
    message = page.locator("#bulk-result")
    attest_selected.click()  # nothing ticked
    expect(message).to_have_text("Markera de betalningar som ska attesteras.")
    row(page, ids[2]).get_by_role("button", name="Attestera").click()
    expect(row(page, ids[2])).to_contain_text("Attesterad")
    expect(message).to_have_text("")  # a later action went well: the old message is gone
    expect(summary).to_contain_text("3 betalningar")
    attest_selected.click()
    expect(message).to_have_text("Markera de betalningar som ska attesteras.")
    row(page, ids[0]).get_by_role("checkbox").check()
    expect(message).to_have_text("")  # a new selection: nor does it linger
    row(page, ids[1]).get_by_role("checkbox").check()
    attest_selected.click()
    page.get_by_role("dialog").get_by_role("button", name="Attestera 2 betalningar").click()
    # As with Attestera on one row: the rows stay where they were, saying Attesterad, and the
    # count follows the filter.
    expect(message).to_have_text("2 betalningar attesterade.")
    expect(row(page, ids[0])).to_contain_text("Attesterad")
    expect(row(page, ids[1])).to_contain_text("Attesterad")
    expect(summary).to_contain_text("1 betalning")
    assert page.evaluate("window.notReloaded") is True
    assert page.console_errors == []


def test_select_all_reviews_the_warnings_and_attests_every_row_in_one_go(page, live):
    app, _ = live
    ids = payments_in_file(live, warned=True)
    login(page, "attestant")
    page.set_viewport_size({"width": 1400, "height": 500})
    page.goto("/attest")
    total = page.locator("[data-selection-total-output]")
    expect(total).to_have_text("0 markerade")
    select_all = page.get_by_role("checkbox", name="Markera alla på sidan")
    row(page, ids[0]).get_by_role("checkbox", name=re.compile("^Markera")).check()
    expect(total).to_have_text(re.compile(r"^1 markerade · 18\s450,00 SEK$"))
    assert page.evaluate("document.querySelector('[data-select-all]').indeterminate") is True
    select_all.check()
    expect(total).to_have_text(re.compile(r"^5 markerade · 47\s683,60 SEK$"))
    expect(total).to_have_attribute("aria-live", "polite")
    # The bar stays at the bottom of the window while the list is scrolled.
    page.evaluate("window.scrollTo(0, 0)")
    bar = page.locator(".bulk-bar").bounding_box()
    assert bar["y"] + bar["height"] <= 500
    page.get_by_role("button", name="Attestera markerade").click()
    review = page.get_by_role("dialog")
    expect(review).to_contain_text("Granska 5 markerade betalningar")
    expect(review).to_contain_text("Varningslista (Sverige)")
    expect(review).not_to_contain_text("SwedishCompanyWarningList")
    attest = review.get_by_role("button", name="Attestera 5 betalningar")
    attest.click()  # not yet confirmed: the browser asks for the box first
    expect(review).to_be_visible()
    review.get_by_label("Jag har granskat varningarna för de markerade betalningarna").check()
    attest.click()
    expect(page.locator("#bulk-result > p")).to_have_text("5 betalningar attesterade.")
    # Every payment of the file is attested: the download is offered where the answer is.
    ready = page.locator("#bulk-result .file-ready")
    expect(ready).to_contain_text("Filen är klar för banken: betalfil")
    expect(
        ready.get_by_role("button", name="Ladda ner betalfil för banken (pain.001)")
    ).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_count(0)
    for payment_id in ids:
        expect(row(page, payment_id)).to_contain_text("Attesterad")
    with app.app_context():
        summaries = db.session.scalars(
            select(AuditEntry.summary).where(AuditEntry.kind == "attest")
        ).all()
    assert len(summaries) == 5
    assert [s for s in summaries if "granskade" in s] == [
        next(s for s in summaries if "Varningsbolaget AB" in s)
    ]
    assert summaries[-1].endswith("granskade varningarna: Varningslista (Sverige)")
    assert page.console_errors == []


def test_the_selected_menu_item_fits_inside_its_highlight(page, live):
    payments_in_file(live, wait_for_answers=False)
    login(page, "attestant")
    page.goto("/attest")
    current = page.locator('.sidebar a[aria-current="page"]')
    expect(current).to_have_text("Attest av leverantörsbetalningar")
    # The bold word "leverantörsbetalningar" is the widest: it must not stick out of the box.
    assert current.evaluate("a => a.scrollWidth <= a.clientWidth")
    sidebar, link = page.locator(".sidebar").bounding_box(), current.bounding_box()
    assert link["x"] + link["width"] <= sidebar["x"] + sidebar["width"]
