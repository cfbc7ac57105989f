"""Betalningsförslag, Skapa betalning till fil, payment files and their Inyett states."""

from datetime import date

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from sqlalchemy import Select
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from inyett import dates
from inyett import worker
from inyett.access import roles_required
from inyett.bankfiles import calendar as bank_calendar
from inyett.errors import render_error
from inyett.extensions import db
from inyett.formatting import plural
from inyett.forms import ActionForm
from inyett.forms import PaymentProposalForm
from inyett.htmx import is_htmx_request
from inyett.models import Company
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import SupplierInvoice
from inyett.models import database_id
from inyett.services import attestation
from inyett.services import bank_delivery
from inyett.services import ledger
from inyett.services import netting
from inyett.services import payee_accounts
from inyett.services import payments as payment_service
from inyett.services.attestation import why_file_not_ready
from inyett.services.duplicates import OtherPayments
from inyett.services.paging import page_of
from inyett.services.payments import PaymentRejected
from inyett.services.start_page import file_has_trouble
from inyett.views import abort_without_companies
from inyett.views import row_actions

bp = Blueprint("payments", __name__, url_prefix="/betalningar")

PAYERS = ("payer", "admin")
# Everyone working with payments sees the files, and may send again or undo on them; only
# attesting is kept from the payer (segregation of duties).
FILE_USERS = ("payer", "admin", "attester")
ROW_TEMPLATE = "partials/payments/file-row.html"


