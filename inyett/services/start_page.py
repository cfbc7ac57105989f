"""What waits for each role on the start page, counted in the database: one query per line, so
the page costs the same however many payments and files there are."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.services import outbox
from inyett.services.settings import get_settings

# Inyett states that need the payer: Fel, and Borttagen hos Inyett after a shared batch's undo.
TROUBLE_STATES = ("failed", "removed")


@dataclass(frozen=True)
class AttestWork:
    waiting: int
    with_warnings: int


@dataclass(frozen=True)
class FileWork:
    with_trouble: int
    not_downloaded: int


@dataclass(frozen=True)
class QueueState:
    unfinished: int
    failed: int
    last_test_at: datetime | None
    last_test_ok: bool | None
    last_test_message: str | None


def file_has_trouble():
    """A condition on PaymentFile: some payment still in it has Fel or is Borttagen hos Inyett
    (Betalfiler's ?visa=fel and the payer's start page count the same files)."""
    return PaymentFile.payments.any(
        (Payment.status != "undone") & Payment.inyett_state.in_(TROUBLE_STATES)
    )


def attest_work() -> AttestWork:
    """The payments awaiting attest, as the attest list counts them, and those with warnings."""
    waiting, with_warnings = db.session.execute(
        select(
            func.count(Payment.id), func.count(case((Payment.warning_count > 0, Payment.id)))
        ).where(Payment.status == "awaiting_attest")
    ).one()
    return AttestWork(waiting=waiting, with_warnings=with_warnings)


def file_work() -> FileWork:
    """Files with a payment that has Fel or is Borttagen hos Inyett, and files not downloaded."""
    with_trouble, not_downloaded = db.session.execute(
        select(
            select(func.count(PaymentFile.id)).where(file_has_trouble()).scalar_subquery(),
            select(func.count(PaymentFile.id))
            .where(PaymentFile.download_count == 0)
            .scalar_subquery(),
        )
    ).one()
    return FileWork(with_trouble=with_trouble, not_downloaded=not_downloaded)


def queue_state() -> QueueState:
    """The queue to Inyett (batches with a step left, and failed ones) and the last
    connection test."""
    counts = outbox.batch_counts()
    settings = get_settings()
    return QueueState(
        unfinished=sum(counts.get(state, 0) for state in outbox.ACTIVE_STATES),
        failed=counts.get("failed", 0),
        last_test_at=settings.last_test_at,
        last_test_ok=settings.last_test_ok,
        last_test_message=settings.last_test_message,
    )
