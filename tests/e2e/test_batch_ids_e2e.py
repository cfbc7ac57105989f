"""Against the simulator over HTTP: two installations sharing a key, and a database restored
from an old copy, never show a payment as answered on another batch's analysis."""

import time

import pytest
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import InyettBatch
from inyett.models import Payment
from inyett.services import payments
from tests.conftest import make_app
from tests.e2e.conftest import SIMULATOR_KEY
from tests.e2e.inyett_holds import assert_every_answer_is_inyetts_analysis_of_its_own_payment
from tests.e2e.inyett_holds import held_at_inyett
from tests.e2e.inyett_holds import needs_separate_databases
from tests.e2e.inyett_holds import put_back
from tests.e2e.inyett_holds import take_copy
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file
from tests.payments_helpers import drain

pytestmark = pytest.mark.e2e


def installation(tmp_path, name: str, simulator_url: str):
    (tmp_path / name).mkdir()
    app = make_app(tmp_path / name, API_URL=simulator_url)
    with app.app_context():
        activate_inyett(batch_reference="", api_key=SIMULATOR_KEY)
    return app


def drain_until_answered(seconds: float = 60) -> None:
    # The simulator answers Pending for half a second; drain ignores the back-off waits.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        drain(rounds=1)
        db.session.expire_all()
        states = set(db.session.scalars(select(Payment.inyett_state)))
        if not states & {"queued", "awaiting_answer"}:
            return
        time.sleep(0.05)
    raise AssertionError(f"still on the way: {states}")


def test_two_installations_sharing_a_key_and_an_empty_reference_get_their_own_answers(
    tmp_path, simulator_url
):
    # Each installation's first batch and payment have row number 1; they pay different
    # invoices, so an answer read from the other's batch would be about another amount.
    first = installation(tmp_path, "forsta", simulator_url)
    needs_separate_databases(first)
    second = installation(tmp_path, "andra", simulator_url)
    answered = 0
    for app, invoices in ((first, slice(0, 1)), (second, slice(1, 3))):
        with app.app_context():
            create_file(add_invoices()[invoices])
            drain_until_answered()
            answered += assert_every_answer_is_inyetts_analysis_of_its_own_payment(simulator_url)
    assert answered == 3
    held = held_at_inyett(simulator_url)
    assert len(held) == 3 and {b["createCalls"] for b in held} == {1}


def test_a_database_restored_from_an_old_copy_never_shows_another_batchs_answer(
    tmp_path, simulator_url
):
    app = installation(tmp_path, "bolaget", simulator_url)
    copy = tmp_path / "kopia.sqlite3"
    with app.app_context():
        invoice_ids = add_invoices()
        create_file(invoice_ids[:1])
        drain_until_answered()
        take_copy(copy)
        # After the backup: two payments answered, and the first one undone at Inyett.
        create_file(invoice_ids[1:3])
        drain_until_answered()
        payments.undo_payment(db.session.get(Payment, 1), actor="attestant")
        drain()

    result = put_back(app, copy)
    assert result.exit_code == 0, result.output
    with app.app_context():
        # Pay again: the restored database hands out the row numbers used after the backup,
        # now for other invoices.
        create_file([invoice_ids[3], invoice_ids[2]])
        drain_until_answered()
        assert assert_every_answer_is_inyetts_analysis_of_its_own_payment(simulator_url) == 2
        # The payment from before the backup was undone at Inyett after it: asked again, it is
        # Fel until sent again, not the answer it had.
        restored = db.session.get(Payment, 1)
        assert restored.inyett_state == "failed"
        assert restored.inyett_error.startswith("Inyett har inte batchen")
        payments.resend(restored, actor="betalare")
        drain_until_answered()
        assert assert_every_answer_is_inyetts_analysis_of_its_own_payment(simulator_url) == 3
        assert db.session.scalar(select(InyettBatch.state).where(InyettBatch.id == 1)) == (
            "answered"
        )
