"""Two attesters above a company's limit: two different people, neither the creator."""

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import Company
from inyett.models import Payment
from inyett.services import attest_rights
from inyett.services import attestation
from inyett.services import payments as payment_service
from inyett.services import users
from inyett.services.payments import PaymentRejected
from inyett.services.payments import undo_payment
from tests.conftest import PASSWORD
from tests.e2e.conftest import Browserless
from tests.live_server import serve
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file
from tests.test_attestation import HTMX
from tests.test_attestation import user
from tests.test_payment_views import row_of

# answered_file's payments, in order: 18 450,00, 999,50, 1 234,00 and 0,10 SEK.
LARGE, AT_LIMIT, ABOVE, TINY = range(4)
LIMIT = Decimal("999.50")


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def company():
    return db.session.scalar(select(Company).where(Company.name == "Testbolaget AB"))


def dual_file(created_by="betalare", currency="SEK"):
    """Testbolaget AB needs two attesters above 999,50 SEK; a file of its four payments."""
    activate_inyett()
    attest_rights.set_dual_limit(company(), currency, LIMIT, actor=user("admin"))
    payment_file = create_file(add_invoices(), actor=created_by)
    for payment in payment_file.payments:
        payment.inyett_state = "answered"
    db.session.commit()
    return payment_file


def attest_as(payment, username):
    attestation.attest(payment, user=user(username), acknowledged=False)


def test_off_by_default_one_attestation_is_enough(ctx):
    activate_inyett()
    payment = create_file(add_invoices()).payments[LARGE]
    payment.inyett_state = "answered"
    db.session.commit()
    assert attestation.attestations_needed(payment) == 1
    attest_as(payment, "attestant")
    assert payment.status == "attested"


def test_only_payments_above_the_limit_in_its_currency_need_two(ctx):
    payments = dual_file().payments
    assert [attestation.attestations_needed(p) for p in payments] == [2, 1, 2, 1]
    attest_as(payments[AT_LIMIT], "attestant")
    assert payments[AT_LIMIT].status == "attested"
    db.session.rollback()
    attest_rights.remove_dual_limit(company().dual_attest_limits[0].id, actor=user("admin"))
    attest_rights.set_dual_limit(company(), "EUR", LIMIT, actor=user("admin"))
    assert attestation.attestations_needed(db.session.get(Payment, payments[LARGE].id)) == 1


def test_two_different_attesters_are_needed_and_the_file_waits_for_the_second(ctx):
    payment_file = dual_file()
    payments = payment_file.payments
    for index in (AT_LIMIT, TINY):
        attest_as(payments[index], "attestant")
    attest_as(payments[LARGE], "attestant")
    attest_as(payments[ABOVE], "attestant")
    assert (payments[LARGE].status, payments[LARGE].first_attested_by) == (
        "awaiting_attest",
        "attestant",
    )
    assert attestation.why_file_not_ready(payment_file) == (
        "2 av 4 betalningar väntar på attest, varav 2 på den andra av två attester."
    )
    with pytest.raises(PaymentRejected, match="^Du har gett den första attesten. En annan"):
        attest_as(payments[LARGE], "attestant")
    attest_as(payments[LARGE], "admin")
    attest_as(payments[ABOVE], "admin")
    assert (payments[LARGE].status, payments[LARGE].attested_by) == ("attested", "admin")
    assert attestation.why_file_not_ready(payment_file) is None
    summaries = list(
        db.session.scalars(select(AuditEntry.summary).where(AuditEntry.kind == "attest"))
    )
    assert summaries[2].startswith(f"Första av två attester för {payments[LARGE].external_id}")
    assert "; andra attesten, den första av attestant;" in summaries[4]


def test_the_creator_gives_neither_attestation(ctx):
    payments = dual_file(created_by="admin").payments
    with pytest.raises(PaymentRejected, match="Du skapade betalningen"):
        attest_as(payments[LARGE], "admin")
    attest_as(payments[LARGE], "attestant")
    with pytest.raises(PaymentRejected, match="Du skapade betalningen"):
        attest_as(payments[LARGE], "admin")
    assert payments[LARGE].status == "awaiting_attest"


def test_an_undo_after_the_first_attestation_leaves_the_file_ready_without_it(ctx):
    payment_file = dual_file()
    payments = payment_file.payments
    for index in (AT_LIMIT, TINY):
        attest_as(payments[index], "attestant")
    attest_as(payments[ABOVE], "attestant")
    attest_as(payments[ABOVE], "admin")
    attest_as(payments[LARGE], "attestant")
    undo_payment(payments[LARGE], actor="admin")
    assert payments[LARGE].status == "undone"
    assert attestation.why_file_not_ready(payment_file) is None


def test_the_second_attester_who_loses_the_first_step_is_told_who_won(ctx, app):
    payments = dual_file().payments
    mine = db.session.get(Payment, payments[LARGE].id)
    with app.app_context():
        attest_as(db.session.get(Payment, mine.id), "admin")
    with pytest.raises(PaymentRejected, match="^admin hann ge den första attesten före dig."):
        # Without the version it saw: the step itself is the condition.
        attest_as(mine, "attestant")
    assert mine.first_attested_by == "admin"


