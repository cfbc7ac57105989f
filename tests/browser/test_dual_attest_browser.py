"""Två attestanter, walked in the browser: a payment above its company's limit needs two
different attesters, and the file is ready for the bank only after the second."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import Company
from inyett.models import Payment
from inyett.models import User
from inyett.services import attest_rights
from inyett.services import attestation
from inyett.services import users
from tests.browser.conftest import axe_violations
from tests.browser.conftest import login
from tests.browser.test_attest_browser import payments_in_file
from tests.browser.test_attest_browser import row
from tests.browser.test_layout_browser import SIZES
from tests.browser.test_layout_browser import resize
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

FIRST_GIVEN = "Du har gett den första attesten. En annan attestant behöver ge den andra."


def a_file_whose_large_payment_needs_two(live) -> tuple[int, int]:
    """Inyett has answered a file of four; Testbolaget AB needs two attesters above 10 000 SEK,
    so its 18 450,00 SEK payment needs two, and the other three are attested already. Berit
    Attestant is a second attester. The ids of the file and of the large payment."""
    app, _ = live
    large, *small = payments_in_file(live)
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        users.create_user("berit", "attester", PASSWORD, "Berit Attestant")
        company = db.session.scalar(select(Company).where(Company.name == "Testbolaget AB"))
        attest_rights.set_dual_limit(company, "SEK", Decimal("10000"), actor=admin)
        for payment_id in small:
            attestation.attest(db.session.get(Payment, payment_id), user=admin, acknowledged=False)
        file_id = db.session.get(Payment, large).payment_file_id
        db.session.remove()
    return file_id, large


def test_two_attesters_attest_a_large_payment_and_then_the_file_is_ready(page, live):
    file_id, large = a_file_whose_large_payment_needs_two(live)
    resize(page, SIZES["laptop"])
    login(page, "attestant")
    page.goto("/attest")
    payment = row(page, large)
    expect(payment).to_contain_text("0 av 2 attester")
    payment.get_by_role("button", name="Attestera").click()

    expect(payment).to_contain_text("1 av 2 attester")
    expect(payment).to_contain_text("första av attestant")
    expect(payment).to_contain_text(FIRST_GIVEN)
    # Nothing left for the first attester to press or select in the row.
    expect(payment.get_by_role("button", name="Attestera", disabled=False)).to_have_count(0)
    expect(payment.get_by_role("checkbox")).to_have_count(0)
    assert axe_violations(page) == []
    page.reload()  # as stored, not only as the answer drew it
    expect(payment).to_contain_text("1 av 2 attester")
    expect(payment.get_by_role("button", name="Attestera", disabled=False)).to_have_count(0)
    page.goto(f"/betalningar/filer/{file_id}")
    expect(page.locator("#file-status")).to_contain_text(
        "1 av 4 betalningar väntar på attest, varav 1 på den andra av två attester."
    )
    expect(
        page.get_by_role("button", name="Ladda ner betalfil för banken (pain.001)")
    ).to_have_count(0)

    page.get_by_role("button", name="Logga ut").click()
    login(page, "berit")
    page.goto("/attest")
    expect(payment).to_contain_text("1 av 2 attester")
    expect(payment).to_contain_text("första av attestant")
    payment.get_by_role("button", name="Attestera").click()
    expect(payment).to_contain_text("Attesterad")
    expect(payment).to_contain_text("av berit")
    expect(payment).to_contain_text("och attestant")
    expect(payment).not_to_contain_text("av 2 attester")
    # The second attest was the file's last: its download is offered under the row.
    expect(page.locator(".file-ready-row")).to_contain_text("Filen är klar för banken: betalfil")

    page.goto(f"/betalningar/filer/{file_id}")
    status = page.locator("#file-status")
    expect(status.get_by_text("Filen är klar för banken.")).to_be_visible()
    expect(
        status.get_by_role("button", name="Ladda ner betalfil för banken (pain.001)")
    ).to_be_visible()
    expect(status).not_to_contain_text("väntar på attest")
    assert page.console_errors == []
