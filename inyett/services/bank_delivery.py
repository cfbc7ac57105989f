"""The last step to the bank: downloading a ready file, and re-dating one whose date has passed.

A file goes to the bank only with an execution date the bank executes: today or later (Swedish
time), on a bank day of the company's country. A file dated earlier, or on a day the calendar no
longer has as a bank day, is re-dated first: its XML is built again with the new date and its
payments get that date too.

Inyett's batches are left as they are. Inyett checked each payment with the paymentdate it had
when it was sent, and its answer (the warnings an attester reviewed) is about the payee, account
and amount, which re-dating does not change. Sending the payments again with the new date would
make Inyett compare them with themselves (DuplicatePaymentDifferentDays) and ask for a new
attest of what has already been attested, so they are not sent again.

Every change here is one conditional UPDATE of the file's row whose WHERE repeats what the user
saw (its date, how many times it was downloaded), and whose rowcount says whether it still
held: of two users acting on the same file at the same moment, exactly one wins and the other is
told what happened. Undo writes the same row first (services/payments.py), so the three
serialise on it and always lock the file before its payments.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import update

from inyett import dates
from inyett.bankfiles import calendar as bank_calendar
from inyett.extensions import db
from inyett.formatting import local_datetime
from inyett.formatting import plural
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import utcnow
from inyett.services import audit
from inyett.services.attestation import why_file_not_ready
from inyett.services.payments import PaymentRejected
from inyett.services.payments import build_file
from inyett.services.payments import why_not_a_payment_date


class DateNotExecutable(PaymentRejected):
    """The file's date is not one the bank executes; it must be re-dated first."""


class AlreadyDownloaded(PaymentRejected):
    """The file has been downloaded since the user last saw it, or they did not confirm
    downloading it again."""


@dataclass(frozen=True)
class DateProblem:
    """Why the file's date cannot go to the bank, and the date offered instead."""

    reason: str
    suggested: date


def date_problem(payment_file: PaymentFile, day: date | None = None) -> DateProblem | None:
    """Why `day` (by default the file's date) cannot go to the bank today, or None."""
    day = day or payment_file.payment_date
    country = payment_file.company.country
    today = dates.today_in_sweden()
    if day < today:
        reason = f"Betaldatum {day.isoformat()} har passerat."
    elif not bank_calendar.is_bank_day(country, day):
        reason = (
            f"Betaldatum {day.isoformat()} är inte en bankdag i "
            f"{bank_calendar.COUNTRY_NAMES[country]}."
        )
    else:
        return None
    return DateProblem(reason, bank_calendar.next_bank_day(country, max(day, today)))


def last_download(payment_file: PaymentFile) -> str:
    """`2026-12-01 14:05 av Anna Attestant`: when the file was last downloaded, and by whom,
    by the name people know them by."""
    downloader = payment_file.last_downloader
    name = downloader.display_name if downloader else payment_file.last_downloaded_by
    return f"{local_datetime(payment_file.last_downloaded_at)} av {name}"


def twice_warning(payment_file: PaymentFile) -> str:
    """The warning a second download needs confirmed, naming the download before it."""
    return (
        f"Filen laddades ner {last_download(payment_file)}. Ladda ner igen bara om banken "
        "inte fick den; annars betalas fakturorna två gånger."
    )


