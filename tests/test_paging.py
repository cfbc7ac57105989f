"""Leverantörer och fakturor and Betalningsförslag a page at a time: 15 000 open invoices made a
proposal page of 7.3 MB."""

import re

import pytest
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import Company
from inyett.models import PaymentFile
from inyett.services import ledger
from inyett.services.paging import PAGE_SIZE
from tests.ledger_helpers import many_suppliers_csv
from tests.payments_helpers import BANK_DAY_SOON
from tests.payments_helpers import add_many_invoices

PROPOSAL = "/betalningar/forslag"
MANY = 2 * PAGE_SIZE + 50


def invoice_boxes(html: str) -> list[str]:
    return re.findall(r'name="invoice_ids" value="(\d+)"', html)


def links(html: str) -> dict[str, str]:
    """The pager's links by their text, with &amp; read as &."""
    found = re.findall(r'<a href="([^"]+)"[^>]*>(‹ Föregående|Nästa ›)</a>', html)
    return {text: href.replace("&amp;", "&") for href, text in found}


@pytest.fixture
def many_invoices(app):
    with app.app_context():
        return add_many_invoices(MANY)


def test_the_proposal_shows_a_page_of_invoices_and_how_many_there_are(client, auth, many_invoices):
    auth.login("betalare")
    html = client.get(f"{PROPOSAL}?company=1").get_data(as_text=True)
    assert invoice_boxes(html) == [str(i) for i in many_invoices[:PAGE_SIZE]]
    assert f"Visar 1–{PAGE_SIZE} av {MANY} fakturor" in html
    assert "Markeringen gäller fakturorna på den här sidan" in html
    assert links(html) == {"Nästa ›": f"{PROPOSAL}?company=1&sida=2"}
    last = client.get(f"{PROPOSAL}?company=1&sida=3").get_data(as_text=True)
    assert invoice_boxes(last) == [str(i) for i in many_invoices[2 * PAGE_SIZE :]]
    assert f"Visar {2 * PAGE_SIZE + 1}–{MANY} av {MANY} fakturor" in last
    assert links(last) == {"‹ Föregående": f"{PROPOSAL}?company=1&sida=2"}


@pytest.mark.parametrize(("asked", "shown"), [("99", 3), ("0", 1), ("-4", 1), ("tre", 1)])
def test_a_page_that_does_not_exist_shows_the_nearest(client, auth, many_invoices, asked, shown):
    auth.login("betalare")
    response = client.get(f"{PROPOSAL}?company=1&sida={asked}")
    assert response.status_code == 200
    first = (shown - 1) * PAGE_SIZE + 1
    assert f"Visar {first}–" in response.get_data(as_text=True)


def test_invoices_ticked_on_a_later_page_are_paid_and_an_error_keeps_the_page(
    app, client, auth, many_invoices
):
    auth.login("betalare")
    chosen = many_invoices[PAGE_SIZE + 5 : PAGE_SIZE + 7]
    form = {"company": "1", "debtor_account": "1", "invoice_ids": chosen, "sida": "2"}
    refused = auth.post(
        PROPOSAL, {**form, "payment_date": "igår", "when": "samma-dag"}, token_from=PROPOSAL
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert invoice_boxes(html)[0] == str(many_invoices[PAGE_SIZE])
    for invoice_id in chosen:
        assert re.search(rf'value="{invoice_id}" id="invoice-{invoice_id}"[^>]*checked', html)
    created = auth.post(
        PROPOSAL, {**form, "payment_date": BANK_DAY_SOON, "when": "samma-dag"}, token_from=PROPOSAL
    )
    assert created.status_code == 302
    with app.app_context():
        (payment_file,) = db.session.scalars(select(PaymentFile)).all()
        assert sorted(p.invoice_id for p in payment_file.payments) == chosen


def test_an_invoice_paid_meanwhile_is_refused_by_its_number_not_as_an_invalid_choice(
    client, auth, many_invoices
):
    auth.login("betalare")
    response = auth.post(
        PROPOSAL,
        {
            "company": "1",
            "debtor_account": "1",
            "payment_date": BANK_DAY_SOON,
            "when": "samma-dag",
            "invoice_ids": "9",
        },
        token_from=PROPOSAL,
    )
    assert response.status_code == 302
    response = auth.post(
        PROPOSAL,
        {
            "company": "1",
            "debtor_account": "1",
            "payment_date": BANK_DAY_SOON,
            "when": "samma-dag",
            "invoice_ids": "9",
        },
        token_from=PROPOSAL,
    )
    assert response.status_code == 422
    assert "hann tas med i en annan betalning" in response.get_data(as_text=True)


@pytest.fixture
def many_suppliers(app):
    with app.app_context():
        company = db.session.get(Company, 1)
        ledger.import_invoices(company, many_suppliers_csv(MANY, "A"), actor="betalare")


def test_the_ledger_shows_a_page_of_invoices_and_of_suppliers_each_with_its_own_pager(
    client, auth, many_suppliers
):
    auth.login("betalare")
    html = client.get("/reskontra?company=1").get_data(as_text=True)
    assert len(re.findall(r'<td data-label="Fakturanr">A-\d+</td>', html)) == PAGE_SIZE
    assert (
        len(re.findall(r'<td data-label="Leverantör">Leverantör \d+ AB</td>', html))
        == 2 * PAGE_SIZE
    )
    assert f"Visar 1–{PAGE_SIZE} av {MANY} fakturor" in html
    assert f"Visar 1–{PAGE_SIZE} av {MANY} leverantörer" in html
    both = re.findall(r'<a href="([^"]+)"[^>]*>Nästa ›</a>', html)
    assert [href.replace("&amp;", "&") for href in both] == [
        "/reskontra?company=1&sida=2",
        "/reskontra?company=1&leverantorssida=2",
    ]
    later = client.get("/reskontra?company=1&sida=3&leverantorssida=2").get_data(as_text=True)
    assert f"Visar {2 * PAGE_SIZE + 1}–{MANY} av {MANY} fakturor" in later
    assert f"Visar {PAGE_SIZE + 1}–{2 * PAGE_SIZE} av {MANY} leverantörer" in later
    back = re.findall(r'<a href="([^"]+)"[^>]*>‹ Föregående</a>', later)
    assert [href.replace("&amp;", "&") for href in back] == [
        "/reskontra?company=1&sida=2&leverantorssida=2",
        "/reskontra?company=1&sida=3",
    ]


def test_a_short_list_has_no_pager(client, auth, app):
    with app.app_context():
        add_many_invoices(3)
    auth.login("betalare")
    for path in (f"{PROPOSAL}?company=1", "/reskontra?company=1"):
        html = client.get(path).get_data(as_text=True)
        assert "Visar " not in html and links(html) == {}


def test_thousands_are_written_the_swedish_way():
    from inyett.formatting import whole_number

    assert whole_number(15000) == "15\xa0000"