@bp.route("/forslag", methods=["GET", "POST"])
@roles_required(*PAYERS)
def proposal():
    """Betalningsförslag: pick a company, the account paying, a date and open invoices; create
    the payment file."""
    companies = list(db.session.scalars(select(Company).order_by(Company.name)))
    abort_without_companies(companies, "Betalningsförslag")
    company = ledger.company_to_show(companies, request.values.get("company", type=database_id))
    due_by, due_by_error = _due_by_filter()
    # One page of the open invoices; what is ticked is paid, so a selection is the page's.
    page_number = request.values.get("sida", type=int)
    invoices = page_of(_open_invoices(company.id, due_by), page_number)
    form = PaymentProposalForm(
        companies=companies,
        debtor_accounts=company.debtor_accounts,
        company=company.id,
        payment_date=bank_calendar.next_bank_day(company.country, dates.today_in_sweden()),
        debtor_account=company.debtor_accounts[0].id if company.debtor_accounts else None,
    )
    if form.validate_on_submit():
        try:
            payment_file = payment_service.create_payment_file(
                form.company.data,
                form.invoice_ids.data,
                form.chosen_date,
                debtor_account_id=form.debtor_account.data,
                actor=current_user.username,
                today=dates.today_in_sweden(),
                exchange_confirmed=form.exchange_confirmed.data,
            )
        except PaymentRejected as rejected:
            if rejected.field:
                form[rejected.field].errors.append(str(rejected))
            else:
                form.form_errors.append(str(rejected))
            # Another payment may have taken some of them meanwhile: show what is left.
            invoices = page_of(_open_invoices(company.id, due_by), page_number)
        else:
            worker.notify(current_app)
            count = plural(len(payment_file.payments), "betalning", "betalningar")
            flash(f"Betalfilen är skapad med {count}.", "success")
            return redirect(url_for("payments.payment_file", file_id=payment_file.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "payments/proposal.html",
        form=form,
        company=company,
        invoices=invoices,
        today=dates.today_in_sweden(),
        due_by=request.values.get(DUE_BY, "").strip(),
        due_by_error=due_by_error,
        netted=netting.netted_on_page(invoices.items),
        approved=payee_accounts.approved_for({i.supplier_id for i in invoices.items}),
        not_approved_reason=payee_accounts.not_approved_reason,
        page_url=lambda number: url_for(
            "payments.proposal",
            company=company.id,
            **{DUE_BY: due_by.isoformat() if due_by else None},
            sida=number if number > 1 else None,
        ),
    ), status


# Betalningsförslag's filter "Förfaller t.o.m.", by its name in the address.
DUE_BY = "forfaller"


def _due_by_filter() -> tuple[date | None, str | None]:
    """The last due date to show, or None for all; a date that is not one is told, and then
    every invoice is shown rather than none."""
    typed = request.values.get(DUE_BY, "").strip()
    if not typed:
        return None, None
    try:
        return dates.parse_date(typed, "Förfaller t.o.m."), None
    except dates.InvalidDate as bad:
        return None, str(bad)


# Betalfiler's filter: all files, or those the bank cannot have yet.
NOT_DOWNLOADED = "ej-nedladdade"
WITH_TROUBLE = "fel"
FILE_VIEWS = {
    "": "Alla",
    NOT_DOWNLOADED: "Ej nedladdade",
    WITH_TROUBLE: "Fel eller borttagna hos Inyett",
}


@bp.get("/filer")
@roles_required(*FILE_USERS)
def payment_files():
    """The payment files, newest first; ?visa=ej-nedladdade those not yet downloaded, ?visa=fel
    those with a payment that has Fel or is Borttagen hos Inyett."""
    view = request.args.get("visa", "")
    view = view if view in FILE_VIEWS else ""
    query = (
        select(PaymentFile)
        .options(selectinload(PaymentFile.payments), selectinload(PaymentFile.last_downloader))
        .order_by(PaymentFile.id.desc())
        .limit(200)
    )
    if view == NOT_DOWNLOADED:
        query = query.where(PaymentFile.download_count == 0)
    elif view == WITH_TROUBLE:
        query = query.where(file_has_trouble())
    return render_template(
        "payments/files.html",
        files=db.session.scalars(query).all(),
        view=view,
        views=FILE_VIEWS,
        why_not_ready=why_file_not_ready,
        date_problem=bank_delivery.date_problem,
        last_download=bank_delivery.last_download,
        no_companies=db.session.scalar(select(Company.id).limit(1)) is None,
    )


@bp.get("/filer/<int:file_id>")
@roles_required(*FILE_USERS)
def payment_file(file_id: int):
    """One payment file with every payment's Inyett state; waiting rows refresh themselves."""
    return _render_file_page(_payment_file(file_id))


@bp.get("/filer/<int:file_id>/status")
@roles_required(*FILE_USERS)
def file_status(file_id: int):
    """Whether the file is ready for the bank, fetched again after a row changes."""
    return render_template(
        "partials/payments/file-status.html", **_file_status(_payment_file(file_id))
    )


@bp.post("/filer/<int:file_id>/betaldatum")
@roles_required(*FILE_USERS)
def redate(file_id: int):
    """Give a file whose date has passed, or is no longer a bank day, a date the bank
    executes; htmx gets the file drawn again, a plain form the page."""
    payment_file = _payment_file(file_id)
    seen_date = _posted_date("seen_date")
    try:
        new_date = dates.parse_date(request.form.get("payment_date", ""), "Betaldatum")
        bank_delivery.redate(
            payment_file, new_date, actor=current_user.username, seen_date=seen_date
        )
    except (PaymentRejected, dates.InvalidDate) as refused:
        status = 409 if isinstance(refused, PaymentRejected) and not refused.field else 422
        return _after_file_action(payment_file, error=str(refused), status=status)
    return _after_file_action(
        payment_file,
        message=f"Betaldatum ändrat från {seen_date.isoformat()} till {new_date.isoformat()}. "
        "Filen är byggd om med det nya datumet och kan laddas ner.",
    )


@bp.post("/filer/<int:file_id>/skicka-igen")
@roles_required(*FILE_USERS)
def resend_removed(file_id: int):
    """Skicka igen alla: every payment a shared batch's undo dropped at Inyett, sent again."""
    payment_file = _payment_file(file_id)
    try:
        count = payment_service.resend_removed(payment_file, actor=current_user.username)
    except PaymentRejected as refused:
        return _after_file_action(payment_file, error=str(refused), status=409)
    worker.notify(current_app)
    return _after_file_action(
        payment_file,
        message=f"{plural(count, 'betalning', 'betalningar')} skickas till Inyett igen, var och "
        "en i en egen batch. Attestera dem när Inyett har svarat.",
    )


def _after_file_action(payment_file: PaymentFile, *, error=None, message=None, status=409):
    """htmx gets the file drawn again with the outcome; a plain form the page, with it flashed."""
    if is_htmx_request():
        page = _render_file_page(payment_file, error=error, message=message)
        return (page, status) if error else page
    flash(error or message, "error" if error else "success")
    return redirect(url_for("payments.payment_file", file_id=payment_file.id))


@bp.post("/filer/<int:file_id>/pain001.xml")
@roles_required(*FILE_USERS)
def download(file_id: int):
    """The pain.001 file for the bank, once every payment in it is attested (a POST: the first
    download closes the file to undo), with the date and downloads the user saw; a download
    after another needs its confirmation."""
    payment_file = _payment_file(file_id)
    seen_date = _posted_date("seen_date")
    seen_downloads = request.form.get("seen_downloads", type=int)
    if seen_downloads is None or seen_downloads < 0:
        abort(400)
    try:
        xml = bank_delivery.download_for_bank(
            payment_file,
            actor=current_user.username,
            seen_date=seen_date,
            seen_downloads=seen_downloads,
            confirmed_again=request.form.get("confirmed_again") == "y",
        )
    except PaymentRejected as rejected:
        if is_htmx_request():
            # The page's script shows the reason where it stands instead of reloading.
            return render_error(409, str(rejected))
        flash(str(rejected), "error")
        return redirect(url_for("payments.payment_file", file_id=file_id))
    return Response(
        xml,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{payment_file.message_id}.xml"'},
    )


@bp.get("/<int:payment_id>")
@roles_required(*FILE_USERS)
def row(payment_id: int):
    """One row of the file page; rows waiting for Inyett ask for themselves until answered."""
    return _render_row(_payment(payment_id))


@bp.post("/<int:payment_id>/skicka-igen")
@roles_required(*FILE_USERS)
def resend(payment_id: int):
    """Skicka igen: queue a failed or removed payment for Inyett again; htmx gets its row."""
    payment = _payment(payment_id)
    # An undone payment has left its file: back to the list of files, not to no file.
    back_to = (
        url_for("payments.payment_file", file_id=payment.payment_file_id)
        if payment.payment_file_id is not None
        else url_for("payments.payment_files")
    )
    return row_actions.resend(payment, render_row=_render_row, back_to=back_to)


@bp.get("/<int:payment_id>/angra")
@roles_required(*FILE_USERS)
def confirm_undo(payment_id: int):
    """The inline confirmation: what undoing removes at Inyett."""
    payment = _payment(payment_id)
    return row_actions.confirm_undo(
        payment,
        undo_url=url_for("payments.undo", payment_id=payment.id),
        row_url=url_for("payments.row", payment_id=payment.id),
        columns=7,
        render_row=_render_row,
    )


@bp.post("/<int:payment_id>/angra")
@roles_required(*FILE_USERS)
def undo(payment_id: int):
    """Undo the payment; its row and the rows of co-removed payments are replaced, and the
    file's status is fetched again."""
    return row_actions.undo(
        _payment(payment_id),
        render_row=_render_row,
        row_template=ROW_TEMPLATE,
        helpers=_row_helpers(),
    )


def _payment_file(file_id: int) -> PaymentFile:
    return db.session.get(PaymentFile, file_id) or abort(404)


def _posted_date(name: str) -> date:
    """A date the page posts back as it showed it: a form that lacks it is no page of ours."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        return dates.parse_date(request.form.get(name, ""))
    except dates.InvalidDate:
        abort(400)


def _render_file_page(payment_file: PaymentFile, **status):
    return render_template(
        "payments/file.html",
        **_file_status(payment_file, **status),
        **_row_helpers(payment_file.payments),
    )


def _file_status(payment_file: PaymentFile, error=None, message=None) -> dict:
    """What the file's status box shows: whether it can go to the bank, and if its date must
    change first or a download before needs confirming."""
    today = dates.today_in_sweden()
    return {
        "payment_file": payment_file,
        "not_ready": why_file_not_ready(payment_file),
        "date_problem": bank_delivery.date_problem(payment_file),
        "earliest_date": today,
        "latest_date": payment_service.latest_payment_date(today),
        "twice_warning": bank_delivery.twice_warning if payment_file.download_count else None,
        "last_download": bank_delivery.last_download,
        "error": error,
        "message": message,
    }


def _payment(payment_id: int) -> Payment:
    return db.session.get(Payment, payment_id) or abort(404)


def _render_row(payment: Payment, error: str | None = None):
    return row_actions.render_row(ROW_TEMPLATE, payment, error, _row_helpers([payment]))


def _row_helpers(payments=()) -> dict:
    return {
        "other_payments": OtherPayments(payments),
        "why_not_undoable": payment_service.why_not_undoable,
        "waiting_states": attestation.WAITING_STATES,
        "needs_administrator": row_actions.needs_administrator,
    }


def _open_invoices(company_id: int, due_by: date | None = None) -> Select:
    query = (
        select(SupplierInvoice)
        .where(SupplierInvoice.company_id == company_id)
        .where(SupplierInvoice.status == "open")
        .options(selectinload(SupplierInvoice.supplier))
        .order_by(SupplierInvoice.due_date, SupplierInvoice.id)
    )
    return query if due_by is None else query.where(SupplierInvoice.due_date <= due_by)