def test_the_row_says_1_av_2_and_who_gave_the_first(app, client, auth):
    with app.app_context():
        payment = dual_file().payments[LARGE]
        attest_as(payment, "admin")
        payment_id, file_id = payment.id, payment.payment_file_id
    auth.login("attestant")
    html = row_of(client.get("/attest").get_data(as_text=True), payment_id)
    assert "1 av 2 attester" in html
    assert "första av admin" in html
    file_page = client.get(f"/betalningar/filer/{file_id}").get_data(as_text=True)
    assert "1 av 2 attester, första av admin" in file_page
    response = auth.post(f"/attest/{payment_id}/attestera", headers=HTMX, token_from="/attest")
    assert response.status_code == 200
    assert "Attesterad" in response.get_data(as_text=True)


def test_an_admin_sets_and_removes_the_limit_on_bolag(app, client, auth):
    auth.login("admin")
    with app.app_context():
        company_id = company().id
    page = "/systeminstallningar/bolag"
    refused = auth.post(
        f"{page}/tva-attestanter", {"company": company_id, "currency": "SEK"}, token_from=page
    )
    assert refused.status_code == 422
    assert "Ange beloppet" in refused.get_data(as_text=True)
    auth.post(
        f"{page}/tva-attestanter",
        {"company": company_id, "currency": "SEK", "above_amount": "100 000"},
        token_from=page,
    )
    html = client.get(page).get_data(as_text=True)
    assert "behöver nu två attestanter" in html
    assert "100\xa0000,00 SEK" in html
    with app.app_context():
        limit_id = company().dual_attest_limits[0].id
        assert list(
            db.session.scalars(select(AuditEntry.summary).where(AuditEntry.kind == "company"))
        )[-1] == ("Testbolaget AB: två attestanter för betalningar i SEK över 100\xa0000,00 SEK")
    auth.post(f"{page}/tva-attestanter/{limit_id}/ta-bort", token_from=page)
    with app.app_context():
        assert company().dual_attest_limits == []


ROUNDS = 4


def test_each_step_has_exactly_one_winner_over_real_concurrent_requests(app):
    """Two attesters press Attestera on the same row at the same moment, at the first and at the
    second step, against the app served over HTTP: one wins each step, the other is told."""
    with app.app_context():
        users.create_user("bo", "attester", PASSWORD, "Bo")
        users.create_user("cecilia", "attester", PASSWORD, "Cecilia")
        payment_ids = [dual_file().payments[LARGE].id]
        for _ in range(ROUNDS - 1):
            payment = create_file(add_invoices()).payments[LARGE]
            payment.inyett_state = "answered"
            db.session.commit()
            payment_ids.append(payment.id)
    with serve(app) as url:
        clients = {name: Browserless(url) for name in ("attestant", "bo", "cecilia")}
        for name, client in clients.items():
            client.login(name)
        for payment_id in payment_ids:
            first = race(clients, ("attestant", "bo"), payment_id)
            assert sorted(first.values()) == [200, 409]
            winner = next(name for name, status in first.items() if status == 200)
            loser = next(name for name in first if name != winner)
            # The one who gave the first attestation cannot give the second; the other two race.
            second = race(clients, (loser, "cecilia"), payment_id)
            assert sorted(second.values()) == [200, 409]
            with app.app_context():
                payment = db.session.get(Payment, payment_id)
                assert payment.status == "attested"
                assert payment.first_attested_by == winner
                assert payment.attested_by in (loser, "cecilia")
        for client in clients.values():
            client.close()


def race(clients, names, payment_id):
    """Both post Attestera with the version they saw, released together by a barrier."""
    page = clients[names[0]].get(f"/attest/{payment_id}", headers=HTMX).text
    version = page.split('"version": "')[1].split('"')[0]
    tokens = {name: clients[name].token("/attest") for name in names}
    start = threading.Barrier(len(names))
    statuses, texts = {}, {}

    def press(name):
        start.wait()
        response = clients[name].session.post(
            f"{clients[name].base_url}/attest/{payment_id}/attestera",
            data={"version": version, "csrf_token": tokens[name]},
            headers=HTMX,
            timeout=10,
        )
        statuses[name] = response.status_code
        texts[name] = response.text

    threads = [threading.Thread(target=press, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name, status in statuses.items():
        if status == 409:
            assert "hann" in texts[name] and "före dig" in texts[name], texts[name]
    return statuses


def test_a_payment_sent_again_to_inyett_loses_its_first_attestation(ctx):
    """Inyett dropped it with a shared batch after the first of two attestations: the new answer
    must be seen by both attesters."""
    payment = dual_file().payments[LARGE]
    attest_as(payment, "attestant")
    payment.inyett_state = "removed"
    payment.batch.state, payment.batch = "deleted", None
    db.session.commit()
    payment_service.resend(payment, actor="admin")
    assert (payment.first_attested_by, payment.first_attested_at) == (None, None)
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.kind == "inyett_send").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.summary.endswith("; den första attesten av attestant gäller inte längre")
