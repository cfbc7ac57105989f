"""Payee accounts under four-eyes control: a supplier's account, when first entered or
changed, is paid to only after a second person (another payer or an admin, never the one who
entered it) has approved it, noting how it was confirmed with the supplier. Changing an account
is what invoice fraud asks for, and one person alone must not be able to do it."""

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from inyett import formatting
from inyett.extensions import db
from inyett.models import PayeeAccount
from inyett.models import Payment
from inyett.models import Supplier
from inyett.models import utcnow
from inyett.services import audit

ACCOUNT_FIELDS = ("account_type", "account", "bic", "street", "post_code", "town")
STATES = {"pending": "Ej godkänt", "approved": "Godkänt", "replaced": "Ersatt"}
NOTE_MAX = 500


class ApprovalRefused(Exception):
    """Why the account cannot be approved, in Swedish."""


def entered(supplier: Supplier, actor: str, *, shared_confirmed: bool = False) -> PayeeAccount:
    """The supplier's account as now on `supplier`, entered by `actor` and waiting for a
    second person's approval (added to the session, not committed)."""
    account = PayeeAccount(
        supplier=supplier,
        entered_by=actor,
        shared_confirmed=shared_confirmed,
        **{name: getattr(supplier, name) for name in ACCOUNT_FIELDS},
    )
    db.session.add(account)
    return account


def current(supplier_id: int) -> PayeeAccount | None:
    return current_of([supplier_id]).get(supplier_id)


def current_of(supplier_ids: list[int]) -> dict[int, PayeeAccount]:
    """The current account of each supplier, in one query for a page of them."""
    accounts = db.session.scalars(
        select(PayeeAccount).where(
            PayeeAccount.supplier_id.in_(supplier_ids), PayeeAccount.state != "replaced"
        )
    )
    return {account.supplier_id: account for account in accounts}


def previous(account: PayeeAccount) -> PayeeAccount | None:
    """The account `account` replaces, for the approver to see both side by side."""
    return db.session.scalar(
        select(PayeeAccount)
        .where(PayeeAccount.supplier_id == account.supplier_id, PayeeAccount.id < account.id)
        .order_by(PayeeAccount.id.desc())
        .limit(1)
    )


def replace_current(supplier: Supplier) -> bool:
    """Mark the supplier's current account replaced; False when another change got there first
    (the caller then refuses: the unique index lets one current account per supplier)."""
    done = db.session.execute(
        update(PayeeAccount)
        .where(PayeeAccount.supplier_id == supplier.id, PayeeAccount.state != "replaced")
        .values(state="replaced")
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def approve(account_id: int, *, actor: str, note: str) -> PayeeAccount:
    """Approve the pending account, or ApprovalRefused: one conditional UPDATE, so that of two
    approvers at once one wins, and the person who entered it never can."""
    note = " ".join(note.split())
    if not note:
        raise ApprovalRefused(
            "Skriv hur ändringen bekräftades med leverantören (till exempel samtal till ett "
            "känt nummer) innan kontot godkänns."
        )
    if len(note) > NOTE_MAX:
        raise ApprovalRefused(f"Anteckningen får vara högst {NOTE_MAX} tecken.")
    account = db.session.get(PayeeAccount, account_id)
    if account is None:
        raise ApprovalRefused("Kontot finns inte.")
    if account.entered_by == actor:
        raise ApprovalRefused(
            "Du lade själv in kontot: en annan betalningsansvarig eller en administratör "
            "godkänner det."
        )
    done = db.session.execute(
        update(PayeeAccount)
        .where(
            PayeeAccount.id == account_id,
            PayeeAccount.state == "pending",
            PayeeAccount.entered_by != actor,
        )
        .values(state="approved", approved_by=actor, approved_at=utcnow(), approval_note=note)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        db.session.rollback()
        raise ApprovalRefused(_why_not_pending(account_id))
    supplier = account.supplier
    audit.record(
        "payee_account",
        actor,
        f"Mottagarkontot {describe(account)} för {supplier.name} ({supplier.company.name}), "
        f"inlagt av {account.entered_by}, godkändes. Bekräftat: {note}",
    )
    db.session.commit()
    db.session.refresh(account)
    return account


def _why_not_pending(account_id: int) -> str:
    db.session.expire_all()
    account = db.session.get(PayeeAccount, account_id)
    if account.state == "approved":
        return f"Kontot hann godkännas av {account.approved_by}; det behövs inte en gång till."
    return "Kontot hann ersättas av ett annat konto; godkänn det nya i stället."


def approved_for(supplier_ids: set[int], *, lock: bool = False) -> dict[int, PayeeAccount]:
    """The approved current account of each supplier that has one. With `lock`, locked for
    share: a change of account at the same moment (which replaces it) waits until the caller
    commits, so a payment never copies an account that is no longer approved."""
    query = select(PayeeAccount).where(
        PayeeAccount.supplier_id.in_(supplier_ids), PayeeAccount.state == "approved"
    )
    if lock:
        query = query.with_for_update(read=True).execution_options(populate_existing=True)
    return {account.supplier_id: account for account in db.session.scalars(query)}


def not_approved_reason(supplier: Supplier) -> str:
    return (
        f"mottagarkontot för {supplier.name} är inte godkänt. En annan betalningsansvarig eller "
        "en administratör godkänner det under Leverantörer och fakturor."
    )


def describe(account: PayeeAccount) -> str:
    """`Bankgiro 5050-1055`, with the BIC of a payee abroad."""
    text = f"{formatting.account_label(account.account_type)} " + formatting.account(
        account.account, account.account_type, account.supplier.country
    )
    return text + (f" (BIC {account.bic})" if account.bic else "")


class NewAccounts:
    """Which payments are the first paid to their payee account (“Nytt konto”): what Inyett's
    warning of a deviating account cannot know for a new payee. One query for a whole list."""

    def __init__(self, payments=()):
        self._first_file: dict[int, int] = {}
        self._look_up({p.payee_account_id for p in payments if p.payee_account_id})

    def is_new(self, payment: Payment) -> bool:
        if payment.payee_account_id is None:  # paid before accounts were approved
            return False
        if payment.payee_account_id not in self._first_file:
            self._look_up({payment.payee_account_id})
        return self._first_file.get(payment.payee_account_id) == payment.payment_file_id

    def _look_up(self, account_ids: set[int]) -> None:
        if not account_ids:
            return
        # An undone payment paid nothing; the first file still paying the account is "new".
        firsts = db.session.execute(
            select(Payment.payee_account_id, func.min(Payment.payment_file_id))
            .where(Payment.payee_account_id.in_(account_ids), Payment.status != "undone")
            .group_by(Payment.payee_account_id)
        )
        self._first_file.update(dict(firsts.all()))
