"""Mina aviseringar: every user sets their own e-mail address and whether they get notices.
Mina ersättare: every attester names who attests with their rights while they are away."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user

from inyett.access import roles_required
from inyett.errors import render_error
from inyett.forms import ActionForm
from inyett.forms import NoticesForm
from inyett.models import ROLES
from inyett.services import attest_rights
from inyett.services import users
from inyett.services.attest_rights import ATTESTER_ROLES
from inyett.services.attest_rights import RightRejected
from inyett.services.users import UserRejected
from inyett.views import substitutes as substitute_views

bp = Blueprint("account", __name__, url_prefix="/konto")


@bp.get("/aviseringar")
@roles_required(*ROLES)
def notices():
    form = NoticesForm(email=current_user.email or "", notices_enabled=current_user.notices_enabled)
    return render_template("account/notices.html", notices_form=form)


@bp.post("/aviseringar")
@roles_required(*ROLES)
def change_notices():
    form = NoticesForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            changed = users.set_notices(
                user, form.email.data or "", form.notices_enabled.data, actor=user
            )
        except UserRejected as rejected:
            form.email.errors = [str(rejected)]
        else:
            flash(
                "Dina aviseringar är sparade." if changed else "Inget var ändrat.",
                "success" if changed else "info",
            )
            return redirect(url_for("account.notices"))
    return render_template("account/notices.html", notices_form=form), 422


@bp.get("/ersattare")
@roles_required(*ATTESTER_ROLES)
def substitutes():
    """Mina ersättare: who attests with one's rights while one is away, and for whom one
    stands in."""
    user = current_user._get_current_object()
    return _render_substitutes(substitute_views.substitute_form(user))


@bp.post("/ersattare")
@roles_required(*ATTESTER_ROLES)
def add_substitute():
    user = current_user._get_current_object()
    form = substitute_views.substitute_form(user, posted=True)
    substitute = substitute_views.name_substitute(user, form)
    if substitute is None:
        return _render_substitutes(form), 422
    period = f"{form.fran.data}–{form.till.data}"
    flash(f"{substitute.display_name} är din ersättare {period}.", "success")
    return redirect(url_for("account.substitutes"))


@bp.post("/ersattare/<int:substitution_id>/ta-bort")
@roles_required(*ATTESTER_ROLES)
def remove_substitute(substitution_id: int):
    if ActionForm().validate_on_submit():
        user = current_user._get_current_object()
        try:
            removed = attest_rights.remove_substitute(user, substitution_id, actor=user)
        except RightRejected as rejected:
            return render_error(403, f"{rejected} Du kan bara ta bort dina egna ersättare.")
        if removed:
            flash("Ersättaren är borttagen.", "success")
        else:
            flash("Ersättaren var redan borttagen.", "info")
    return redirect(url_for("account.substitutes"))


def _render_substitutes(form):
    user = current_user._get_current_object()
    return render_template(
        "account/substitutes.html",
        substitute_form=form,
        action_form=ActionForm(),
        substitutions=attest_rights.substitutions_of(user),
        standing_in=attest_rights.standing_in_periods(user),
    )
