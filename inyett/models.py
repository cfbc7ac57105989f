"""Database models. Times are stored as timezone-aware UTC."""

import functools
import secrets
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import LargeBinary
from sqlalchemy import Numeric
from sqlalchemy import String
from sqlalchemy import TypeDecorator
from sqlalchemy import UniqueConstraint
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import true
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from inyett.extensions import db
from inyett.ids import INSTALLATION_ID_LENGTH
from inyett.ids import new_installation_id

ROLES = {
    "admin": "Administratör",
    "payer": "Betalningsansvarig",
    "attester": "Attestant",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


# Primary keys are INTEGER: 32 bits on PostgreSQL (SQLite allows 64). A larger number in a
# request would overflow the query instead of finding nothing.
MAX_DATABASE_ID = 2**31 - 1


def database_id(value: str) -> int:
    """`value` as a row id, or ValueError: usable as `type=` when reading request arguments."""
    number = int(value)
    if not 0 < number <= MAX_DATABASE_ID:
        raise ValueError(f"{value!r} is not a row id")
    return number


class UtcDateTime(TypeDecorator):
    """A datetime that always comes back timezone-aware UTC, also from SQLite (which drops
    the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Stored in each session at login and compared on every request: raising it ends every
    # session the user has open, a copied cookie included (services.users.end_sessions).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Where e-mail notices go (services.notices); none without an address.
    email: Mapped[str | None] = mapped_column(String(254))
    notices_enabled: Mapped[bool] = mapped_column(default=True, server_default=true())

    # True: may attest in every company, any amount (as every attester could before rights
    # existed, and so for every company added later). False: only what attest_rights lists.
    attests_all_companies: Mapped[bool] = mapped_column(default=True, server_default=true())

    attest_rights: Mapped[list["AttestRight"]] = relationship(
        back_populates="user", order_by="AttestRight.id", cascade="all, delete-orphan"
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def check_no_password(password: str) -> bool:
        """False, after as much work as check_password: a login for a username that does not
        exist must take as long as one for a user that does, or timing tells which exist."""
        check_password_hash(_unusable_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return False

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class AttestRight(db.Model):
    """One company and currency a user may attest in (when not attests_all_companies), up to
    max_amount per payment in that currency; NULL is no limit. Compared in the payment's own
    currency, so that no exchange rate decides whether a payment is within the limit."""

    __tablename__ = "attest_rights"
    __table_args__ = (UniqueConstraint("user_id", "company_id", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    max_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))

    user: Mapped[User] = relationship(back_populates="attest_rights")
    company: Mapped["Company"] = relationship()


class Substitution(db.Model):
    """`substitute` attests with `owner`'s rights from starts_on to ends_on, Swedish days, both
    inclusive (a holiday), within the substitute's own role."""

    __tablename__ = "substitutions"
    # The same substitute for the same period once: a double click adds one.
    __table_args__ = (
        Index(
            "uq_substitutions_period",
            "owner_id",
            "substitute_id",
            "starts_on",
            "ends_on",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    substitute_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    substitute: Mapped[User] = relationship(foreign_keys=[substitute_id])


class Company(db.Model):
    """A company (bolag) in this database; every company's payments go to Inyett when active."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    orgnr: Mapped[str] = mapped_column(String(20), unique=True)
    country: Mapped[str] = mapped_column(String(2))

    debtor_accounts: Mapped[list["DebtorAccount"]] = relationship(
        back_populates="company", order_by="DebtorAccount.id"
    )
    dual_attest_limits: Mapped[list["DualAttestLimit"]] = relationship(
        order_by="DualAttestLimit.currency", cascade="all, delete-orphan"
    )


class DualAttestLimit(db.Model):
    """A payment of the company in this currency above `above_amount` needs two attesters."""

    __tablename__ = "dual_attest_limits"
    __table_args__ = (UniqueConstraint("company_id", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    above_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))


class DebtorAccount(db.Model):
    """One of a company's own accounts that payments are made from, as its bank knows it."""

    __tablename__ = "debtor_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    # The bank account the money leaves: 'BBAN' (SE clearing + account, NO 11 digits) or
    # 'IBAN'. An account saved before banks were asked for may still say 'BGNR' or 'PGNR'
    # here, kept as it was: then its bank account is missing (see has_bank_account).
    account_type: Mapped[str] = mapped_column(String(4))
    account: Mapped[str] = mapped_column(String(34))
    currency: Mapped[str] = mapped_column(String(3))
    # The BIC read from the account number when it was saved (inyett.paying_banks); on older
    # accounts the one an admin typed.
    bic: Mapped[str | None] = mapped_column(String(11))
    # The bank's profile key (inyett.bankfiles); None on older accounts: then it follows from
    # the account number.
    bank: Mapped[str | None] = mapped_column(String(20))
    # The bank agreement's identification, which the file names its sender by (InitgPty).
    agreement_id: Mapped[str | None] = mapped_column(String(35))
    bankgiro: Mapped[str | None] = mapped_column(String(8))
    plusgiro: Mapped[str | None] = mapped_column(String(8))

    company: Mapped[Company] = relationship(back_populates="debtor_accounts")

    @property
    def has_bank_account(self) -> bool:
        return self.account_type in ("BBAN", "IBAN")

    @property
    def inyett_account(self) -> str:
        """The account Inyett knows the company's payments by: its bankgiro where it has one,
        as every batch sent before bank accounts were asked for named it, so that Inyett's
        history of the account stays one; otherwise the bank account."""
        return self.bankgiro or self.account


class InyettSettings(db.Model):
    """The admin-editable Inyett settings: one row per installation, defaults declared here."""

    __tablename__ = "inyett_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_ciphertext: Mapped[str | None] = mapped_column(String(500))
    api_key_hint: Mapped[str | None] = mapped_column(String(4))
    batch_reference: Mapped[str] = mapped_column(String(20), default="")
    # Part of every id sent to Inyett; a restore gives the installation a new one (inyett.ids).
    installation_id: Mapped[str] = mapped_column(
        String(INSTALLATION_ID_LENGTH), default=new_installation_id
    )
    one_payment_per_batch: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=False)
    use_test_environment: Mapped[bool] = mapped_column(default=False)
    last_test_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_test_ok: Mapped[bool | None]
    last_test_message: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(80))

    @property
    def has_api_key(self) -> bool:
        return self.api_key_ciphertext is not None


class AuditEntry(db.Model):
    """Who did what and when. Written by services only; the app offers no way to edit or delete."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(String(1000))


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_to_rewrite_history(_mapper, _connection, entry: AuditEntry) -> None:
    # A bug or a later feature must not be able to edit the trail through the ORM either.
    raise PermissionError(f"audit entry {entry.id} cannot be changed or deleted")


class Supplier(db.Model):
    """A payee (leverantör) of one company, with the account its invoices are paid to."""

    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(70))
    orgnr: Mapped[str | None] = mapped_column(String(12))
    country: Mapped[str] = mapped_column(String(2))
    account_type: Mapped[str] = mapped_column(String(4))
    account: Mapped[str] = mapped_column(String(34))
    # The postal address and the BIC of the payee's bank, which cross-border payments need
    # (services.payees); empty for most payees at home. Lengths as in pain.001.
    street: Mapped[str | None] = mapped_column(String(70))
    post_code: Mapped[str | None] = mapped_column(String(16))
    town: Mapped[str | None] = mapped_column(String(35))
    bic: Mapped[str | None] = mapped_column(String(11))
    # A copy of an earlier supplier, stored before the database held the rule below (a double
    # click on Lägg till): kept, as invoices may point at it, and left out of the rule.
    known_duplicate: Mapped[bool] = mapped_column(default=False)

    company: Mapped[Company] = relationship()


# One supplier per payee and company: a second copy would let the same invoice number in once
# per copy, and so be paid twice. The org.nr may be missing; coalesce makes two missing ones
# equal, on SQLite and PostgreSQL alike.
Index(
    "uq_suppliers_payee",
    Supplier.company_id,
    Supplier.country,
    Supplier.account_type,
    Supplier.account,
    func.coalesce(Supplier.orgnr, ""),
    unique=True,
    sqlite_where=~Supplier.known_duplicate,
    postgresql_where=~Supplier.known_duplicate,
)


class PayeeAccount(db.Model):
    """One account a supplier has been paid to or is to be paid to, in the order entered: the
    newest not replaced is the supplier's account (its copy on Supplier), payable only once a
    second person has approved it (services.payee_accounts)."""

    __tablename__ = "payee_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    account_type: Mapped[str] = mapped_column(String(4))
    account: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    street: Mapped[str | None] = mapped_column(String(70))
    post_code: Mapped[str | None] = mapped_column(String(16))
    town: Mapped[str | None] = mapped_column(String(35))
    # pending -> approved; replaced once another account is entered
    state: Mapped[str] = mapped_column(String(10), default="pending")
    entered_by: Mapped[str] = mapped_column(String(80))
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(80))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    approval_note: Mapped[str | None] = mapped_column(String(500))
    # The person entering it confirmed that another supplier of the company shares the account.
    shared_confirmed: Mapped[bool] = mapped_column(default=False)

    supplier: Mapped[Supplier] = relationship()


# One current account per supplier: of two changes at once, the database lets one in.
Index(
    "uq_payee_accounts_current",
    PayeeAccount.supplier_id,
    unique=True,
    sqlite_where=PayeeAccount.state != "replaced",
    postgresql_where=PayeeAccount.state != "replaced",
)


class SupplierInvoice(db.Model):
    """An open supplier invoice (leverantörsfaktura) waiting to be paid."""

    __tablename__ = "supplier_invoices"
    # The same invoice twice would be paid twice. Copies an older version stored anyway are
    # kept (they may have been paid), numbered 1, 2, … by the upgrade; a new invoice is always 0.
    __table_args__ = (
        UniqueConstraint(
            "supplier_id",
            "invoice_number",
            "duplicate_number",
            name="uq_supplier_invoices_number",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    invoice_number: Mapped[str] = mapped_column(String(35))
    ocr: Mapped[str | None] = mapped_column(String(25))
    message: Mapped[str | None] = mapped_column(String(140))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    due_date: Mapped[date]
    # open -> in_payment (in a payment file) -> back to open when the payment is undone
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    duplicate_number: Mapped[int] = mapped_column(default=0, server_default="0")

    company: Mapped[Company] = relationship()
    supplier: Mapped[Supplier] = relationship()


class PaymentFile(db.Model):
    """A pain.001 file created from a company's payment proposal (betalning till fil)."""

    __tablename__ = "payment_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    debtor_account_id: Mapped[int] = mapped_column(ForeignKey("debtor_accounts.id"))
    message_id: Mapped[str] = mapped_column(String(35), unique=True)
    payment_date: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))
    # Loaded only when the file itself is needed, not for every list that names it.
    xml: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # Set by the first download for the bank: from then on the bank may have the file, so no
    # payment may leave it in the app.
    downloaded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    downloaded_by: Mapped[str | None] = mapped_column(String(80))
    # Every download counts: a second one may pay the invoices twice, so it must be confirmed
    # by someone who saw the last one, and the count is what tells whether they did.
    download_count: Mapped[int] = mapped_column(default=0, server_default="0")
    last_downloaded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_downloaded_by: Mapped[str | None] = mapped_column(String(80))
    # Set once the attesters have been told that the file's payments are ready for attestation
    # (services.notices), so that they are told once, by one worker.
    ready_noticed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)

    company: Mapped[Company] = relationship()
    debtor_account: Mapped[DebtorAccount] = relationship()
    payments: Mapped[list["Payment"]] = relationship(
        back_populates="payment_file", order_by="Payment.id"
    )
    # Named on the page by the name people know them by; the username is what is stored.
    last_downloader: Mapped[User | None] = relationship(
        primaryjoin="foreign(PaymentFile.last_downloaded_by) == User.username", viewonly=True
    )


