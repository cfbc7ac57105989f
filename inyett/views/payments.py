"""Betalningsförslag, Skapa betalning till fil, payment files and their Inyett states."""

from datetime import date
from datetime import timedelta

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
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from inyett import worker
from inyett.access import roles_required
from inyett.extensions import db
from inyett.forms import ActionForm
from inyett.forms import PaymentProposalForm
from inyett.models import Company
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import SupplierInvoice
from inyett.models import database_id
from inyett.security import local_path
from inyett.services import payments as payment_service
from inyett.services.attestation import why_file_not_ready
from inyett.services.payments import PaymentRejected

bp = Blueprint("payments", __name__, url_prefix="/betalningar")

PAYERS = ("payer", "admin")


@bp.route("/forslag", methods=["GET", "POST"])
@roles_required(*PAYERS)
def proposal():
    """Betalningsförslag: pick a company, a date and open invoices; create the payment file."""
    companies = list(db.session.scalars(select(Company).order_by(Company.name)))
    if not companies:
        abort(404)
    company_id = request.values.get("company", type=database_id) or companies[0].id
    company = db.session.get(Company, company_id) or companies[0]
    invoices = _open_invoices(company.id)
    form = PaymentProposalForm(
        companies=companies,
        invoices=invoices,
        company=company.id,
        payment_date=_next_bank_day(date.today()),
    )
    if form.validate_on_submit():
        try:
            payment_file = payment_service.create_payment_file(
                form.company.data,
                form.invoice_ids.data,
                form.payment_date.data,
                actor=current_user.username,
                today=date.today(),
            )
        except PaymentRejected as rejected:
            form.form_errors.append(str(rejected))
        else:
            worker.notify(current_app)
            flash(f"Betalfilen är skapad med {len(payment_file.payments)} betalningar.", "success")
            return redirect(url_for("payments.payment_file", file_id=payment_file.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "payments/proposal.html", form=form, company=company, invoices=invoices
    ), status


@bp.get("/filer")
@roles_required("payer", "admin", "attester")
def payment_files():
    """The payment files, newest first."""
    files = db.session.scalars(
        select(PaymentFile)
        .options(selectinload(PaymentFile.payments))
        .order_by(PaymentFile.id.desc())
        .limit(200)
    ).all()
    return render_template("payments/files.html", files=files, why_not_ready=why_file_not_ready)


@bp.get("/filer/<int:file_id>")
@roles_required("payer", "admin", "attester")
def payment_file(file_id: int):
    """One payment file with every payment's Inyett state."""
    payment_file = db.session.get(PaymentFile, file_id) or abort(404)
    return render_template(
        "payments/file.html",
        payment_file=payment_file,
        not_ready=why_file_not_ready(payment_file),
        action_form=ActionForm(),
    )


@bp.get("/filer/<int:file_id>/pain001.xml")
@roles_required("payer", "admin", "attester")
def download(file_id: int):
    """The pain.001 file for the bank, once every payment in it is attested."""
    payment_file = db.session.get(PaymentFile, file_id) or abort(404)
    not_ready = why_file_not_ready(payment_file)
    if not_ready:
        flash(f"Filen är inte klar för banken. {not_ready}", "error")
        return redirect(url_for("payments.payment_file", file_id=file_id))
    return Response(
        payment_file.xml,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{payment_file.message_id}.xml"'},
    )


@bp.post("/<int:payment_id>/skicka-igen")
@roles_required("payer", "admin", "attester")
def resend(payment_id: int):
    """Skicka igen: queue a failed or removed payment for Inyett again."""
    payment = db.session.get(Payment, payment_id) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            payment_service.resend(payment, actor=current_user.username)
        except PaymentRejected as rejected:
            flash(str(rejected), "error")
        else:
            worker.notify(current_app)
            flash(f"{payment.supplier_name} skickas till Inyett igen.", "success")
    return redirect(
        local_path(request.form.get("next"))
        or url_for("payments.payment_file", file_id=payment.payment_file_id)
    )


def _open_invoices(company_id: int) -> list[SupplierInvoice]:
    return list(
        db.session.scalars(
            select(SupplierInvoice)
            .where(SupplierInvoice.company_id == company_id)
            .where(SupplierInvoice.status == "open")
            .order_by(SupplierInvoice.due_date, SupplierInvoice.id)
        )
    )


def _next_bank_day(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day
