"""Real concurrent requests against a real server: a double click, two payers, two people
undoing or sending again at once, a supplier, an invoice or a file entered twice at once.
However the requests interleave, no invoice is ever in two live payments nor in the ledger
twice, and whoever loses is told so in Swedish, never with a 500.

Runs on SQLite and, with INYETT_DATABASE_URL, on PostgreSQL. Each round starts its requests
from one barrier, after every page and CSRF token has been fetched, so that they reach the
database as close together as the server lets them.
"""

import threading

import pytest
import requests
from sqlalchemy import func
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import Company
from inyett.models import InyettBatch
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import PaymentInvoice
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.services.ledger import ADDED_MEANWHILE
from inyett.services.ledger import CSV_COLUMNS
from tests.conftest import make_app
from tests.e2e.conftest import Browserless
from tests.live_server import serve
from tests.payments_helpers import BANK_DAY_SOON
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import add_open_invoice
from tests.payments_helpers import create_file

pytestmark = pytest.mark.e2e

ROUNDS = 20
PROPOSAL = "/betalningar/forslag"
HTMX = {"HX-Request": "true"}
HEADER = ";".join(CSV_COLUMNS)
TAKEN_MEANWHILE = "hann tas med i en annan betalning. Listan visar nu de fakturor som är kvar."


@pytest.fixture
def server(tmp_path):
    app = make_app(tmp_path)
    with serve(app) as url:
        yield app, url


@pytest.fixture
def logins(server):
    """Logged-in browsers by username; the same name twice is one session in two tabs."""
    _app, url = server
    opened = []

    def login(username: str, same_session_as: Browserless | None = None) -> Browserless:
        browser = Browserless(url)
        if same_session_as is None:
            browser.login(username)
        else:
            browser.session.cookies.update(same_session_as.session.cookies)
        opened.append(browser)
        return browser

    yield login
    for browser in opened:
        browser.close()


