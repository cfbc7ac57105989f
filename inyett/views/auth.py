"""Logging in and out."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from flask_login import logout_user

from inyett.forms import ActionForm
from inyett.forms import LoginForm
from inyett.security import local_path
from inyett.security import start_session
from inyett.services import users

bp = Blueprint("auth", __name__)

DISABLED = "Kontot är avstängt. Kontakta en administratör."


@bp.route("/logga-in", methods=["GET", "POST"])
def login():
    """The login page; a successful login goes on to the page that was asked for."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = users.authenticate(form.username.data, form.password.data, request.remote_addr)
        except users.TooManyAttempts:
            form.password.errors.append(
                "För många misslyckade försök. Vänta en kvart och försök igen."
            )
            return render_template("auth/login.html", form=form), 429
        except users.AccountDisabled:
            form.password.errors.append(DISABLED)
            return render_template("auth/login.html", form=form), 403
        if user is not None:
            start_session(user)
            return redirect(local_path(request.args.get("next")) or url_for("home.index"))
        form.password.errors.append("Fel användarnamn eller lösenord.")
    if form.errors:
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logga-ut")
@login_required
def logout():
    """Log out, in every browser the user is logged in, and show the login page."""
    if ActionForm().validate_on_submit():
        users.log_out(current_user)
        logout_user()
        flash("Du är utloggad.", "info")
    return redirect(url_for("auth.login"))
