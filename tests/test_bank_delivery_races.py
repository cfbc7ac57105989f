"""Two people acting on the same payment file at the same moment, over real HTTP against a
served app: two re-dates, two first downloads, a re-date and an undo. The database decides;
nobody gets a 500, and the file, its payments and its XML always agree."""

import re
import threading
from datetime import date

import pytest
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import Payment
from inyett.models import PaymentFile
from tests.conftest import make_app
from tests.e2e.conftest import Browserless
from tests.live_server import serve
from tests.payments_helpers import PAYMENT_DATE
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file
from tests.test_attestation import answered_file

ROUNDS = 8
SATURDAY = date(2026, 11, 28)  # after PAYMENT_DATE: the files below have a date that passed
MONDAY, TUESDAY = date(2026, 11, 30), date(2026, 12, 1)


@pytest.fixture
def served(tmp_path, swedish_today):
    swedish_today.set(SATURDAY)
    app = make_app(tmp_path)
    with serve(app) as url:
        users = []
        for username in ("betalare", "admin"):
            user = Browserless(url)
            user.login(username)
            users.append(user)
        yield app, users
        for user in users:
            user.close()


def attested_file(app, inyett_active=True) -> tuple[int, list[int]]:
    with app.app_context():
        if inyett_active:
            payment_file = answered_file()
        else:  # not checked because the connection is off: attestable all the same
            activate_inyett(active=False)
            payment_file = create_file(add_invoices())
        for payment in payment_file.payments:
            payment.status, payment.attested_by = "attested", "attestant"
        db.session.commit()
        return payment_file.id, [p.id for p in payment_file.payments]


def at_once(*requests):
    """Run the requests in threads released together; their responses, in order."""
    ready = threading.Barrier(len(requests))
    responses = [None] * len(requests)

    def run(index, request):
        ready.wait()
        responses[index] = request()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


def redate(user, file_id, new_date):
    page = f"/betalningar/filer/{file_id}"
    token = user.token(page)
    data = {"seen_date": PAYMENT_DATE.isoformat(), "payment_date": new_date.isoformat()}
    return lambda: user.session.post(
        f"{user.base_url}{page}/betaldatum",
        data={**data, "csrf_token": token},
        headers={"HX-Request": "true"},
        timeout=30,
    )


def download(user, file_id, seen_date):
    page = f"/betalningar/filer/{file_id}"
    token = user.token(page)
    data = {"seen_date": seen_date.isoformat(), "seen_downloads": "0", "csrf_token": token}
    return lambda: user.session.post(
        f"{user.base_url}{page}/pain001.xml", data=data, headers={"HX-Request": "true"}, timeout=30
    )


def undo(user, payment_id):
    token = user.token("/betalningar/filer")
    return lambda: user.session.post(
        f"{user.base_url}/betalningar/{payment_id}/angra",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
        timeout=30,
    )


def file_state(app, file_id):
    """The file's date, its payments' dates, the XML's dates and end-to-end ids."""
    with app.app_context():
        payment_file = db.session.get(PaymentFile, file_id)
        payments = payment_file.payments
        return (
            payment_file.payment_date,
            {p.payment_date for p in payments},
            set(re.findall(rb"<ReqdExctnDt>(?:<Dt>)?([\d-]+)", payment_file.xml)),
            {p.external_id for p in payments},
            set(re.findall(rb"<EndToEndId>([^<]+)", payment_file.xml)),
        )


def test_two_re_dates_at_once_one_wins_and_the_other_is_told(served):
    app, (payer, admin) = served
    for _ in range(ROUNDS):
        file_id, _ = attested_file(app)
        first, second = at_once(redate(payer, file_id, MONDAY), redate(admin, file_id, TUESDAY))
        assert sorted([first.status_code, second.status_code]) == [200, 409]
        winner, loser = (MONDAY, second) if first.status_code == 200 else (TUESDAY, first)
        assert f"Betaldatum hann ändras till {winner.isoformat()}" in loser.text
        day, payment_dates, xml_dates, ids, xml_ids = file_state(app, file_id)
        assert (day, payment_dates, xml_dates) == (
            winner,
            {winner},
            {winner.isoformat().encode()},
        )
    with app.app_context():
        kinds = db.session.scalars(select(AuditEntry.kind).where(AuditEntry.kind == "redate"))
        assert len(kinds.all()) == ROUNDS


def test_two_first_downloads_at_once_one_downloads_the_other_is_asked_to_confirm(served):
    app, (payer, admin) = served
    for _ in range(ROUNDS):
        file_id, _ = attested_file(app)
        with app.app_context():  # re-dated already: the date holds
            db.session.get(PaymentFile, file_id).payment_date = MONDAY
            db.session.commit()
        first, second = at_once(download(payer, file_id, MONDAY), download(admin, file_id, MONDAY))
        codes = sorted([first.status_code, second.status_code])
        assert codes == [200, 409]
        refused = first if first.status_code == 409 else second
        assert "Ladda ner igen bara om banken inte fick den" in refused.text
        with app.app_context():
            assert db.session.get(PaymentFile, file_id).download_count == 1


@pytest.mark.parametrize("inyett_active", [True, False], ids=["inyett-active", "inyett-off"])
def test_a_re_date_and_an_undo_at_once_both_hold_in_the_file(served, inyett_active):
    app, (payer, admin) = served
    for _ in range(ROUNDS):
        file_id, payment_ids = attested_file(app, inyett_active)
        undone = payment_ids[1]
        re_dated, undo_answer = at_once(redate(payer, file_id, MONDAY), undo(admin, undone))
        assert (re_dated.status_code, undo_answer.status_code) == (200, 200)
        day, payment_dates, xml_dates, ids, xml_ids = file_state(app, file_id)
        assert (day, payment_dates, xml_dates) == (MONDAY, {MONDAY}, {b"2026-11-30"})
        with app.app_context():
            undone_id = db.session.get(Payment, undone).external_id
        assert undone_id not in ids and len(ids) == 3
        assert xml_ids == {i.encode() for i in ids}
