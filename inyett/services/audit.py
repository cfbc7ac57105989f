"""The audit trail: an append-only record of what users and the system did."""

from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select

from inyett.extensions import db
from inyett.formatting import STOCKHOLM
from inyett.models import AuditEntry

KINDS = {
    "login": "Inloggning",
    "login_failed": "Misslyckad inloggning",
    "login_locked": "Inloggning under spärr",
    "settings": "Inställningar",
    "connection_test": "Test av uppkoppling",
    "inyett_send": "Skickat till Inyett",
    "inyett_delete": "Borttaget hos Inyett",
    "ledger": "Reskontra",
    "payee_account": "Mottagarkonto",
    "payment_file": "Betalfil",
    "attest": "Attest",
    "undo": "Ångra",
    "download": "Nedladdning för banken",
    "redate": "Nytt betaldatum",
    "user": "Användare",
    "company": "Bolag",
    "backup": "Säkerhetskopia och återställning",
    "upgrade": "Uppgradering",
}


PAGE_SIZE = 100


def find(kind: str | None, since: date | None, until: date | None, page: int) -> tuple[list, int]:
    """One page of entries, newest first, and the number of matches. Dates are Swedish days."""
    conditions = []
    if kind in KINDS:
        conditions.append(AuditEntry.kind == kind)
    if since:
        conditions.append(AuditEntry.at >= _start_of_swedish_day(since))
    if until:
        conditions.append(AuditEntry.at < _start_of_swedish_day(until + timedelta(days=1)))
    total = db.session.scalar(select(func.count(AuditEntry.id)).where(*conditions))
    entries = db.session.scalars(
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return list(entries), total


def _start_of_swedish_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=STOCKHOLM)


def record(kind: str, actor: str, summary: str) -> AuditEntry:
    """Add an audit entry to the session; the caller's commit stores it with the change itself."""
    if kind not in KINDS:
        raise ValueError(f"unknown audit kind {kind!r}")
    entry = AuditEntry(kind=kind, actor=actor, summary=summary[:1000])
    db.session.add(entry)
    return entry
