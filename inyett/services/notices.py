"""E-mail notices: an outbox of mails, like the one for Inyett.

A notice is written in the same transaction as what it tells about (a batch that failed, an
undo that dropped payments), so it exists exactly when the event does; the worker sends it
afterwards over SMTP. Nothing here ever talks to the mail server inside a request, so a server
that is down or slow never blocks attestation or sending to Inyett: the notice waits, with
back-off, until the server answers. Each send is claimed with a conditional UPDATE first, so
of two workers exactly one sends it.

Subjects carry no amounts and no account numbers (a mail may be read on a phone in a queue or
forwarded); bodies name companies, files, suppliers and counts, and link into the app, where the
rest is behind the login.
"""

import logging
import smtplib
import ssl
import uuid
from collections.abc import Iterable
from datetime import datetime
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from inyett.extensions import db
from inyett.formatting import plural
from inyett.models import InyettBatch
from inyett.models import Notice
from inyett.models import Payment
from inyett.models import User
from inyett.models import utcnow

FIRST_RETRY_SECONDS = 30.0
MAX_RETRY_SECONDS = 15 * 60.0
ROUND_SIZE = 100
FOOTER = (
    "\n\n-- \nInyettkopplingen\n"
    "Du får det här meddelandet eftersom aviseringar är påslagna för dig. En administratör "
    "stänger av dem under Systeminställningar › Säkerhet › Användare."
)

logger = logging.getLogger(__name__)


def enabled() -> bool:
    """Notices are off until an SMTP server is configured."""
    return bool(current_app.config["SMTP_HOST"])


def link(endpoint: str, **values) -> str:
    """The absolute address of a page, as the users open the app (BASE_URL), for a mail."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return str(current_app.config["BASE_URL"]).rstrip("/") + path


def recipients(*conditions) -> list[User]:
    """The enabled users matching `conditions` who want notices and have an address."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.is_enabled.is_(True),
                User.notices_enabled.is_(True),
                User.email.is_not(None),
                *conditions,
            )
            .order_by(User.id)
        )
    )


def queue(
    users: Iterable[User], kind: str, subject: str, body: str, once_key: str | None = None
) -> None:
    """Write a notice to each user in the caller's transaction (nothing while notices are off:
    switched on later, they send no backlog). With `once_key`, a user gets at most one notice
    under it, however many workers write it."""
    rows = [
        {
            "user_id": user.id,
            "kind": kind,
            "subject": subject[:200],
            "body": (body + FOOTER)[:4000],
            "once_key": f"{once_key}:{user.id}" if once_key else None,
        }
        for user in users
    ]
    if not rows or not enabled():
        return
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(Notice).on_conflict_do_nothing(index_elements=["once_key"]), rows
    )


