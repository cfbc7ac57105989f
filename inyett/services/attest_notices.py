"""Notices to the attesters: a file whose payments Inyett has all answered, and each morning a
summary of what still waits for them. Both are found by the worker's notice round rather than
written by the answer itself, because two senders may answer a file's last two batches at the
same moment and neither would see the file complete; the round sees it once both committed."""

from datetime import datetime

from flask import current_app
from sqlalchemy import case
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from inyett.extensions import db
from inyett.formatting import STOCKHOLM
from inyett.formatting import plural
from inyett.models import Company
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import User
from inyett.models import utcnow
from inyett.services import notices
from inyett.services.attestation import ATTESTER_ROLES
from inyett.services.attestation import WAITING_STATES
from inyett.services.attestation import attestable_by

# The summary goes at the first round after this hour, Swedish time, once a day per user.
SUMMARY_HOUR = 7
FILES_PER_ROUND = 100


def run_round(now: datetime | None = None) -> int:
    """One round of the notice worker: find what to tell, then send what is due."""
    tell_about_ready_files(now or utcnow())
    send_daily_summaries(now or utcnow())
    # Read the clock again: the notices just written are due from when they were written.
    return notices.deliver_due(now)


def _nothing_waits_for_inyett():
    return ~exists().where(
        Payment.payment_file_id == PaymentFile.id,
        Payment.status != "undone",
        Payment.inyett_state.in_(WAITING_STATES),
    )


def tell_about_ready_files(now: datetime) -> None:
    """Tell the attesters about each file that has nothing left waiting for Inyett. Each file
    is taken with a conditional UPDATE, so of two workers exactly one tells about it; files
    are taken whether notices are on or not, so that switching them on sends no backlog."""
    candidates = db.session.scalars(
        select(PaymentFile.id)
        .where(PaymentFile.ready_noticed_at.is_(None), _nothing_waits_for_inyett())
        .order_by(PaymentFile.id)
        .limit(FILES_PER_ROUND)
    ).all()
    for file_id in candidates:
        taken = db.session.execute(
            update(PaymentFile)
            .where(
                PaymentFile.id == file_id,
                PaymentFile.ready_noticed_at.is_(None),
                _nothing_waits_for_inyett(),
            )
            .values(ready_noticed_at=now)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:
            _tell_attesters(db.session.get(PaymentFile, file_id))
        db.session.commit()


def _tell_attesters(payment_file: PaymentFile) -> None:
    """Tell each attester who may attest some of the file's payments how many, as they see it
    in the attest list: what others created, within their own rights or a stand-in's."""
    if not notices.enabled():
        return
    for attester in notices.recipients(User.role.in_(ATTESTER_ROLES)):
        count, warned = db.session.execute(
            select(func.count(Payment.id), _warned_count()).where(
                Payment.payment_file_id == payment_file.id, *attestable_by(attester)
            )
        ).one()
        if count:
            _tell_about_file(attester, payment_file, count, warned)


def _tell_about_file(attester: User, payment_file: PaymentFile, count: int, warned: int) -> None:
    company = payment_file.company.name
    warnings = f", {warned} med varningar att granska" if warned else ""
    notices.queue(
        [attester],
        "file_ready",
        f"Betalningar att attestera: {company}",
        f"Inyett har kontrollerat betalfil {payment_file.message_id} för {company}, och "
        f"{plural(count, 'betalning väntar', 'betalningar väntar')} på attest{warnings}.\n\n"
        f"Öppna attestlistan: "
        f"{notices.link('attest.index', bolag=payment_file.company_id, sortera='fil')}",
        once_key=f"ready:{payment_file.id}",
    )


def _warned_count():
    return func.coalesce(func.sum(case((Payment.warning_count > 0, 1), else_=0)), 0)


def send_daily_summaries(now: datetime) -> None:
    """From SUMMARY_HOUR on, tell each attester what waits for their attestation, once a day:
    the key per user and day keeps a second worker (or a restart) from sending it again."""
    local = now.astimezone(STOCKHOLM)
    day = local.date().isoformat()
    done = current_app.extensions.setdefault("inyett_summary_day", {})
    if local.hour < SUMMARY_HOUR or done.get("day") == day or not notices.enabled():
        return
    for attester in notices.recipients(User.role.in_(ATTESTER_ROLES)):
        per_company = db.session.execute(
            select(Company.id, Company.name, func.count(Payment.id))
            .join(Company, Company.id == Payment.company_id)
            .where(*attestable_by(attester))
            .group_by(Company.id, Company.name)
            .order_by(Company.name, Company.id)
        ).all()
        if per_company:
            _summarise_for(attester, per_company, day)
    db.session.commit()
    done["day"] = day


def _summarise_for(attester: User, per_company: list, day: str) -> None:
    total = sum(count for _id, _name, count in per_company)
    lines = [
        f"- {name}: {plural(count, 'betalning', 'betalningar')}, "
        f"{notices.link('attest.index', bolag=company_id)}"
        for company_id, name, count in per_company
    ]
    notices.queue(
        [attester],
        "daily_summary",
        f"Att attestera {day}: {plural(total, 'betalning', 'betalningar')}",
        f"{plural(total, 'betalning väntar', 'betalningar väntar')} på din attest:\n\n"
        + "\n".join(lines),
        once_key=f"daily:{day}",
    )
