"""The start page after login."""

from flask import Blueprint
from flask import render_template
from flask_login import current_user
from flask_login import login_required

from inyett.services import start_page

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    """The user's start page: what waits for them, with links to what their role may do.

    An admin may stand in for the others (README, Roller), so they see every role's lines."""
    role = current_user.role
    return render_template(
        "home/index.html",
        attest_work=start_page.attest_work() if role in ("attester", "admin") else None,
        file_work=start_page.file_work() if role in ("payer", "admin") else None,
        queue=start_page.queue_state() if role == "admin" else None,
    )
