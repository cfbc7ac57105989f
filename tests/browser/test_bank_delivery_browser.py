"""The last step to the bank in a browser at 1366×768: a file whose date has passed is re-dated
on its page, downloaded with the new date, and a second download is confirmed first."""

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from inyett.extensions import db
from inyett.models import PaymentFile
from tests.browser.conftest import login
from tests.browser.test_attest_browser import DOWNLOAD
from tests.browser.test_attest_browser import attested_file

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WIDTH, HEIGHT = 1366, 768


def assert_in_view(locator):
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
    assert box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT


def test_a_passed_date_is_re_dated_and_a_second_download_is_confirmed(page, live, swedish_today):
    app, _ = live
    file_id, _ = attested_file(live)
    swedish_today.set(date(2026, 11, 28))  # a Saturday after the file's 2026-11-26
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    login(page, "betalare")
    page.goto(f"/betalningar/filer/{file_id}")
    page.evaluate("window.notReloaded = true")
    status = page.locator("#file-status")
    expect(status).to_contain_text("Betaldatum 2026-11-26 har passerat. Ändra till 2026-11-30?")
    expect(page.get_by_role("button", name=DOWNLOAD)).to_have_count(0)
    redate = page.get_by_role("button", name="Ändra betaldatum till 2026-11-30")
    assert_in_view(redate)
    page.screenshot(path=ARTIFACTS / "redate-offer-1366.png")

    redate.click()
    expect(status).to_contain_text("Betaldatum ändrat från 2026-11-26 till 2026-11-30.")
    expect(page.locator("#file-detail")).to_contain_text("Betaldatum 2026-11-30")
    with page.expect_download() as first:
        page.get_by_role("button", name=DOWNLOAD).click()
    assert b"2026-11-30" in Path(first.value.path()).read_bytes()
    expect(status).to_contain_text("av Betalare. Ladda ner igen bara om banken inte fick den;")
    again = page.get_by_role("button", name="Ladda ner igen")
    assert_in_view(again)
    page.screenshot(path=ARTIFACTS / "second-download-confirmation-1366.png")

    # Not ticked: the browser asks for the tick and nothing is downloaded.
    again.click()
    with app.app_context():
        assert db.session.get(PaymentFile, file_id).download_count == 1
        db.session.remove()
    page.get_by_label("Banken fick inte filen: ladda ner den igen").check()
    with page.expect_download() as second:
        again.click()
    assert Path(second.value.path()).read_bytes() == Path(first.value.path()).read_bytes()
    expect(status).to_contain_text("(2 gånger, första gången")
    assert page.evaluate("window.notReloaded") is True
    assert page.console_errors == []
    page.goto("/betalningar/filer")
    expect(page.get_by_role("cell", name="Nedladdad")).to_contain_text("(2 gånger)")
    page.screenshot(path=ARTIFACTS / "betalfiler-1366.png", full_page=True)
