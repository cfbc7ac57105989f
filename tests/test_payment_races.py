"""Payments of one invoice at the same moment, resends at the same moment, and what the database
holds when history already has two live payments of one invoice.

As in test_attestation_races, each side has its own app context and so its own database
session, as two requests would; the concurrent HTTP versions are in tests/e2e.
"""

import pytest
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inyett.extensions import db
from inyett.models import InyettBatch
from inyett.models import Payment
from inyett.models import SupplierInvoice
from inyett.services import payments
from inyett.services.payments import PaymentRejected
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file

TAKEN = "hann tas med i en annan betalning. Listan visar nu de fakturor som är kvar."


def live_payments_of(invoice_id: int) -> list[int]:
    return db.session.scalars(
        select(Payment.id).where(Payment.invoice_id == invoice_id, Payment.status != "undone")
    ).all()


def test_the_database_refuses_a_second_live_payment_of_an_invoice(app):
    with app.app_context():
        payment = create_file(add_invoices()[:1]).payments[0]
        columns = {
            column.key: getattr(payment, column.key)
            for column in Payment.__table__.columns
            if column.key not in ("id", "external_id")
        }
        with pytest.raises(IntegrityError):
            db.session.execute(insert(Payment).values(**columns, external_id="P-copy"))
        db.session.rollback()
        # Undone, the payment no longer holds the invoice: it may be paid again.
        payments.undo_payment(payment, actor="betalare")
        assert payment.live_invoice_id is None
        again = create_file([payment.invoice_id]).payments[0]
        assert again.live_invoice_id == payment.invoice_id


def history_with_two_live_payments(invoice_ids: list[int]) -> tuple[Payment, Payment]:
    """Two live payments of the first invoice, as the old check-then-write let through: only
    the older holds live_invoice_id, on the payment and its payment_invoices row (as the
    upgrades leave them)."""
    older = create_file(invoice_ids[:1]).payments[0]
    db.session.get(SupplierInvoice, invoice_ids[0]).status = "open"
    db.session.commit()
    hold(older, None)
    newer = create_file(invoice_ids[:1]).payments[0]
    hold(newer, None)
    hold(older, invoice_ids[0])
    return older, newer


def hold(payment: Payment, invoice_id: int | None) -> None:
    payment.live_invoice_id = invoice_id
    for row in payment.netted:
        row.live_invoice_id = invoice_id
    db.session.commit()


def test_undoing_one_of_two_live_payments_of_an_invoice_keeps_it_out_of_the_proposal(app):
    with app.app_context():
        invoice_ids = add_invoices()
        older, newer = history_with_two_live_payments(invoice_ids)
        payments.undo_payment(newer, actor="betalare")
        # The older payment still pays it: it must not be offered for a third.
        assert db.session.get(SupplierInvoice, invoice_ids[0]).status == "in_payment"
        with pytest.raises(PaymentRejected, match=f"^Fakturan F-1001 {TAKEN}$"):
            create_file(invoice_ids[:2])
        payments.undo_payment(older, actor="betalare")
        assert db.session.get(SupplierInvoice, invoice_ids[0]).status == "open"


def test_an_open_invoice_still_held_by_a_live_payment_is_refused_with_nothing_saved(app):
    # An invoice reopened by the old undo while its other payment stayed live.
    with app.app_context():
        invoice_ids = add_invoices()
        held = create_file(invoice_ids[:1]).payments[0]
        db.session.get(SupplierInvoice, invoice_ids[0]).status = "open"
        db.session.commit()
        with pytest.raises(PaymentRejected, match=f"^Fakturan F-1001 {TAKEN}$"):
            create_file(invoice_ids[:2])
        assert live_payments_of(invoice_ids[0]) == [held.id]
        assert db.session.get(SupplierInvoice, invoice_ids[1]).status == "open"
        assert live_payments_of(invoice_ids[1]) == []


def test_a_payment_of_invoices_another_request_took_meanwhile_names_them(app):
    with app.app_context():
        invoice_ids = add_invoices()
        # This request read the invoices as open; another takes two of them before it writes.
        seen = [db.session.get(SupplierInvoice, i) for i in invoice_ids[:3]]
        assert {invoice.status for invoice in seen} == {"open"}
        with app.app_context():
            create_file(invoice_ids[1:3], actor="admin")
        with pytest.raises(PaymentRejected, match=f"^Fakturorna F-1002 och F-1003 {TAKEN}$"):
            create_file(invoice_ids[:3])
        assert db.session.get(SupplierInvoice, invoice_ids[0]).status == "open"
        assert live_payments_of(invoice_ids[0]) == []


@pytest.fixture
def failed_payment_id(app):
    with app.app_context():
        activate_inyett()
        payment = create_file(add_invoices()[:1]).payments[0]
        payment.inyett_state = "failed"
        payment.batch.state = "failed"
        db.session.commit()
        return payment.id


@pytest.fixture
def removed_payment_id(app):
    """A payment Inyett dropped with a shared batch, which an attester had attested."""
    with app.app_context():
        activate_inyett()
        payment = create_file(add_invoices()[:1]).payments[0]
        payment.inyett_state = "removed"
        payment.batch.state, payment.batch = "deleted", None
        payment.status, payment.attested_by = "attested", "attestant"
        db.session.commit()
        return payment.id


@pytest.mark.parametrize("payment_fixture", ["failed_payment_id", "removed_payment_id"])
def test_two_resends_at_once_send_once_and_the_other_is_told(app, request, payment_fixture):
    payment_id = request.getfixturevalue(payment_fixture)
    with app.app_context():
        mine = db.session.get(Payment, payment_id)
        batches_before = len(db.session.scalars(select(InyettBatch.id)).all())
        with app.app_context():
            payments.resend(db.session.get(Payment, payment_id), actor="admin")
        with pytest.raises(
            PaymentRejected, match="^Betalningen hann skickas igen av någon annan.$"
        ):
            payments.resend(mine, actor="betalare")
        db.session.refresh(mine)
        assert mine.inyett_state == "queued" and mine.batch.state == "queued"
        new_batches = 1 if payment_fixture == "removed_payment_id" else 0
        assert len(db.session.scalars(select(InyettBatch.id)).all()) == batches_before + new_batches


def test_a_resend_of_a_payment_undone_meanwhile_is_told_so(app, removed_payment_id):
    with app.app_context():
        mine = db.session.get(Payment, removed_payment_id)
        with app.app_context():
            payments.undo_payment(db.session.get(Payment, removed_payment_id), actor="admin")
        with pytest.raises(PaymentRejected, match="^Betalningen hann ångras av någon annan.$"):
            payments.resend(mine, actor="betalare")
        db.session.refresh(mine)
        assert (mine.status, mine.batch_id) == ("undone", None)
