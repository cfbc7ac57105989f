import time

import pytest
import requests
from sqlalchemy import select

from inyett import secret_box
from inyett.extensions import db
from inyett.models import InyettBatch
from inyett.models import Payment
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.services.settings import get_settings
from tests.e2e.conftest import SIMULATOR_KEY
from tests.payments_helpers import BANK_DAY_SOON
from tests.payments_helpers import add_invoices

pytestmark = pytest.mark.e2e

HTMX = {"HX-Request": "true"}


def prepare(app, one_payment_per_batch):
    with app.app_context():
        settings = get_settings()
        settings.api_key_ciphertext = secret_box.encrypt(SIMULATOR_KEY)
        settings.batch_reference = "E2E"
        settings.one_payment_per_batch = one_payment_per_batch
        settings.active = True
        db.session.commit()
        return add_invoices()


def wait_for(condition, seconds=15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def payment_states(app):
    with app.app_context():
        states = {p.invoice_number: p.inyett_state for p in db.session.scalars(select(Payment))}
        db.session.remove()
        return states


def create_file(browserless, invoice_ids):
    response = browserless.post(
        "/betalningar/forslag",
        {
            "company": "1",
            "debtor_account": "1",
            "payment_date": BANK_DAY_SOON,
            "when": "samma-dag",
            "invoice_ids": invoice_ids,
        },
        token_from="/betalningar/forslag",
    )
    assert "Betalfilen är skapad" in response.text


def test_a_file_is_sent_and_warnings_arrive(live, browserless, simulator_url):
    app, _ = live
    invoice_ids = prepare(app, one_payment_per_batch=True)
    with app.app_context():
        skatteverket = db.session.scalar(select(Supplier.id).where(Supplier.name == "Skatteverket"))
        db.session.remove()
    browserless.login("betalare")
    # Above the simulator's amount limit (100 000,00): Inyett warns about it.
    added = browserless.post(
        "/reskontra/fakturor?company=1",
        {
            "supplier": skatteverket,
            "invoice_number": "F-2001",
            "ocr": "",
            "message": "Faktura F-2001",
            "amount": "150 000,00",
            "currency": "SEK",
            "due_date": BANK_DAY_SOON,
        },
        token_from="/reskontra",
    )
    assert "Fakturan F-2001 sparades med beloppet 150\xa0000,00 SEK." in added.text
    with app.app_context():
        large = db.session.scalar(
            select(SupplierInvoice.id).where(SupplierInvoice.invoice_number == "F-2001")
        )
        db.session.remove()
    create_file(browserless, [*invoice_ids, large])
    wait_for(lambda: set(payment_states(app).values()) == {"answered"})
    held = requests.get(f"{simulator_url}/_simulator/batches", timeout=5).json()["production"]
    with app.app_context():
        stored = db.session.scalars(select(InyettBatch.external_id))
        assert sorted(b["externalId"] for b in held) == sorted(stored)
    assert len(held) == 5 and all(b["externalId"].startswith("E2E-") for b in held)
    browserless.session.cookies.clear()
    browserless.login("attestant")
    page = browserless.get("/attest").text
    # Bankbolaget's plain bank account with an orgnr is fine; the IBAN payee is clean too.
    assert page.count("Inga varningar") == 4
    large_row = page[page.index("F-2001") :]
    large_row = large_row[: large_row.index("</tr>")]
    # The simulator names its limit, and the row says it in Swedish (inyett/warning_texts.py).
    assert "Beloppsgräns" in large_row
    assert "Beloppet 150 000,00 SEK är över gränsen 100 000,00 SEK." in large_row.replace(
        "\xa0", " "
    )


def test_undo_in_shared_mode_removes_the_whole_batch_at_inyett(live, browserless, simulator_url):
    app, _ = live
    invoice_ids = prepare(app, one_payment_per_batch=False)
    browserless.login("betalare")
    create_file(browserless, invoice_ids[:3])
    wait_for(lambda: set(payment_states(app).values()) == {"answered"})
    with app.app_context():
        first_id = db.session.scalars(select(Payment.id).order_by(Payment.id)).first()
    browserless.session.cookies.clear()
    browserless.login("attestant")
    confirmation = browserless.get(f"/attest/{first_id}/angra", headers=HTMX).text
    assert "Inyett tar bort även dessa 2" in confirmation
    browserless.post(f"/attest/{first_id}/angra", {}, token_from="/attest", headers=HTMX)

    def deleted_at_simulator():
        held = requests.get(f"{simulator_url}/_simulator/batches", timeout=5).json()
        return [b["deleted"] for b in held["production"]] == [True]

    wait_for(deleted_at_simulator)
    states = payment_states(app)
    assert states == {"F-1001": "removed", "F-1002": "removed", "F-1003": "removed"}