def download_for_bank(
    payment_file: PaymentFile,
    *,
    actor: str,
    seen_date: date | None = None,
    seen_downloads: int | None = None,
    confirmed_again: bool = False,
) -> bytes:
    """The file's pain.001 for the bank, as the user saw it (`seen_date`, `seen_downloads`;
    by default as loaded). The first download closes the file to undo; a later one needs
    `confirmed_again` from someone who saw the download before it."""
    seen_date = seen_date or payment_file.payment_date
    seen_downloads = payment_file.download_count if seen_downloads is None else seen_downloads
    problem = date_problem(payment_file, seen_date)
    if problem:
        raise DateNotExecutable(
            f"{problem.reason} Filen laddas inte ner med det datumet: ändra betaldatum först "
            f"(närmaste bankdag är {problem.suggested.isoformat()})."
        )
    if seen_downloads and not confirmed_again:
        raise AlreadyDownloaded(f"{twice_warning(payment_file)} Bekräfta för att ladda ner igen.")
    earlier = last_download(payment_file) if seen_downloads else ""
    _mark_downloaded(payment_file, actor, seen_date, seen_downloads)
    # Undone meanwhile by someone whose undo committed first: seen now, after the UPDATE.
    reason = why_file_not_ready(payment_file)
    if reason:
        db.session.rollback()
        raise PaymentRejected(f"Filen är inte klar för banken. {reason}")
    attested = sum(p.status == "attested" for p in payment_file.payments)
    summary = (
        f"Betalfil {payment_file.message_id} nedladdad för banken "
        f"({plural(attested, 'betalning', 'betalningar')}, betaldatum {seen_date.isoformat()})"
    )
    if seen_downloads:
        summary += (
            f"; gång {seen_downloads + 1}, bekräftat att banken inte fick nedladdningen {earlier}"
        )
    audit.record("download", actor, summary)
    xml = payment_file.xml
    db.session.commit()
    return xml


def _mark_downloaded(
    payment_file: PaymentFile, actor: str, seen_date: date, seen_downloads: int
) -> None:
    # Marked first, so that an undo at the same moment either waits for this download and is
    # refused, or has finished and is seen by the readiness check after it.
    now = utcnow()
    result = db.session.execute(
        update(PaymentFile)
        .where(
            PaymentFile.id == payment_file.id,
            PaymentFile.payment_date == seen_date,
            PaymentFile.download_count == seen_downloads,
        )
        .values(
            download_count=PaymentFile.download_count + 1,
            last_downloaded_at=now,
            last_downloaded_by=actor,
            downloaded_at=func.coalesce(PaymentFile.downloaded_at, now),
            downloaded_by=func.coalesce(PaymentFile.downloaded_by, actor),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    if result.rowcount == 1:
        return
    db.session.rollback()
    if payment_file.payment_date != seen_date:
        raise PaymentRejected(_date_changed(payment_file))
    raise AlreadyDownloaded(f"{twice_warning(payment_file)} Bekräfta för att ladda ner igen.")


def redate(payment_file: PaymentFile, new_date: date, *, actor: str, seen_date: date) -> None:
    """Give the file, whose date `seen_date` the bank no longer executes, the date `new_date`:
    its payments and its XML too. Audited; Inyett's batches stay as they are (see above)."""
    problem = date_problem(payment_file, seen_date)
    if payment_file.payment_date != seen_date:
        raise PaymentRejected(_date_changed(payment_file))
    if problem is None:
        raise PaymentRejected(
            f"Betaldatum {seen_date.isoformat()} gäller fortfarande; filen behöver inget nytt."
        )
    today = dates.today_in_sweden()
    refusal = why_not_a_payment_date(payment_file.company.country, new_date, today)
    if refusal:
        raise PaymentRejected(refusal, field="payment_date")
    result = db.session.execute(
        update(PaymentFile)
        .where(PaymentFile.id == payment_file.id, PaymentFile.payment_date == seen_date)
        .values(payment_date=new_date)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise PaymentRejected(_date_changed(payment_file))
    # Not a change to what was attested (payee, account, amount): the version stays, so a page
    # open on a payment is not told someone changed it.
    # A file of several dates (each invoice on its due date) keeps its later ones: only the
    # payments due on the file's passed date, or before the new one, move.
    db.session.execute(
        update(Payment)
        .where(
            Payment.payment_file_id == payment_file.id,
            or_(Payment.payment_date == seen_date, Payment.payment_date < new_date),
        )
        .values(payment_date=new_date)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    payment_file.xml = build_file(payment_file)
    audit.record(
        "redate",
        actor,
        f"Betalfil {payment_file.message_id}: betaldatum ändrat från {seen_date.isoformat()} "
        f"till {new_date.isoformat()} ({problem.reason[:-1].lower()}); filen byggd om, "
        "Inyetts batcher oförändrade",
    )
    db.session.commit()


def _date_changed(payment_file: PaymentFile) -> str:
    db.session.refresh(payment_file)
    return (
        f"Betaldatum hann ändras till {payment_file.payment_date.isoformat()} av någon annan. "
        "Filen visas nu som den är."
    )
