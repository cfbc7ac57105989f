"""Ångra and Skicka igen as both payment lists offer them. Each list's own views name the roles
they admit and say how to draw their row; the answer replaces that row in place."""

from collections.abc import Callable

from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask_login import current_user

from inyett import api_client
from inyett import worker
from inyett.extensions import db
from inyett.forms import ActionForm
from inyett.htmx import is_htmx_request
from inyett.models import Payment
from inyett.services import attestation
from inyett.services import payments as payment_service
from inyett.services.payments import PaymentRejected

# Draws one row of the calling list, with an error message in it when given.
RowRenderer = Callable[..., Response | str]

# Failures only an administrator can remedy, in the very words api_client gives them.
KEY_PROBLEMS = frozenset(
    str(error)
    for error in (
        api_client.KeyRefused(),
        api_client.AccessDenied(test_environment=True),
        api_client.AccessDenied(test_environment=False),
    )
)


def needs_administrator(payment: Payment) -> bool:
    """True when the payment failed because of the API key, which only an admin can change."""
    return payment.inyett_state == "failed" and payment.inyett_error in KEY_PROBLEMS


def render_row(template: str, payment: Payment, error: str | None, helpers: dict) -> Response:
    """One row of a payment list, telling the page when what it shows besides the rows (the
    file's readiness, the list's count and sums) may have changed with it."""
    response = current_app.make_response(
        render_template(template, p=payment, error=error, **helpers)
    )
    # A row that stopped waiting, or that someone else changed, may change those.
    if payment.inyett_state not in attestation.WAITING_STATES or error:
        response.headers["HX-Trigger"] = "payment-changed"
    return response


def confirm_undo(
    payment: Payment, *, undo_url: str, row_url: str, columns: int, render_row: RowRenderer
):
    """The inline confirmation: what undoing removes at Inyett; or, when the payment can no
    longer be undone (its file went to the bank meanwhile), its row saying why, with 409."""
    reason = payment_service.why_not_undoable(payment)
    if reason:
        return render_row(payment, error=reason), 409
    return render_template(
        "partials/payments/undo-confirmation.html",
        preview=payment_service.preview_undo(payment),
        p=payment,
        undo_url=undo_url,
        row_url=row_url,
        columns=columns,
    )


def undo(payment: Payment, *, render_row: RowRenderer, row_template: str, helpers: dict):
    """Undo the payment: its row and the rows of co-removed payments, or 409 and why not."""
    try:
        preview = payment_service.undo_payment(
            payment,
            actor=current_user.username,
            expected_version=request.form.get("version", type=int),
        )
    except PaymentRejected as rejected:
        db.session.refresh(payment)
        return render_row(payment, error=str(rejected)), 409
    worker.notify(current_app)
    response = current_app.make_response(
        render_template(
            "partials/payments/undone.html",
            row_template=row_template,
            p=payment,
            co_removed=preview.co_removed,
            **helpers,
        )
    )
    # What the page shows besides the rows (whether the file is ready) may have changed.
    response.headers["HX-Trigger"] = "payment-changed"
    return response


def resend(payment: Payment, *, render_row: RowRenderer, back_to: str):
    """Skicka igen: htmx gets the row back (409 and why when refused), a plain form `back_to`."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        payment_service.resend(payment, actor=current_user.username)
    except PaymentRejected as rejected:
        db.session.rollback()
        if is_htmx_request():
            return render_row(payment, error=str(rejected)), 409
        flash(str(rejected), "error")
    else:
        worker.notify(current_app)
        if is_htmx_request():
            return render_row(payment)
        flash(f"{payment.supplier_name} skickas till Inyett igen.", "success")
    return redirect(back_to)
