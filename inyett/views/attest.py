"""Attest av leverantörsbetalningar: the list, attest, bulk attest and undo, updated in place."""

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from sqlalchemy import select

from inyett.access import roles_required
from inyett.extensions import db
from inyett.htmx import is_htmx_request
from inyett.models import Company
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import database_id
from inyett.services import attestation
from inyett.services import bank_delivery
from inyett.services import payee_accounts
from inyett.services.duplicates import OtherPayments
from inyett.services.payment_list import FILTERS
from inyett.services.payment_list import SORTS
from inyett.services.payment_list import STATUSES
from inyett.services.payment_list import PaymentQuery
from inyett.services.payment_list import find_payments
from inyett.services.payment_list import summarize
from inyett.services.payments import PaymentRejected
from inyett.views import row_actions

bp = Blueprint("attest", __name__, url_prefix="/attest")

ATTESTERS = ("attester", "admin")
ROW_TEMPLATE = "partials/attest/payment-row.html"
ATTESTED_ROW_TEMPLATE = "partials/attest/attested-row.html"
# What partials/attest/file-ready.html needs besides the file.
FILE_READY_HELPERS = {
    "date_problem": bank_delivery.date_problem,
    "last_download": bank_delivery.last_download,
}


@bp.get("")
@roles_required(*ATTESTERS)
def index():
    """The payments awaiting attestation; htmx filter requests get just the list."""
    page = find_payments(PaymentQuery.from_args(request.args))
    template = "partials/attest/payment-list.html" if is_htmx_request() else "attest/index.html"
    response = current_app.make_response(
        render_template(
            template,
            page=page,
            companies=db.session.scalars(select(Company).order_by(Company.name)).all(),
            filters=FILTERS,
            statuses=STATUSES,
            sorts=SORTS,
            **_row_helpers(page.payments),
        )
    )
    response.vary.add("HX-Request")
    return response


@bp.get("/summering")
@roles_required(*ATTESTERS)
def summary():
    """The list's count and sums, fetched again when a row changes in place."""
    query = PaymentQuery.from_args(request.args)
    return render_template(
        "partials/attest/list-summary.html", summary=summarize(query), query=query
    )


@bp.get("/<int:payment_id>")
@roles_required(*ATTESTERS)
def row(payment_id: int):
    """One row; rows waiting for Inyett ask for themselves until the answer is there."""
    return _render_row(_payment(payment_id))


@bp.post("/<int:payment_id>/attestera")
@roles_required(*ATTESTERS)
def attest(payment_id: int):
    """Attest one payment; the answer replaces its row."""
    payment = _payment(payment_id)
    try:
        attestation.attest(
            payment,
            user=current_user,
            acknowledged=request.form.get("acknowledged") == "y",
            expected_version=request.form.get("version", type=int),
        )
    except PaymentRejected as rejected:
        db.session.refresh(payment)
        return _render_row(payment, error=str(rejected)), 409
    ready = attestation.files_ready_for_bank([payment])
    return row_actions.render_row(
        ATTESTED_ROW_TEMPLATE,
        payment,
        None,
        {**_row_helpers([payment]), "ready_file": ready[0] if ready else None},
    )


@bp.get("/filer/<int:file_id>/klar")
@roles_required(*ATTESTERS)
def file_ready(file_id: int):
    """What the list says of a file ready for the bank, asked for again after its download."""
    payment_file = db.session.get(PaymentFile, file_id) or abort(404)
    return render_template(
        "partials/attest/file-ready-alone.html",
        f=payment_file,
        row=request.args.get("rad") == "1",
        **FILE_READY_HELPERS,
    )


