"""Make the upgrade fixture of one schema revision from the code that ran it.

    .venv/bin/python tests/upgrade_fixtures/make_fixture.py REVISION [COMMIT]

checks COMMIT (default: the one in RELEASED below) out in a temporary git worktree, and there,
with that commit's own code: migrates an empty SQLite database, loads that commit's demo data,
pays, attests, undoes and downloads through its services (sending to its own simulator) and
fails a login. The rows are written to tests/upgrade_fixtures/REVISION.json. See README.md here.
"""

import inspect
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent.parent

# Each released schema revision and the last commit on main that had it as its head: the code
# an installation at that revision ran.
RELEASED = {
    "9fa47f78c6db": "c858b0b",
    "c8db590d36c3": "33cf871",
    "9918122a839b": "3d0c381",
    "bdf2fd674784": "480b769",
    "5b7e2f0a9c41": "dcfc243",
    "3c9d1e7f5a20": "4bedaab",
    "9ccb955007b6": "5190d38",
}


def main(revision: str, commit: str) -> None:
    commit = _git("rev-parse", "--short", commit).strip()
    with tempfile.TemporaryDirectory() as temporary:
        tree = Path(temporary) / "tree"
        _git("worktree", "add", "--detach", str(tree), commit)
        try:
            (tree / ".venv").symlink_to(REPOSITORY / ".venv")
            subprocess.run(
                [sys.executable, __file__, "--inside", revision, commit, temporary],
                cwd=tree,
                env={**os.environ, "PYTHONPATH": str(tree)},
                check=True,
            )
        finally:
            _git("worktree", "remove", "--force", str(tree))
    print(f"{HERE / revision}.json gjord från {commit}")


def _git(*arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=REPOSITORY, check=True, capture_output=True, text=True
    ).stdout


def inside(revision: str, commit: str, temporary: str) -> None:
    """Runs in the old commit's worktree, with its code on the path."""
    from cryptography.fernet import Fernet
    from flask_migrate import upgrade

    from inyett import create_app
    from inyett import demo
    from inyett.extensions import db

    sys.path.insert(0, str(HERE))
    import rows

    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{temporary}/fixture.sqlite3",
            "SECRET_KEY": "fixture",
            "ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "WTF_CSRF_ENABLED": False,
            "OUTBOX_WORKER": False,
        }
    )
    with app.app_context():
        upgrade()
        current = db.session.execute(db.text("SELECT version_num FROM alembic_version")).scalar()
        assert current == revision, f"{commit} migrates to {current}, not {revision}"
        demo.seed()
        if "payments" in db.metadata.tables:
            with simulator_for(app):
                pay_attest_undo_and_download()
        fail_a_login(app)
        with db.engine.connect() as connection:
            rows.write(rows.dump(connection, revision, commit), HERE / f"{revision}.json")