def _hour(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H")


def batch_failed(batch: InyettBatch) -> None:
    """Tell the payers whose payments got Fel, and the admins that the queue has a failed batch
    (at most once an hour each, as a whole queue may fail at once when Inyett is away)."""
    if not enabled():
        return
    now = utcnow()
    for payment_file in _by_file(batch.payments):
        payer = db.session.scalar(select(User).where(User.username == payment_file.created_by))
        if payer is None:
            continue
        queue(
            recipients(User.id == payer.id),
            "payments_failed",
            f"Fel hos Inyett: betalningar för {payment_file.company.name}",
            f"Inyett kunde inte ta emot betalningar i betalfil {payment_file.message_id} för "
            f"{payment_file.company.name}. De visar Fel och kan inte attesteras förrän de "
            "skickas igen eller ångras.\n\n"
            f"Öppna betalfilen: {link('payments.payment_file', file_id=payment_file.id)}",
            once_key=f"failed:{payment_file.id}:{_hour(now)}",
        )
    queue(
        recipients(User.role == "admin"),
        "queue_failed",
        "Inyett-kön har batchar med Fel",
        f"Batchen {batch.external_id} för {batch.company.name} kunde inte skickas till Inyett, "
        "och fler kan ha fått Fel sedan dess. Kön visar varje batch med orsaken; välj Skicka "
        f"igen när felet är åtgärdat.\n\nÖppna kön: {link('settings.inyett_queue')}",
        once_key=f"queue-failed:{_hour(now)}",
    )


def payments_dropped(undone: Payment, dropped: list[Payment], actor: str) -> None:
    """Tell the payers whose payments left Inyett with a shared batch when `undone` was undone
    (not the one who undid it: the confirmation named them)."""
    if not enabled():
        return
    for payment_file, payments in _by_file(dropped).items():
        if payment_file.created_by == actor:
            continue
        queue(
            recipients(User.username == payment_file.created_by),
            "payments_dropped",
            f"Betalningar borttagna hos Inyett: {payment_file.company.name}",
            f"När {actor} ångrade betalningen till {undone.supplier_name} (faktura "
            f"{undone.invoice_number}) togs batchen bort hos Inyett, och med den "
            f"{plural(len(payments), 'betalning', 'betalningar')} i betalfil "
            f"{payment_file.message_id} för {payment_file.company.name}. De visar Borttagen "
            "hos Inyett och kan inte attesteras förrän de skickas igen (Skicka igen) eller "
            f"ångras.\n\nÖppna betalfilen: "
            f"{link('payments.payment_file', file_id=payment_file.id)}",
        )


def connection_test_failed(message: str, actor: str) -> None:
    """Tell the other admins that Testa uppkoppling failed (the one who ran it saw it)."""
    if not enabled():
        return
    queue(
        recipients(User.role == "admin", User.username != actor),
        "connection_failed",
        "Testa uppkoppling mot Inyett misslyckades",
        f"{actor} testade uppkopplingen mot Inyett, och den fungerade inte: {message}\n\n"
        f"Öppna inställningarna: {link('settings.inyett_api')}",
    )


def _by_file(payments: Iterable[Payment]) -> dict:
    files: dict = {}
    for payment in payments:
        if payment.payment_file is not None:
            files.setdefault(payment.payment_file, []).append(payment)
    return files


class MailServerDown(Exception):
    """The mail server could not be reached or refused the session; every notice waits."""


def deliver_due(now: datetime | None = None) -> int:
    """Send every notice that is due, each claimed first; return how many were sent."""
    if not enabled():
        return 0
    now = now or utcnow()
    owner = uuid.uuid4().hex
    due = db.session.scalars(
        select(Notice.id)
        .where(Notice.state == "pending", Notice.next_attempt_at <= now, _unclaimed(now))
        .order_by(Notice.id)
        .limit(ROUND_SIZE)
    ).all()
    db.session.commit()
    sent = 0
    with _MailServer() as server:
        for notice_id in due:
            if _claim(notice_id, owner, now):
                sent += _deliver(db.session.get(Notice, notice_id), server, now)
    return sent


def _unclaimed(now: datetime):
    return or_(Notice.claimed_until.is_(None), Notice.claimed_until < now)


def _claim(notice_id: int, owner: str, now: datetime) -> bool:
    hold = timedelta(seconds=float(current_app.config["SEND_CLAIM_SECONDS"]))
    result = db.session.execute(
        update(Notice)
        .where(
            Notice.id == notice_id,
            Notice.state == "pending",
            Notice.next_attempt_at <= now,
            _unclaimed(now),
        )
        .values(claimed_until=now + hold, claimed_by=owner)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _deliver(notice: Notice, server: "_MailServer", now: datetime) -> int:
    user = notice.user
    sent = 0
    if not (user.is_enabled and user.notices_enabled and user.email):
        notice.state = "skipped"
    else:
        try:
            server.send(_message(notice, user.email))
        except smtplib.SMTPRecipientsRefused as refused:
            notice.state = "refused"
            notice.last_error = f"Adressen {user.email} togs inte emot: {refused}"[:300]
            logger.warning("Aviseringen %s till %s togs inte emot.", notice.id, user.username)
        except MailServerDown as down:
            notice.attempts += 1
            wait = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** (notice.attempts - 1))
            notice.next_attempt_at = now + timedelta(seconds=wait)
            notice.last_error = str(down)[:300]
        else:
            notice.state = "sent"
            notice.sent_at = now
            sent = 1
    notice.claimed_until = notice.claimed_by = None
    db.session.commit()
    return sent


def _message(notice: Notice, address: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["SMTP_SENDER"]
    message["To"] = address
    message["Subject"] = notice.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=str(config["SMTP_SENDER"]).rpartition("@")[2])
    message.set_content(notice.body)
    return message


class _MailServer:
    """One SMTP session per round, opened at the first mail. Once the server has failed in a
    round, the rest of the round's mails wait too, without trying again."""

    def __init__(self):
        self._smtp: smtplib.SMTP | None = None
        self._down: MailServerDown | None = None

    def __enter__(self) -> "_MailServer":
        return self

    def __exit__(self, *_exc) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()

    def send(self, message: EmailMessage) -> None:
        if self._down is not None:
            raise self._down
        try:
            if self._smtp is None:
                self._smtp = _connect(current_app.config)
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused:
            raise
        except (OSError, smtplib.SMTPException) as error:
            self._down = MailServerDown(
                f"E-postservern svarade inte ({type(error).__name__}: {str(error)[:150]})"
            )
            logger.warning("%s; aviseringarna väntar och skickas senare.", self._down)
            raise self._down from error


def _connect(config) -> smtplib.SMTP:
    host, port = config["SMTP_HOST"], int(config["SMTP_PORT"])
    timeout = float(config["SMTP_TIMEOUT_SECONDS"])
    tls = str(config["SMTP_TLS"]).lower()
    if tls == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if config["SMTP_USER"]:
        smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    return smtp