def at_once(*requests_to_send) -> list[requests.Response]:
    """Send the prepared requests (callables) from threads released by one barrier."""
    start = threading.Barrier(len(requests_to_send))
    answers: list = [None] * len(requests_to_send)

    def send(index, request):
        start.wait()
        answers[index] = request()

    threads = [threading.Thread(target=send, args=item) for item in enumerate(requests_to_send)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def proposal_post(browser: Browserless, invoice_ids: list[int]):
    """A press of Skapa betalning till fil, with the page's token fetched beforehand."""
    data = {
        "company": "1",
        "debtor_account": "1",
        "payment_date": BANK_DAY_SOON,
        "when": "samma-dag",
        "invoice_ids": invoice_ids,
        "csrf_token": browser.token(PROPOSAL),
    }
    return lambda: browser.session.post(
        browser.base_url + PROPOSAL, data=data, allow_redirects=False, timeout=60
    )


def row_post(browser: Browserless, path: str, token_from: str, **data):
    data["csrf_token"] = browser.token(token_from)
    return lambda: browser.session.post(
        browser.base_url + path, data=data, headers=HTMX, timeout=60
    )


def assert_one_live_payment_per_invoice(app) -> None:
    """No invoice in two live payments, and an invoice is in a payment exactly when one of
    its payments is live."""
    with app.app_context():
        live = (
            select(PaymentInvoice.invoice_id, func.count(Payment.id))
            .join(Payment, Payment.id == PaymentInvoice.payment_id)
            .where(Payment.status != "undone")
            .group_by(PaymentInvoice.invoice_id)
        )
        counts = dict(db.session.execute(live).all())
        assert all(count == 1 for count in counts.values()), counts
        for invoice in db.session.scalars(select(SupplierInvoice)):
            expected = "in_payment" if invoice.id in counts else "open"
            assert invoice.status == expected, invoice.invoice_number
        db.session.remove()


def new_invoices(app) -> list[int]:
    with app.app_context():
        ids = add_invoices()
        db.session.remove()
        return ids


def invoice_number(app, invoice_id: int) -> str:
    with app.app_context():
        number = db.session.get(SupplierInvoice, invoice_id).invoice_number
        db.session.remove()
        return number


def netted_invoices(app, round_number: int) -> list[int]:
    """Two invoices and a credit note from one supplier, new each round."""
    payee = ("Plusgirobolaget AB", "5560360793", "PGNR", "1234566")
    with app.app_context():
        company = db.session.get(Company, 1)
        ids = [
            add_open_invoice(company, payee, f"N{round_number}-{name}", amount, name).id
            for name, amount in (("A", "1000.00"), ("B", "500.00"), ("K", "-200.00"))
        ]
        db.session.remove()
        return ids


def test_two_payers_netting_the_same_credit_note_at_once_make_one_payment(server, logins):
    app, _url = server
    payers = logins("betalare"), logins("admin")
    for round_number in range(ROUNDS):
        first, second, credit = netted_invoices(app, round_number)
        answers = at_once(
            proposal_post(payers[0], [first, credit]), proposal_post(payers[1], [second, credit])
        )
        assert sorted(a.status_code for a in answers) == [302, 422], answers
        loser = next(a for a in answers if a.status_code == 422)
        assert f"Fakturan N{round_number}-K {TAKEN_MEANWHILE}" in loser.text
        with app.app_context():
            live = db.session.scalars(
                select(PaymentInvoice.invoice_id).where(PaymentInvoice.live_invoice_id.is_not(None))
            ).all()
            assert len(live) == len(set(live))
            statuses = [db.session.get(SupplierInvoice, i).status for i in (first, second)]
            assert sorted(statuses) == ["in_payment", "open"]
            assert db.session.get(SupplierInvoice, credit).status == "in_payment"
            db.session.remove()
    assert_one_live_payment_per_invoice(app)


def test_a_double_click_on_skapa_betalning_makes_one_file(server, logins):
    app, _url = server
    first_tab = logins("betalare")
    second_tab = logins("betalare", same_session_as=first_tab)
    for _ in range(ROUNDS):
        invoice_ids = new_invoices(app)[:2]
        answers = at_once(
            proposal_post(first_tab, invoice_ids), proposal_post(second_tab, invoice_ids)
        )
        assert sorted(a.status_code for a in answers) == [302, 422], answers
        loser = next(a for a in answers if a.status_code == 422)
        assert TAKEN_MEANWHILE in loser.text
        assert_one_live_payment_per_invoice(app)


def test_two_payers_with_overlapping_invoices_share_none(server, logins):
    app, _url = server
    payer, admin = logins("betalare"), logins("admin")
    for _ in range(ROUNDS):
        first, shared, last, _rest = new_invoices(app)
        answers = at_once(
            proposal_post(payer, [first, shared]), proposal_post(admin, [shared, last])
        )
        assert sorted(a.status_code for a in answers) == [302, 422], answers
        loser = next(a for a in answers if a.status_code == 422)
        assert f"Fakturan {invoice_number(app, shared)} {TAKEN_MEANWHILE}" in loser.text
        # The loser's list shows what is left to pay, the shared invoice no longer in it.
        assert f'value="{shared}"' not in loser.text
        assert_one_live_payment_per_invoice(app)


def test_an_invoice_edited_while_a_payment_takes_it_is_paid_as_it_is_stored(server, logins):
    """Ändra faktura and Skapa betalning till fil at once: the payment pays the invoice either
    as it was (and the edit is refused, naming the file) or as corrected, never the old amount
    while the ledger shows the new one."""
    app, _url = server
    editor, payer = logins("admin"), logins("betalare")
    for round_number in range(ROUNDS):
        invoice_id = new_invoices(app)[0]  # Skatteverket, 18 450,00 SEK with an OCR
        path = f"/reskontra/fakturor/{invoice_id}"
        edit = {
            "invoice_number": invoice_number(app, invoice_id),
            "ocr": "1234567806",
            "message": "",
            "amount": f"{1000 + round_number},00",
            "currency": "SEK",
            "due_date": BANK_DAY_SOON,
            "csrf_token": editor.token(path),
        }
        edited, paid = at_once(
            lambda data=edit, url=editor.base_url + path: editor.session.post(
                url, data=data, allow_redirects=False, timeout=60
            ),
            proposal_post(payer, [invoice_id]),
        )
        assert paid.status_code == 302, paid.text
        assert edited.status_code in (302, 422), edited.text
        if edited.status_code == 422:
            assert "Fakturan är med i betalfil" in edited.text
        with app.app_context():
            invoice = db.session.get(SupplierInvoice, invoice_id)
            payment = db.session.scalar(select(Payment).where(Payment.invoice_id == invoice_id))
            corrected = edited.status_code == 302
            assert str(invoice.amount) == (f"{1000 + round_number}.00" if corrected else "18450.00")
            assert payment.amount == invoice.amount
            db.session.remove()
        assert_one_live_payment_per_invoice(app)


def test_an_invoice_removed_while_a_payment_takes_it_is_either_paid_or_gone(server, logins):
    app, _url = server
    editor, payer = logins("admin"), logins("betalare")
    for _ in range(ROUNDS):
        invoice_id = new_invoices(app)[0]
        path = f"/reskontra/fakturor/{invoice_id}/ta-bort"
        removal = {"csrf_token": editor.token(path)}
        removed, paid = at_once(
            lambda data=removal, url=editor.base_url + path: editor.session.post(
                url, data=data, allow_redirects=False, timeout=60
            ),
            proposal_post(payer, [invoice_id]),
        )
        assert sorted((removed.status_code, paid.status_code)) == [302, 422], (removed, paid)
        with app.app_context():
            invoice = db.session.get(SupplierInvoice, invoice_id)
            payment = db.session.scalar(select(Payment).where(Payment.invoice_id == invoice_id))
            if removed.status_code == 302:
                assert (invoice, payment) == (None, None)
            else:
                assert "Fakturan är med i betalfil" in removed.text
                assert invoice.status == "in_payment"
            db.session.remove()


def live_payment(app) -> tuple[int, str]:
    """A new payment of one invoice, and its version as its row on a page carries it."""
    with app.app_context():
        payment = create_file(add_invoices()[:1]).payments[0]
        seen = (payment.id, str(payment.version))
        db.session.remove()
        return seen


@pytest.mark.parametrize("inyett_active", [False, True])
def test_two_undos_at_once_undo_once(server, logins, inyett_active):
    app, _url = server
    if inyett_active:  # the payment is in a batch, which each undo holds while it works
        with app.app_context():
            activate_inyett()
    payer, attester = logins("betalare"), logins("attestant")
    for _ in range(ROUNDS):
        payment_id, version = live_payment(app)
        undo = f"/betalningar/{payment_id}/angra"
        answers = at_once(
            row_post(payer, undo, "/betalningar/filer", version=version),
            row_post(attester, undo, "/attest", version=version),
        )
        assert sorted(a.status_code for a in answers) == [200, 409], answers
        loser = next(a for a in answers if a.status_code == 409)
        # Told as it happened: while the loser's undo ran, or before it began.
        assert any(
            message in loser.text
            for message in (
                "Betalningen hann ångras av någon annan.",
                "Betalningen ångras just nu av någon annan.",
                "Betalningen är redan ångrad.",
            )
        ), loser.text
        assert_one_live_payment_per_invoice(app)


def test_an_undo_and_a_new_payment_of_the_reopened_invoice_never_overlap(server, logins):
    app, _url = server
    attester, payer = logins("attestant"), logins("betalare")
    for _ in range(ROUNDS):
        payment_id, version = live_payment(app)
        with app.app_context():
            invoice_id = db.session.get(Payment, payment_id).invoice_id
            db.session.remove()
        undo, create = at_once(
            row_post(attester, f"/betalningar/{payment_id}/angra", "/attest", version=version),
            proposal_post(payer, [invoice_id]),
        )
        assert undo.status_code == 200
        # Either order is right: a new payment that came before the undo had reopened the
        # invoice is refused, one that came after pays it.
        if create.status_code != 302:
            assert create.status_code == 422 and TAKEN_MEANWHILE in create.text
        assert_one_live_payment_per_invoice(app)


def answered_payment(app) -> tuple[int, str]:
    """A payment Inyett has answered without warnings, ready to attest."""
    with app.app_context():
        payment = create_file(add_invoices()[:1]).payments[0]
        payment.inyett_state = "answered"
        db.session.commit()
        seen = (payment.id, str(payment.version))
        db.session.remove()
        return seen


def test_two_attesters_at_once_attest_once(server, logins):
    app, _url = server
    admin, attester = logins("admin"), logins("attestant")
    for _ in range(ROUNDS):
        payment_id, version = answered_payment(app)
        attest = f"/attest/{payment_id}/attestera"
        answers = at_once(
            row_post(admin, attest, "/attest", version=version),
            row_post(attester, attest, "/attest", version=version),
        )
        assert sorted(a.status_code for a in answers) == [200, 409], answers
        with app.app_context():
            winner = db.session.get(Payment, payment_id).attested_by
            db.session.remove()
        loser = next(a for a in answers if a.status_code == 409)
        assert (
            f"{winner} hann attestera betalningen före dig." in loser.text
            or f"Redan attesterad av {winner}." in loser.text
        )


def test_an_undo_and_a_download_for_the_bank_at_once_never_send_an_undone_payment(server, logins):
    app, _url = server
    attester, payer = logins("attestant"), logins("betalare")
    for _ in range(ROUNDS):
        payment_id, _version = answered_payment(app)
        with app.app_context():
            payment = db.session.get(Payment, payment_id)
            payment.status, payment.attested_by = "attested", "admin"
            db.session.commit()
            file_id, end_to_end_id = payment.payment_file_id, payment.external_id
            payment_date = payment.payment_file.payment_date
            db.session.remove()
        file_page = f"/betalningar/filer/{file_id}"
        # A download posts the date and the downloads its page showed (services.bank_delivery).
        seen = {"seen_date": payment_date.isoformat(), "seen_downloads": "0"}
        undo, download = at_once(
            row_post(attester, f"/betalningar/{payment_id}/angra", file_page),
            row_post(payer, f"{file_page}/pain001.xml", file_page, **seen),
        )
        with app.app_context():
            undone = db.session.get(Payment, payment_id).status == "undone"
            db.session.remove()
        if undone:  # the undo came first: the file is empty and is not handed out
            assert undo.status_code == 200
            assert download.status_code == 409
            assert "Filen är inte klar för banken." in download.text
        else:  # the download came first: the bank may have the file, so it cannot be undone
            assert download.status_code == 200 and end_to_end_id in download.text
            assert undo.status_code == 409 and "laddades ner för banken" in undo.text


@pytest.mark.parametrize("inyett_state", ["failed", "removed"])
def test_two_skicka_igen_at_once_send_once(server, logins, inyett_state):
    app, _url = server
    with app.app_context():
        activate_inyett()
    payer, attester = logins("betalare"), logins("attestant")
    for _ in range(ROUNDS):
        with app.app_context():
            payment = create_file(add_invoices()[:1]).payments[0]
            payment.inyett_state = inyett_state
            if inyett_state == "failed":
                payment.batch.state = "failed"
            else:
                payment.batch.state, payment.batch = "deleted", None
            db.session.commit()
            payment_id = payment.id
            batches_before = db.session.scalar(select(func.count(InyettBatch.id)))
            db.session.remove()
        answers = at_once(
            row_post(payer, f"/betalningar/{payment_id}/skicka-igen", "/betalningar/filer"),
            row_post(attester, f"/attest/{payment_id}/skicka-igen", "/attest"),
        )
        assert sorted(a.status_code for a in answers) == [200, 409], answers
        loser = next(a for a in answers if a.status_code == 409)
        # While the loser's resend ran, or before it began (the row then no longer offers it).
        assert (
            "Betalningen hann skickas igen av någon annan." in loser.text
            or "Betalningen behöver inte skickas igen." in loser.text
        )
        with app.app_context():
            payment = db.session.get(Payment, payment_id)
            assert payment.inyett_state == "queued" and payment.batch.state == "queued"
            batches_after = db.session.scalar(select(func.count(InyettBatch.id)))
            db.session.remove()
        # A removed payment gets one batch of its own, a failed one its old batch again.
        assert batches_after - batches_before == (1 if inyett_state == "removed" else 0)


def plusgiro(number: int) -> str:
    """A Plusgiro number of its own for each `number`, with its check digit (Luhn)."""
    digits = f"1{number:04d}"
    total = sum(
        (2 * int(d) - 9 if 2 * int(d) > 9 else 2 * int(d)) if i % 2 == 0 else int(d)
        for i, d in enumerate(reversed(digits))
    )
    return digits + str(-total % 10)


def ledger_post(browser: Browserless, path: str, data: dict, files=None):
    data = {**data, "csrf_token": browser.token("/reskontra")}
    return lambda: browser.session.post(
        f"{browser.base_url}/reskontra/{path}?company=1",
        data=data,
        files=files,
        allow_redirects=False,
        timeout=60,
    )


def test_a_double_click_on_lagg_till_leverantor_and_ny_faktura_stores_each_once(server, logins):
    app, _url = server
    first_tab = logins("betalare")
    second_tab = logins("betalare", same_session_as=first_tab)
    for round_number in range(ROUNDS):
        supplier = {
            "name": f"Dubbelklick {round_number} AB",
            "orgnr": "",
            "country": "SE",
            "account_type": "PGNR",
            "account": plusgiro(round_number),
        }
        answers = at_once(
            *(ledger_post(tab, "leverantorer", supplier) for tab in (first_tab, second_tab))
        )
        assert sorted(a.status_code for a in answers) == [302, 422], answers
        loser = next(a for a in answers if a.status_code == 422)
        assert "Leverantören finns redan" in loser.text or ADDED_MEANWHILE in loser.text
        with app.app_context():
            supplier_id = db.session.scalars(
                select(Supplier.id).where(Supplier.name == supplier["name"])
            ).one()
            db.session.remove()
        invoice = {
            "supplier": str(supplier_id),
            "invoice_number": "F-1",
            "ocr": "",
            "message": "Faktura F-1",
            "amount": "100,00",
            "currency": "SEK",
            "due_date": BANK_DAY_SOON,
        }
        answers = at_once(
            *(ledger_post(tab, "fakturor", invoice) for tab in (first_tab, second_tab))
        )
        assert sorted(a.status_code for a in answers) == [302, 422], answers
        loser = next(a for a in answers if a.status_code == 422)
        assert "Faktura F-1 från" in loser.text or ADDED_MEANWHILE in loser.text


def test_one_file_imported_twice_at_once_is_imported_once(server, logins):
    app, _url = server
    payer, admin = logins("betalare"), logins("admin")
    for round_number in range(ROUNDS):
        # A supplier new to the ledger each round: both imports would make it.
        account, number = plusgiro(round_number + ROUNDS), f"N-{round_number}"
        row = f"Ny {round_number} AB;;SE;PGNR;{account};{number};;Faktura {number};100,00;SEK;"
        csv = f"{HEADER}\n{row}{BANK_DAY_SOON}\n".encode()
        answers = at_once(
            *(
                ledger_post(browser, "import", {}, files={"file": ("fakturor.csv", csv)})
                for browser in (payer, admin)
            )
        )
        # The winner gets the page with its lines stored (200), the other the reason (422).
        assert sorted(a.status_code for a in answers) == [200, 422], answers
        loser = next(a for a in answers if a.status_code == 422)
        assert "Filen importerades inte" in loser.text or ADDED_MEANWHILE in loser.text
    with app.app_context():
        assert (
            db.session.scalar(select(func.count(Supplier.id)).where(Supplier.name.like("Ny %")))
            == ROUNDS
        )
        assert (
            db.session.scalar(
                select(func.count(SupplierInvoice.id)).where(
                    SupplierInvoice.invoice_number.like("N-%")
                )
            )
            == ROUNDS
        )
        db.session.remove()


def test_two_skicka_igen_alla_at_once_send_each_dropped_payment_once(server, logins):
    app, _url = server
    with app.app_context():
        activate_inyett(one_payment_per_batch=False)
    payer, second_payer = logins("betalare"), logins("admin")
    for _ in range(ROUNDS):
        with app.app_context():
            payment_file = create_file(add_invoices()[:3])
            for payment in payment_file.payments:
                payment.inyett_state = "removed"
            payment_file.payments[0].batch.state = "deleted"
            for payment in payment_file.payments:
                payment.batch = None
            db.session.commit()
            file_id = payment_file.id
            batches_before = db.session.scalar(select(func.count(InyettBatch.id)))
            db.session.remove()
        page = f"/betalningar/filer/{file_id}"
        answers = at_once(
            *(row_post(b, f"{page}/skicka-igen", page) for b in (payer, second_payer))
        )
        assert sorted(a.status_code for a in answers) == [200, 409], answers
        loser = next(a for a in answers if a.status_code == 409)
        assert (
            "Någon annan hann skicka igen eller ångra betalningar i filen." in loser.text
            or "Ingen betalning i filen behöver skickas igen." in loser.text
        )
        with app.app_context():
            payments_now = db.session.get(PaymentFile, file_id).payments
            assert {p.inyett_state for p in payments_now} == {"queued"}
            assert len({p.batch_id for p in payments_now}) == 3
            batches_after = db.session.scalar(select(func.count(InyettBatch.id)))
            db.session.remove()
        assert batches_after - batches_before == 3