class InyettBatch(db.Model):
    """A batch for Inyett: the outbox row that is sent, polled for warnings, or deleted.

    `external_id` and `one_payment_per_batch` are fixed when the batch is made, so that later
    setting changes never break an undo.
    """

    __tablename__ = "inyett_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(35), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    country: Mapped[str] = mapped_column(String(2))
    debtor_account: Mapped[str] = mapped_column(String(34))
    one_payment_per_batch: Mapped[bool]
    test_environment: Mapped[bool] = mapped_column(default=False)
    # queued -> awaiting_answer -> answered; failed (with last_error); delete_queued -> deleted
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Stored before the first create call leaves: from then on Inyett may hold the batch even
    # if no answer came back, so an undo must delete it there.
    first_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    company: Mapped[Company] = relationship()
    payments: Mapped[list["Payment"]] = relationship(back_populates="batch", order_by="Payment.id")


class Payment(db.Model):
    """One supplier payment: a copy of what was paid, its Inyett state and its attestation."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Our payment id: EndToEndId in the file and the transaction externalId at Inyett.
    external_id: Mapped[str] = mapped_column(String(35), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("supplier_invoices.id"), index=True)
    # invoice_id again while the payment is live (not undone), NULL once undone: unique, so
    # the database refuses a second live payment of one invoice (NULLs never collide). No
    # foreign key of its own: invoice_id has it, and SQLite could add one only by copying the
    # table, which its other tables' foreign keys forbid.
    live_invoice_id: Mapped[int | None] = mapped_column(index=True, unique=True)
    payment_file_id: Mapped[int | None] = mapped_column(ForeignKey("payment_files.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("inyett_batches.id"), index=True)
    supplier_name: Mapped[str] = mapped_column(String(70))
    # The approved account the payment copied (below); empty for payments made before the
    # accounts were approved, which the attest list does not call new.
    payee_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("payee_accounts.id"), index=True
    )
    supplier_orgnr: Mapped[str | None] = mapped_column(String(12))
    supplier_country: Mapped[str] = mapped_column(String(2))
    supplier_street: Mapped[str | None] = mapped_column(String(70))
    supplier_post_code: Mapped[str | None] = mapped_column(String(16))
    supplier_town: Mapped[str | None] = mapped_column(String(35))
    supplier_bic: Mapped[str | None] = mapped_column(String(11))
    account_type: Mapped[str] = mapped_column(String(4))
    account: Mapped[str] = mapped_column(String(34))
    invoice_number: Mapped[str] = mapped_column(String(35))
    ocr: Mapped[str | None] = mapped_column(String(25))
    message: Mapped[str | None] = mapped_column(String(140))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    payment_date: Mapped[date] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))
    # awaiting_attest -> attested; undone (left its file)
    status: Mapped[str] = mapped_column(String(16), default="awaiting_attest", index=True)
    # inactive, queued, awaiting_answer, answered, failed, removed (see services.payments)
    inyett_state: Mapped[str] = mapped_column(String(16), index=True)
    inyett_error: Mapped[str | None] = mapped_column(String(500))
    warning_count: Mapped[int] = mapped_column(default=0, index=True)
    attested_by: Mapped[str | None] = mapped_column(String(80))
    attested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    warnings_acknowledged: Mapped[bool] = mapped_column(default=False)
    # The first of two attestations, when the payment is above its company's dual limit; the
    # second one sets attested_by and the status.
    first_attested_by: Mapped[str | None] = mapped_column(String(80))
    first_attested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Bumped on every change, so that two attesters acting at once cannot both win.
    version: Mapped[int] = mapped_column(default=1)

    company: Mapped[Company] = relationship()
    # The main invoice; a netted payment pays the invoices and credit notes of `netted`.
    invoice: Mapped[SupplierInvoice] = relationship()
    netted: Mapped[list["PaymentInvoice"]] = relationship(
        back_populates="payment", order_by="PaymentInvoice.invoice_id"
    )
    payee_account: Mapped["PayeeAccount | None"] = relationship()
    payment_file: Mapped[PaymentFile | None] = relationship(back_populates="payments")
    batch: Mapped[InyettBatch | None] = relationship(back_populates="payments")
    warnings: Mapped[list["PaymentWarning"]] = relationship(
        back_populates="payment", order_by="PaymentWarning.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    # The attest list's first page and its count and sums (services/payment_list.py): walked
    # in the list's order, and summed from the index alone, instead of sorting and reading
    # every payment awaiting attest for each page.
    __table_args__ = (
        Index("ix_payments_attest_order", "status", "payment_date", "payment_file_id", "id"),
        Index("ix_payments_status_sums", "status", "currency", "amount"),
    )


class PaymentInvoice(db.Model):
    """An invoice or credit note a payment pays: one row each, so that a payment netting a
    supplier's credit notes against its invoices (kvittning) knows every one of them."""

    __tablename__ = "payment_invoices"

    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("supplier_invoices.id"), primary_key=True, index=True
    )
    # invoice_id while the payment is live, NULL once undone: unique, so that the database
    # refuses a second live payment of any invoice, netted or not (as Payment.live_invoice_id
    # does for the main invoice).
    live_invoice_id: Mapped[int | None] = mapped_column(index=True, unique=True)

    payment: Mapped[Payment] = relationship(back_populates="netted")
    invoice: Mapped[SupplierInvoice] = relationship()


class Notice(db.Model):
    """An e-mail notice to one user: written in the transaction of what it tells about, and
    sent afterwards by the worker (services.notices), so that a mail server that is down
    neither blocks the event nor loses the mail."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(4000))
    # Notices that must go once per user and day (or hour) carry a key; the database refuses
    # a second with the same one, whichever worker writes it.
    once_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    # pending -> sent; skipped (notices off or no address when due); refused (by the server)
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship()


class PaymentWarning(db.Model):
    """A warning Inyett raised on a payment, kept with Inyett's own words."""

    __tablename__ = "payment_warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(1000))
    category: Mapped[str] = mapped_column(String(40))

    payment: Mapped[Payment] = relationship(back_populates="warnings")


@functools.cache
def _unusable_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


class LoginFailure(db.Model):
    """A failed login, or one whose password is being checked, kept for LOGIN_LOCKOUT_SECONDS
    (then deleted by services.users) so that guessing passwords can be slowed down."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    address: Mapped[str] = mapped_column(String(45), index=True)


class ServiceStatus(db.Model):
    """When something last happened that every process should see: the sender's heartbeat and
    Inyett's last answer (one row per name, overwritten), read by the health check."""

    __tablename__ = "service_status"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
