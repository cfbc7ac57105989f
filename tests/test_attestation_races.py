"""Two people acting on the same payment at the same moment: the database lets exactly one win.

Each side has its own app context, hence its own database session, against one SQLite file
(or the server database of INYETT_DATABASE_URL), as two requests of two users would.
"""

import threading

import pytest
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import InyettBatch
from inyett.models import Payment
from inyett.models import User
from inyett.services import attestation
from inyett.services import bank_delivery
from inyett.services.payments import PaymentRejected
from inyett.services.payments import undo_payment
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file


def user(name):
    return db.session.scalar(select(User).where(User.username == name))


@pytest.fixture
def payment_id(app):
    """A payment Inyett has answered without warnings, in a batch of its own."""
    with app.app_context():
        activate_inyett()
        payment = create_file(add_invoices()[:2]).payments[0]
        payment.inyett_state = "answered"
        db.session.commit()
        return payment.id


def load(payment_id):
    payment = db.session.get(Payment, payment_id)
    assert payment.status == "awaiting_attest"
    return payment


def test_two_attesters_at_once_exactly_one_wins_and_the_other_is_told_who(app, payment_id):
    with app.app_context():
        mine = load(payment_id)
        version_before = mine.version
        with app.app_context():
            attestation.attest(load(payment_id), user=user("admin"), acknowledged=False)
        with pytest.raises(PaymentRejected, match="^admin hann attestera betalningen före dig.$"):
            attestation.attest(mine, user=user("attestant"), acknowledged=False)
        assert mine.attested_by == "admin"
        assert mine.version == version_before + 1  # one change only


def test_an_attestation_of_a_payment_undone_meanwhile_loses(app, payment_id):
    with app.app_context():
        mine = load(payment_id)
        with app.app_context():
            undo_payment(load(payment_id), actor="admin")
        with pytest.raises(PaymentRejected, match="^Betalningen hann ångras av någon annan.$"):
            attestation.attest(mine, user=user("attestant"), acknowledged=False)
        assert (mine.status, mine.attested_by) == ("undone", None)
        assert mine.invoice.status == "open"


def test_an_undo_of_a_payment_attested_meanwhile_loses_and_leaves_it_in_its_file(app, payment_id):
    # Attested payments can be undone too, but not by someone who confirmed before the attest.
    with app.app_context():
        mine = load(payment_id)
        payment_file = mine.payment_file
        seen = mine.version
        with app.app_context():
            attestation.attest(load(payment_id), user=user("admin"), acknowledged=False)
        with pytest.raises(PaymentRejected, match="admin hann attestera"):
            undo_payment(mine, actor="attestant", expected_version=seen)
        assert mine.status == "attested"
        assert mine.invoice.status == "in_payment"
        assert mine.payment_file is payment_file
        assert mine.external_id.encode() in payment_file.xml
        # The batch the undo held is free again for the sender.
        assert db.session.get(InyettBatch, mine.batch_id).claimed_until is None


def test_an_undo_of_a_payment_whose_file_was_downloaded_meanwhile_loses(app, payment_id):
    with app.app_context():
        mine = load(payment_id)
        assert mine.payment_file.downloaded_at is None  # as this user last saw it
        with app.app_context():
            payment_file = load(payment_id).payment_file
            for payment in payment_file.payments:
                payment.inyett_state = "answered"
                attestation.attest(payment, user=user("attestant"), acknowledged=False)
            bank_delivery.download_for_bank(payment_file, actor="betalare")
        with pytest.raises(PaymentRejected, match="laddades ner för banken"):
            undo_payment(mine, actor="attestant")
        db.session.refresh(mine)
        assert (mine.status, mine.invoice.status) == ("attested", "in_payment")
        assert mine.external_id.encode() in mine.payment_file.xml
        assert db.session.get(InyettBatch, mine.batch_id).claimed_until is None


def test_two_undos_at_once_undo_once(app, payment_id):
    with app.app_context():
        mine = load(payment_id)
        with app.app_context():
            undo_payment(load(payment_id), actor="admin")
        with pytest.raises(PaymentRejected, match="hann ångras"):
            undo_payment(mine, actor="attestant")
        assert db.session.scalars(select(Payment.id).where(Payment.status == "undone")).all() == [
            payment_id
        ]


def test_attesters_in_two_threads_at_the_same_moment(app, payment_id):
    """Both have read the payment as attestable before either writes."""
    both_loaded = threading.Barrier(2)
    outcomes = {}

    def attest_as(username):
        with app.app_context():
            try:
                payment = load(payment_id)
                attester = user(username)
                both_loaded.wait()
                attestation.attest(payment, user=attester, acknowledged=False)
                outcomes[username] = "attesterade"
            except PaymentRejected as rejected:
                outcomes[username] = str(rejected)
            except BaseException:
                both_loaded.abort()
                raise
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attest_as, args=(name,)) for name in ("admin", "attestant")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        winner = db.session.get(Payment, payment_id).attested_by
    loser = next(name for name in outcomes if name != winner)
    assert outcomes == {
        winner: "attesterade",
        loser: f"{winner} hann attestera betalningen före dig.",
    }
