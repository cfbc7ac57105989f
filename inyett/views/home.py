"""The start page after login."""

from flask import Blueprint
from flask import render_template
from flask_login import login_required

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    """The user's start page, with links to what their role may do."""
    return render_template("home/index.html")