@bp.get("/granska-markerade")
@roles_required(*ATTESTERS)
def review_selected():
    """The bulk confirmation: each selected payment with its warnings, and the one confirmation
    that they were reviewed; what it shows (ids and versions) is what Attestera posts."""
    ids = request.args.getlist("payment_ids", type=database_id)
    if not ids:
        # Said where the answer to Attestera markerade is said, not as a dialog.
        message = _bulk_result(error="Markera de betalningar som ska attesteras.")
        return message, 409, {"HX-Retarget": "#bulk-result", "HX-Reswap": "outerHTML"}
    payments = db.session.scalars(
        select(Payment).where(Payment.id.in_(ids)).order_by(Payment.payment_date, Payment.id)
    ).all()
    return render_template(
        "partials/attest/bulk-review.html",
        payments=payments,
        confirmation=attestation.REVIEW_CONFIRMATION,
        **_row_helpers(payments),
    )


@bp.post("/attestera-markerade")
@roles_required(*ATTESTERS)
def attest_selected():
    """Attest the reviewed rows. Like Attestera on one row, each row is replaced where it stands
    (Attesterad, or why not), so the user sees what happened to each; the message above the
    list says how many went through."""
    try:
        reviewed = [_reviewed(value) for value in request.form.getlist("reviewed")]
    except ValueError:
        abort(400)
    try:
        outcome = attestation.attest_reviewed(
            reviewed, user=current_user, acknowledged=request.form.get("acknowledged") == "y"
        )
    except PaymentRejected as rejected:
        db.session.rollback()
        return _bulk_result(error=str(rejected)), 409
    response = current_app.make_response(_bulk_result(outcome=outcome))
    # The list's count and sums are fetched again, as after a single attest.
    response.headers["HX-Trigger"] = "payment-changed"
    return response


def _reviewed(value: str) -> attestation.Reviewed:
    """`<payment id>:<version>` as the review shows it; ValueError when it is not."""
    payment_id, version = value.split(":")
    return attestation.Reviewed(database_id(payment_id), int(version))


def _bulk_result(error: str | None = None, outcome=None) -> str:
    payments = [*outcome.attested, *(p for p, _ in outcome.refused)] if outcome else []
    return render_template(
        "partials/attest/bulk-result.html",
        error=error,
        outcome=outcome,
        ready_files=attestation.files_ready_for_bank(outcome.attested) if outcome else [],
        **_row_helpers(payments),
    )


@bp.get("/<int:payment_id>/angra")
@roles_required(*ATTESTERS)
def confirm_undo(payment_id: int):
    """The inline confirmation: what undoing removes at Inyett."""
    payment = _payment(payment_id)
    return row_actions.confirm_undo(
        payment,
        undo_url=url_for("attest.undo", payment_id=payment.id),
        row_url=url_for("attest.row", payment_id=payment.id),
        columns=8,
        render_row=_render_row,
    )


@bp.post("/<int:payment_id>/angra")
@roles_required(*ATTESTERS)
def undo(payment_id: int):
    """Undo the payment; its row and the rows of co-removed payments are replaced."""
    return row_actions.undo(
        _payment(payment_id),
        render_row=_render_row,
        row_template=ROW_TEMPLATE,
        helpers=_row_helpers(),
    )


@bp.post("/<int:payment_id>/skicka-igen")
@roles_required(*ATTESTERS)
def resend(payment_id: int):
    """Skicka igen from the list: htmx gets the row back, a plain form the list."""
    return row_actions.resend(
        _payment(payment_id), render_row=_render_row, back_to=url_for("attest.index")
    )


def _payment(payment_id: int) -> Payment:
    return db.session.get(Payment, payment_id) or abort(404)


def _render_row(payment: Payment, error: str | None = None):
    return row_actions.render_row(ROW_TEMPLATE, payment, error, _row_helpers([payment]))


def _row_helpers(payments=()) -> dict:
    return {
        "other_payments": OtherPayments(payments),
        "new_accounts": payee_accounts.NewAccounts(payments),
        # The user itself, not the proxy: asked four times in each row, the proxy looked the
        # user up again each time.
        "row_state": attestation.RowStates(current_user._get_current_object()).of,
        "waiting_states": attestation.WAITING_STATES,
        "needs_administrator": row_actions.needs_administrator,
        **FILE_READY_HELPERS,
    }
