"""Database models. Times are stored as timezone-aware UTC."""

from datetime import UTC
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import TypeDecorator
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from inyett.extensions import db

ROLES = {
    "admin": "Administratör",
    "payer": "Betalningsansvarig",
    "attester": "Attestant",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A datetime that always comes back timezone-aware UTC, also from SQLite (which drops the zone)."""

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

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


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


class DebtorAccount(db.Model):
    """One of a company's own accounts that payments are made from."""

    __tablename__ = "debtor_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    account_type: Mapped[str] = mapped_column(String(4))
    account: Mapped[str] = mapped_column(String(34))
    currency: Mapped[str] = mapped_column(String(3))
    bic: Mapped[str | None] = mapped_column(String(11))

    company: Mapped[Company] = relationship(back_populates="debtor_accounts")


class InyettSettings(db.Model):
    """The admin-editable Inyett settings: one row per installation, defaults declared here."""

    __tablename__ = "inyett_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_ciphertext: Mapped[str | None] = mapped_column(String(500))
    api_key_hint: Mapped[str | None] = mapped_column(String(4))
    batch_reference: Mapped[str] = mapped_column(String(20), default="")
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