class simulator_for:
    """The commit's own Inyett simulator on a free port, answering at once."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        from inyett import simulator

        simulator_app = simulator.create_app({"INYETT_SIMULATOR_ANALYSIS_SECONDS": "0"})
        self.server = make_server("127.0.0.1", 0, simulator_app, threaded=True)
        url = f"http://127.0.0.1:{self.server.server_port}"
        app.config.update(API_URL=url, TEST_API_URL=f"{url}/test")

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __exit__(self, *_exc):
        self.server.shutdown()


def _download_for_bank(attestation):
    """The commit's download for the bank, if it has one: in services.attestation at first,
    in services.bank_delivery since files are re-dated before download."""
    import importlib.util

    if importlib.util.find_spec("inyett.services.bank_delivery"):
        from inyett.services import bank_delivery

        return bank_delivery.download_for_bank
    return getattr(attestation, "download_for_bank", None)


def pay_attest_undo_and_download() -> None:
    """Payment files in every state the commit knows: downloaded (or attested), answered with
    warnings and partly attested, undone, queued, and failed."""
    from sqlalchemy import select

    from inyett.extensions import db
    from inyett.models import Company
    from inyett.models import Payment
    from inyett.models import SupplierInvoice
    from inyett.models import User
    from inyett.services import attestation
    from inyett.services import payments

    sweden, norway = db.session.scalars(select(Company).order_by(Company.id)).all()
    attester = db.session.scalar(select(User).where(User.username == "attestant"))

    def invoices(company, *numbers):
        found = db.session.scalars(
            select(SupplierInvoice)
            .where(SupplierInvoice.company_id == company.id)
            .where(SupplierInvoice.invoice_number.in_(numbers))
            .order_by(SupplierInvoice.id)
        ).all()
        return [invoice.id for invoice in found]

    def paid(company, invoice_ids):
        return _create_file(payments, company, invoice_ids)

    def attest(payment):
        attestation.attest(payment, user=attester, acknowledged=payment.warning_count > 0)

    numbers = _numbers_to_pay(demo_made_a_file=db.session.scalar(select(Payment.id).limit(1)))
    first = paid(sweden, invoices(sweden, *numbers["first"]))
    second = paid(sweden, invoices(sweden, *numbers["second"]))
    held_company = norway if numbers["queued_abroad"] else sweden
    queued = paid(held_company, invoices(held_company, *numbers["queued"]))
    send_everything_but(queued)
    for payment in first.payments:
        attest(payment)
    if download_for_bank := _download_for_bank(attestation):
        download_for_bank(first, actor="betalare")
    by_number = {payment.invoice_number: payment for payment in second.payments}
    attest(by_number[numbers["attested"]])
    payments.undo_payment(by_number[numbers["undone"]], actor="betalare")
    db.session.commit()
    send_everything_but(queued)
    failed = paid(norway, invoices(norway, "N-2001"))
    send_everything_but(queued, api_key="fel-nyckel")
    db.session.refresh(failed)
    assert {p.inyett_state for p in failed.payments} == {"failed"}, failed.payments
    assert db.session.scalar(select(Payment.id).where(Payment.status == "attested"))


def _numbers_to_pay(demo_made_a_file) -> dict:
    """The invoices each of the script's files pays. Since 1.1.0 the demo pays the Swedish
    company's first invoices in a file of its own and leaves fewer open beside it."""
    if demo_made_a_file:
        return {
            "first": ("2026-1201",),
            "second": ("BM-5530", "V-8", "S-101"),
            "attested": "V-8",
            "undone": "S-101",
            "queued": ("N-2002",),
            "queued_abroad": True,
        }
    return {
        "first": ("2026-1101", "K-88"),
        # Every copy of BM-5521 the commit's demo holds, with a payment above the limit.
        "second": ("BM-5521", "BM-5522", "S-100"),
        "attested": "BM-5522",
        "undone": "S-100",
        "queued": ("V-7",),
        "queued_abroad": False,
    }


def _create_file(payments, company, invoice_ids):
    from inyett.extensions import db

    day = date.today() + timedelta(days=7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    extra = {}
    if "debtor_account_id" in inspect.signature(payments.create_payment_file).parameters:
        extra["debtor_account_id"] = company.debtor_accounts[0].id
    payment_file = payments.create_payment_file(
        company.id, invoice_ids, day, actor="betalare", today=date.today(), **extra
    )
    db.session.commit()
    return payment_file


def send_everything_but(held, api_key: str | None = None) -> None:
    """Send and fetch answers until only `held`'s batches are left unfinished."""
    from inyett.extensions import db
    from inyett.models import InyettBatch
    from inyett.services import outbox
    from inyett.services.settings import client_for_batch

    held_batches = {payment.batch_id for payment in held.payments}
    for batch in db.session.scalars(db.select(InyettBatch)):
        if batch.id in held_batches:
            batch.next_attempt_at = batch.next_attempt_at + timedelta(days=365)
    db.session.commit()

    def client(batch):
        made = client_for_batch(batch)
        if api_key:
            made._auth = {header: f"Bearer {api_key}" for header in made._auth}
        return made

    for _ in range(50):
        outbox.process_due(client)
        db.session.expire_all()
        unfinished = db.session.scalars(
            db.select(InyettBatch.id).where(
                InyettBatch.state.in_(("queued", "awaiting_answer", "delete_queued"))
            )
        ).all()
        if set(unfinished) <= held_batches:
            return
        time.sleep(0.2)
    raise RuntimeError(f"batches {unfinished} never finished")


def fail_a_login(app) -> None:
    client = app.test_client()
    for path in ("/logga-in", "/login"):
        if client.get(path).status_code == 200:
            client.post(path, data={"username": "attestant", "password": "fel-lösenord"})
            return
    raise RuntimeError("no login page found")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--inside"]:
        inside(*sys.argv[2:5])
    elif len(sys.argv) in (2, 3):
        main(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else RELEASED[sys.argv[1]])
    else:
        sys.exit(__doc__)
