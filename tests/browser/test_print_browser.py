"""Printing the attestation list and the Betalfil page: on paper they are the auditor's
attestation record, with who made and who attested each payment and Inyett's answer, and
nothing of the screen that is for doing."""

import pytest
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import Payment
from inyett.models import User
from inyett.services import attestation
from tests.browser.conftest import login
from tests.browser.test_attest_browser import payments_in_file

pytestmark = pytest.mark.browser

# A4 landscape at the browser's 96 dpi, as print.css sets the page.
A4_LANDSCAPE = {"width": 1123, "height": 794}


def display_of(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(
        selector, "nodes => nodes.map(node => getComputedStyle(node).display)"
    )


def attest_first(live, payment_ids) -> None:
    app, _ = live
    with app.app_context():
        attester = db.session.scalar(select(User).where(User.username == "attestant"))
        payment = db.session.get(Payment, payment_ids[0])
        attestation.attest(payment, user=attester, acknowledged=False)
        db.session.remove()


def printed(page, path: str, tmp_path, name: str) -> None:
    """Open `path` as the printer sees it; a PDF and an image of it are left in `tmp_path`."""
    page.set_viewport_size(A4_LANDSCAPE)
    page.goto(path)
    page.emulate_media(media="print")
    page.pdf(path=str(tmp_path / f"{name}.pdf"), format="A4", landscape=True)
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)


def assert_only_the_record_is_printed(page) -> None:
    for selector in (".sidebar", ".topbar form", "button", ".filters", ".view-switch"):
        assert set(display_of(page, selector)) <= {"none"}, selector
    # Nothing cut off at the right edge of the paper.
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_LANDSCAPE["width"]


def test_the_printed_attest_list_says_who_made_and_who_attested_each_payment(page, live, tmp_path):
    ids = payments_in_file(live, warned=True)
    attest_first(live, ids)
    login(page, "attestant")
    printed(page, "/attest?status=attesterade", tmp_path, "attest-attesterade")
    assert_only_the_record_is_printed(page)
    headers = page.locator(".attest-table thead th")
    visible = [h.inner_text().strip() for h in headers.all() if h.is_visible()]
    assert visible == [
        "LEVERANTÖR",
        "FAKTURANR",
        "OCR / MEDDELANDE",
        "MOTTAGARKONTO",
        "BELOPP",
        "INYETTS SVAR",
        "SKAPAD AV",
        "ATTESTERAD AV",
    ]
    cells = page.locator(f"#payment-{ids[0]} td.print-cell")
    assert display_of(page, f"#payment-{ids[0]} td.print-cell") == ["table-cell", "table-cell"]
    assert cells.nth(0).inner_text().startswith("betalare ")
    assert cells.nth(1).inner_text().startswith("attestant ")
    assert page.locator(f"#payment-{ids[0]} .inyett-col").is_visible()

    printed(page, "/attest", tmp_path, "attest-att-attestera")
    assert_only_the_record_is_printed(page)
    waiting = page.locator(f"#payment-{ids[-1]}")
    assert waiting.locator("td.print-cell").nth(1).inner_text() == "Ej attesterad"
    # The warning from the warning list, with its explanation, is on the paper.
    assert "Varningslista" in waiting.inner_text()


def test_the_printed_file_page_is_the_attestation_record_of_the_file(page, live, tmp_path):
    ids = payments_in_file(live, warned=True)
    attest_first(live, ids)
    login(page, "betalare")
    with live[0].app_context():
        file_id = db.session.get(Payment, ids[0]).payment_file_id
    printed(page, f"/betalningar/filer/{file_id}", tmp_path, "betalfil")
    assert_only_the_record_is_printed(page)
    record = page.locator(f"#payment-{ids[0]}").inner_text()
    assert "betalare" in record and "attestant" in record and "Inga varningar" in record
    assert display_of(page, ".file-table .actions") == ["none"] * len(ids)
