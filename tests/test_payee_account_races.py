"""Two approvers of one payee account at the same moment, over real HTTP against a served
app: the database lets one approve it, the other is told who did, and nobody gets a 500."""

import pytest
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import PayeeAccount
from inyett.models import Payment
from inyett.models import SupplierInvoice
from inyett.services import ledger
from inyett.services import payee_accounts
from inyett.services.ledger import SupplierInput
from tests.conftest import make_app
from tests.e2e.conftest import Browserless
from tests.ledger_helpers import _with_check_digit
from tests.live_server import serve
from tests.payments_helpers import BANK_DAY_SOON
from tests.payments_helpers import add_invoices
from tests.payments_helpers import approve_all_accounts
from tests.test_bank_delivery_races import at_once
from tests.test_payee_accounts import company

ROUNDS = 8
PROPOSAL = "/betalningar/forslag"


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


def posting(user, page: str, data: dict, token_from: str | None = None):
    """A POST of the form on `page` (or `token_from`), to be sent when released."""
    token = user.token(token_from or page)
    return lambda: user.session.post(
        user.base_url + page,
        data={**data, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )


def test_of_two_approvers_at_once_one_approves_and_the_other_is_told(served):
    app, approvers = served
    for number in range(ROUNDS):
        account_id = pending_account(app, number)
        page = f"/reskontra/konton/{account_id}"
        responses = at_once(
            *(posting(user, page, {"note": f"Ringde, runda {number}"}) for user in approvers)
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


def test_a_change_of_account_while_a_file_is_made_never_pays_the_unapproved_account(served):
    app, (payer, admin) = served
    for number in range(ROUNDS):
        with app.app_context():
            (invoice_id,) = add_invoices()[:1]
            supplier_id = db.session.get(SupplierInvoice, invoice_id).supplier_id
            approved = payee_accounts.current(supplier_id).account
        new_account = _with_check_digit(f"{3000000 + number:07d}")
        file_form = {
            "company": "1",
            "debtor_account": "1",
            "payment_date": BANK_DAY_SOON,
            "invoice_ids": [invoice_id],
        }
        responses = at_once(
            posting(
                admin,
                f"/reskontra/leverantorer/{supplier_id}/konto",
                {"account_type": "BGNR", "account": new_account},
            ),
            posting(payer, PROPOSAL, file_form),
        )
        changed, made = responses
        assert changed.status_code == 302
        assert made.status_code in (302, 422), made.status_code
        with app.app_context():
            paid = db.session.scalars(select(Payment).where(Payment.invoice_id == invoice_id)).all()
            if made.status_code == 302:
                assert [p.account for p in paid] == [approved]
            else:
                assert paid == []
                assert "inte godkänt" in made.text
            assert payee_accounts.current(supplier_id).account == new_account
            # The next round starts from an approved account again.
            approve_all_accounts()
