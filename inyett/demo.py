"""Demo data: two companies, one user of each role, and settings pointing at the simulator."""

from sqlalchemy import select

from inyett import secret_box
from inyett.extensions import db
from inyett.models import Company
from inyett.models import DebtorAccount
from inyett.models import User
from inyett.services import settings as settings_service
from inyett.services import users

# Demo-only passwords, printed by the demo command; a real installation creates its users with
# `flask --app app create-user`.
DEMO_USERS = [
    ("admin", "admin", "Ada Admin", "admin-demo-2026"),
    ("betalare", "payer", "Bo Betalare", "betalare-demo-2026"),
    ("attestant", "attester", "Astrid Attestant", "attestant-demo-2026"),
]

# The key the built-in simulator accepts by default (inyett/simulator.py).
DEMO_API_KEY = "demo-nyckel-inyett"  # noqa: S105 - the simulator's public demo key


def seed() -> list[str]:
    """Load the demo data unless there are users already; return lines to print."""
    if db.session.scalar(select(User.id).limit(1)) is None:
        for username, role, full_name, password in DEMO_USERS:
            users.create_user(username, role, password, full_name)
        _seed_companies()
        _seed_settings()
        db.session.commit()
    lines = ["Demoanvändare (användarnamn / lösenord / roll):"]
    lines += [f"  {u} / {p} / {users.ROLES[r]}" for u, r, _, p in DEMO_USERS]
    return lines


def _seed_companies() -> None:
    demo_se = Company(name="Demo Fastigheter AB", orgnr="5560360793", country="SE")
    demo_se.debtor_accounts.append(
        DebtorAccount(account_type="BGNR", account="55555551", currency="SEK")
    )
    demo_no = Company(name="Demo Eiendom AS", orgnr="988077917", country="NO")
    demo_no.debtor_accounts.append(
        DebtorAccount(account_type="BBAN", account="86011117947", currency="NOK")
    )
    db.session.add_all([demo_se, demo_no])


def _seed_settings() -> None:
    settings = settings_service.get_settings()
    settings.api_key_ciphertext = secret_box.encrypt(DEMO_API_KEY)
    settings.batch_reference = "DemoTest"
    settings.active = True
