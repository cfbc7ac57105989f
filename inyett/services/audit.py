"""The audit trail: an append-only record of what users and the system did."""

import csv
import io
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select

from inyett.extensions import db
from inyett.formatting import STOCKHOLM
from inyett.formatting import local_datetime
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
    conditions = [*_kinds(kind), *_between(since, until)]
    total = db.session.scalar(select(func.count(AuditEntry.id)).where(*conditions))
    entries = db.session.scalars(
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return list(entries), total


def _kinds(kind: str | None) -> list:
    return [AuditEntry.kind == kind] if kind in KINDS else []


def _between(since: date | None, until: date | None) -> list:
    conditions = []
    if since:
        conditions.append(AuditEntry.at >= _start_of_swedish_day(since))
    if until:
        conditions.append(AuditEntry.at < _start_of_swedish_day(until + timedelta(days=1)))
    return conditions


# The attestation trail an auditor asks for: each attest (who, when, which warnings were
# acknowledged, under which right) and each undo that cleared one.
TRAIL_KINDS = ("attest", "undo")
TRAIL_COLUMNS = ("Tid", "Typ", "Användare", "Händelse")
# A cell starting with one of these is a formula to Excel (or LibreOffice), and a payee name or
# invoice number typed by anyone could be one: such cells get an apostrophe first.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def attestation_trail_csv(since: date | None, until: date | None) -> str:
    """The trail between two Swedish days, oldest first, as Swedish Excel opens it: UTF-8 with
    a byte order mark, `;` between cells."""
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.kind.in_(TRAIL_KINDS), *_between(since, until))
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(TRAIL_COLUMNS)
    for entry in entries:
        cells = (local_datetime(entry.at), KINDS[entry.kind], entry.actor, entry.summary)
        writer.writerow([_inert(cell) for cell in cells])
    return out.getvalue()


def _inert(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _start_of_swedish_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=STOCKHOLM)


def record(kind: str, actor: str, summary: str) -> AuditEntry:
    """Add an audit entry to the session; the caller's commit stores it with the change itself."""
    if kind not in KINDS:
        raise ValueError(f"unknown audit kind {kind!r}")
    entry = AuditEntry(kind=kind, actor=actor, summary=summary[:1000])
    db.session.add(entry)
    return entry
