"""Overdue invoices are marked in words in the ledger and the proposal, and the proposal shows
only the invoices due by a date (förfaller t.o.m.), kept in the address with its pages."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import Company
from inyett.services.paging import PAGE_SIZE
from tests.payments_helpers import add_many_invoices
from tests.payments_helpers import add_open_invoice

PROPOSAL = "/betalningar/forslag"
PAYEE = ("Skatteverket", "2021005448", "BGNR", "50501055")


@pytest.fixture
def invoices(app):
    """Due before today (2026-11-24 in the tests), today, and later."""
    with app.app_context():
        company = db.session.scalar(select(Company))
        for number, due in (
            ("SEN", "2026-11-20"),
            ("IDAG", "2026-11-24"),
            ("SENARE", "2026-12-20"),
        ):
            invoice = add_open_invoice(company, PAYEE, number, "100.00", f"Faktura {number}")
            invoice.due_date = date.fromisoformat(due)
        db.session.commit()


def row_of(html: str, number: str) -> str:
    return next(row for row in html.split("<tr") if f">{number}<" in row)


@pytest.mark.parametrize("page", ["/reskontra", PROPOSAL])
def test_an_invoice_past_its_due_date_is_marked_forfallen_in_words(auth, invoices, page):
    auth.login("betalare")
    html = auth.client.get(page).get_data(as_text=True)
    assert "Förfallen 2026-11-20" in row_of(html, "SEN")
    assert "Förfallen" not in row_of(html, "IDAG")  # due today is not overdue yet
    assert "Förfallen" not in row_of(html, "SENARE")


def invoice_numbers(html: str) -> list[str]:
    return re.findall(r'aria-label="Betala faktura ([^"]+)"', html)


def test_the_proposal_shows_the_invoices_due_by_a_date(auth, invoices):
    auth.login("betalare")
    html = auth.client.get(f"{PROPOSAL}?company=1&forfaller=2026-11-24").get_data(as_text=True)
    assert invoice_numbers(html) == ["SEN", "IDAG"]
    assert 'name="forfaller"' in html and 'value="2026-11-24"' in html


def test_a_bad_date_in_the_filter_is_told_in_swedish_and_filters_nothing(auth, invoices):
    auth.login("betalare")
    response = auth.client.get(f"{PROPOSAL}?company=1&forfaller=2026-02-30")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Förfaller t.o.m." in html and "finns inte" in html
    assert invoice_numbers(html) == ["SEN", "IDAG", "SENARE"]


def test_the_filter_stays_in_the_address_when_paging(app, auth):
    with app.app_context():
        add_many_invoices(PAGE_SIZE + 10)  # due 2026-11-26
        company = db.session.scalar(select(Company))
        later = add_open_invoice(company, PAYEE, "SENARE", "1.00", "Faktura SENARE")
        later.due_date = date(2026, 12, 20)
        db.session.commit()
    auth.login("betalare")
    html = auth.client.get(f"{PROPOSAL}?company=1&forfaller=2026-11-30").get_data(as_text=True)
    assert f"av {PAGE_SIZE + 10} fakturor" in html
    next_page = re.search(r'<a href="([^"]+)"[^>]*>Nästa ›</a>', html).group(1)
    assert next_page.replace("&amp;", "&") == f"{PROPOSAL}?company=1&forfaller=2026-11-30&sida=2"
    second = auth.client.get(next_page.replace("&amp;", "&")).get_data(as_text=True)
    assert len(invoice_numbers(second)) == 10
    assert "SENARE" not in invoice_numbers(second)


def test_a_filter_that_leaves_nothing_says_so(auth, invoices):
    auth.login("betalare")
    html = auth.client.get(f"{PROPOSAL}?company=1&forfaller=2026-11-01").get_data(as_text=True)
    assert "Bolaget har inga öppna leverantörsfakturor som förfaller t.o.m. 2026-11-01." in html
