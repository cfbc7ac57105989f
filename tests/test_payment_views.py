from sqlalchemy import select

from inyett.extensions import db
from inyett.models import Payment
from inyett.models import PaymentFile
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices

PROPOSAL = "/betalningar/forslag"


def test_a_payer_creates_a_payment_file_from_the_proposal(app, client, auth):
    with app.app_context():
        activate_inyett()
        invoice_ids = add_invoices()
    auth.login("betalare")
    page = client.get(PROPOSAL).get_data(as_text=True)
    assert "Skatteverket" in page and "Skapa betalning till fil" in page
    response = auth.post(
        PROPOSAL,
        {"company": "1", "payment_date": "2099-01-05", "invoice_ids": invoice_ids[:2]},
        token_from=PROPOSAL,
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Betalfilen är skapad med 2 betalningar." in html
    assert "Ej skickad – köad" in html
    with app.app_context():
        assert len(db.session.scalars(select(Payment)).all()) == 2


def test_bad_proposals_are_swedish_messages_and_store_nothing(app, client, auth):
    with app.app_context():
        invoice_ids = add_invoices()
    auth.login("betalare")
    cases = [
        ({"company": "1", "payment_date": "2099-01-05"}, "Välj minst en faktura"),
        (
            {"company": "1", "payment_date": "igår", "invoice_ids": invoice_ids[0]},
            "Inte ett giltigt datum",
        ),
        ({"company": "1", "payment_date": "2099-01-04", "invoice_ids": invoice_ids[0]}, "bankdag"),
        (
            {"company": "1", "payment_date": "2099-01-05", "invoice_ids": "999"},
            "inte ett giltigt val",
        ),
        (
            {"company": "77", "payment_date": "2099-01-05", "invoice_ids": invoice_ids[0]},
            "Inte ett giltigt val",
        ),
    ]
    for data, message in cases:
        response = auth.post(PROPOSAL, data, token_from=PROPOSAL)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    with app.app_context():
        assert db.session.scalars(select(PaymentFile)).all() == []


def test_attesters_cannot_create_payment_files(client, auth):
    auth.login("attestant")
    assert client.get(PROPOSAL).status_code == 403
