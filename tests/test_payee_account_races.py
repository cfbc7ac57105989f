"""Two approvers of one payee account at the same moment, over real HTTP against a served
app: the database lets one approve it, the other is told who did, and nobody gets a 500."""

import pytest
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import PayeeAccount
from inyett.services import ledger
from inyett.services import payee_accounts
from inyett.services.ledger import SupplierInput
from tests.conftest import make_app
from tests.e2e.conftest import Browserless
from tests.ledger_helpers import _with_check_digit
from tests.live_server import serve
from tests.test_bank_delivery_races import at_once
from tests.test_payee_accounts import company

ROUNDS = 8


@pytest.fixture
def served(tmp_path):
    app = make_app(tmp_path)
    with serve(app) as url:
        approvers = []
        for username in ("betalare", "admin"):
            user = Browserless(url)
            user.login(username)
            approvers.append(user)
        yield app, approvers
        for user in approvers:
            user.close()


def pending_account(app, number: int) -> int:
    """A new supplier's account entered by someone else than both approvers."""
    with app.app_context():
        supplier = ledger.add_supplier(
            company(),
            SupplierInput(
                f"Leverantör {number}",
                "",
                "SE",
                "BGNR",
                _with_check_digit(f"{2000000 + number:07d}"),
            ),
            actor="registrerare",
        )
        return payee_accounts.current(supplier.id).id


def approval(user, page: str, note: str):
    token = user.token(page)
    return lambda: user.session.post(
        user.base_url + page,
        data={"note": note, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )


def test_of_two_approvers_at_once_one_approves_and_the_other_is_told(served):
    app, approvers = served
    for number in range(ROUNDS):
        account_id = pending_account(app, number)
        page = f"/reskontra/konton/{account_id}"
        responses = at_once(
            *(approval(user, page, f"Ringde, runda {number}") for user in approvers)
        )
        assert sorted(r.status_code for r in responses) == [302, 422]
        loser = next(r for r in responses if r.status_code == 422)
        with app.app_context():
            account = db.session.get(PayeeAccount, account_id)
            assert account.state == "approved"
            assert f"Kontot hann godkännas av {account.approved_by}" in loser.text
            approvals = db.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.kind == "payee_account",
                    AuditEntry.summary.contains(f"Leverantör {number} "),
                )
            ).all()
            assert len(approvals) == 1
