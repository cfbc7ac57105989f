"""Mina aviseringar: every user sets their own e-mail address and whether they get notices."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user

from inyett.access import roles_required
from inyett.forms import NoticesForm
from inyett.models import ROLES
from inyett.services import users
from inyett.services.users import UserRejected

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
