"""The audit trail: an append-only record of what users and the system did."""

from inyett.extensions import db
from inyett.models import AuditEntry

KINDS = {
    "login": "Inloggning",
    "login_failed": "Misslyckad inloggning",
    "settings": "Inställningar",
    "connection_test": "Test av uppkoppling",
    "inyett_send": "Skickat till Inyett",
    "inyett_delete": "Borttaget hos Inyett",
    "ledger": "Reskontra",
    "payment_file": "Betalfil",
    "attest": "Attest",
    "undo": "Ångra",
    "user": "Användare",
}


def record(kind: str, actor: str, summary: str) -> AuditEntry:
    """Add an audit entry to the session; the caller's commit stores it with the change itself."""
    if kind not in KINDS:
        raise ValueError(f"unknown audit kind {kind!r}")
    entry = AuditEntry(kind=kind, actor=actor, summary=summary[:1000])
    db.session.add(entry)
    return entry
