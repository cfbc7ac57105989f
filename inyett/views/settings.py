"""Systeminställningar › Tjänster och API:er › Inyett API (admins only)."""

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from inyett import worker
from inyett.access import roles_required
from inyett.extensions import db
from inyett.forms import ActionForm
from inyett.forms import AuditFilterForm
from inyett.forms import InyettSettingsForm
from inyett.forms import show_refusals
from inyett.models import InyettBatch
from inyett.services import audit
from inyett.services import outbox
from inyett.services import settings as settings_service
from inyett.services.settings import ConnectionTestResult
from inyett.services.settings import SettingsChange
from inyett.services.settings import SettingsRejected

bp = Blueprint("settings", __name__, url_prefix="/systeminstallningar")


@bp.get("/inyett-api")
@roles_required("admin")
def inyett_api():
    """The settings page showing the saved values (never the key itself)."""
    settings = settings_service.get_settings()
    form = InyettSettingsForm(obj=settings, api_key="")
    return _render_page(form, settings)


@bp.post("/inyett-api")
@roles_required("admin")
def save_inyett_api():
    """Save the settings; invalid input re-renders the page with messages on the fields (422)."""
    settings = settings_service.get_settings()
    form = InyettSettingsForm()
    if form.validate_on_submit():
        try:
            changed = settings_service.save_settings(
                _change_from(form), actor=current_user.username
            )
        except SettingsRejected as rejected:
            show_refusals(form, rejected.errors)
        else:
            flash(
                "Inställningarna är sparade." if changed else "Inget var ändrat.",
                "success",
            )
            return redirect(url_for("settings.inyett_api"))
    return _render_page(form, settings), 422


@bp.post("/inyett-api/testa-uppkoppling")
@roles_required("admin")
def test_connection():
    """Test the saved settings; the fragment replaces the result next to the button."""
    settings = settings_service.get_settings()
    form = InyettSettingsForm()
    if not form.validate_on_submit() or settings_service.differs_from_saved(
        settings, _change_from(form)
    ):
        return render_template(
            "partials/settings/connection-test.html",
            settings=settings,
            notice=settings_service.UNSAVED_CHANGES_MESSAGE,
        )
    result: ConnectionTestResult = settings_service.test_connection(actor=current_user.username)
    return render_template(
        "partials/settings/connection-test.html", settings=settings, result=result
    )


@bp.get("/inyett-ko")
@roles_required("admin")
def inyett_queue():
    """The outbox: batches still on their way to Inyett, and those that failed."""
    return render_template(
        "settings/inyett-queue.html",
        batches=outbox.unfinished_batches(),
        states=outbox.BATCH_STATES,
        action_form=ActionForm(),
    )


@bp.post("/inyett-ko/<int:batch_id>/skicka-igen")
@roles_required("admin")
def retry_batch(batch_id: int):
    """Skicka igen: queue a failed batch once more."""
    batch = db.session.get(InyettBatch, batch_id) or abort(404)
    if ActionForm().validate_on_submit():
        try:
            outbox.retry(batch, actor=current_user.username)
        except outbox.NothingToRetry as refused:
            flash(str(refused), "error")
        else:
            worker.notify(current_app)
            flash(f"Batchen {batch.external_id} är köad igen.", "success")
    return redirect(url_for("settings.inyett_queue"))


@bp.get("/logg")
@roles_required("admin")
def audit_log():
    """The audit trail, filtered by kind and by Swedish dates; read-only. A filter that does not
    make sense is a message on its field (422) rather than a silently different list."""
    form = AuditFilterForm(request.args)
    if not form.validate():
        return _render_audit_log(form, [], 0), 422
    page = form.sida.data or 1
    entries, total = audit.find(form.typ.data, form.fran.data, form.till.data, page)
    return _render_audit_log(form, entries, total)


@bp.get("/logg/attestspar.csv")
@roles_required("admin")
def attestation_trail():
    """Every attest and undo between the filter's dates, for the auditor, as a CSV download."""
    form = AuditFilterForm(request.args)
    if not form.validate():
        return _render_audit_log(form, [], 0), 422
    since, until = form.fran.data, form.till.data
    name = "-".join(["attestspar", *(str(day) for day in (since, until) if day)]) + ".csv"
    return current_app.response_class(
        audit.attestation_trail_csv(since, until),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _render_audit_log(form: AuditFilterForm, entries: list, total: int):
    return render_template(
        "settings/audit-log.html",
        form=form,
        entries=entries,
        total=total,
        kinds=audit.KINDS,
        page=form.sida.data or 1,
        pages=max(1, -(-total // audit.PAGE_SIZE)),
    )


def _change_from(form: InyettSettingsForm) -> SettingsChange:
    return SettingsChange(
        api_key=form.api_key.data or None,
        batch_reference=form.batch_reference.data or "",
        one_payment_per_batch=form.one_payment_per_batch.data,
        active=form.active.data,
        use_test_environment=form.use_test_environment.data,
    )


def _render_page(form: InyettSettingsForm, settings):
    saved_state = {
        "api_key": "",
        "batch_reference": settings.batch_reference,
    }
    checkboxes = ["one_payment_per_batch", "active"]
    if settings_service.is_test_installation():
        checkboxes.append("use_test_environment")
    saved_state.update({name: "y" for name in checkboxes if getattr(settings, name)})
    return render_template(
        "settings/inyett-api.html",
        form=form,
        settings=settings,
        saved_state=saved_state,
        test_installation=settings_service.is_test_installation(),
    )
