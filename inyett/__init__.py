"""Inyettkopplingen: connects an accounts-payable ledger to Inyett Payment Control."""

from pathlib import Path

from flask import Flask
from flask import flash
from flask import g
from flask import redirect
from flask import request
from flask import session
from flask_login import login_url
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from inyett import cli
from inyett import errors
from inyett import formatting
from inyett import logs
from inyett import row_urls
from inyett import security
from inyett import warning_texts
from inyett import worker
from inyett.config import load_config
from inyett.config import refuse_to_serve_if_broken
from inyett.extensions import csrf
from inyett.extensions import db
from inyett.extensions import login_manager
from inyett.extensions import migrate
from inyett.htmx import is_htmx_request
from inyett.models import MAX_DATABASE_ID
from inyett.version import running_version

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Told to a user whose account was turned off while they were logged in.
ACCOUNT_DISABLED = "Ditt konto har stängts av. Kontakta en administratör."


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` limited to what a database id can hold: a larger number is a 404, not an
    integer overflow in the database driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, error pages, commands."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    load_config(app, test_config)
    logs.configure(app)
    refuse_to_serve_if_broken(app)
    if app.config["TRUSTED_PROXIES"]:
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.url_map.converters["int"] = DatabaseIdConverter
    register_extensions(app)
    register_blueprints(app)
    errors.register(app)
    security.register(app)
    formatting.register(app)
    cli.register(app)
    worker.register(app)
    register_template_globals(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Logga in för att fortsätta."
    login_manager.login_message_category = "info"

    from inyett.models import User

    @login_manager.user_loader
    def load_user(user_id: str):
        # Checked on every request, so disabling a user also ends the sessions they have open.
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        if user is not None and not user.is_enabled:
            g.account_disabled = True  # so the way to the login page says why
            return None
        if user is not None and not security.session_is_current(user):
            g.session_ended = True
            return None
        return user

    @login_manager.unauthorized_handler
    def ask_to_log_in():
        # An htmx request would swap the login page into a table row; it gets a message instead.
        message = _why_logged_out()
        if is_htmx_request():
            return errors.render_error(401, message)
        flash(message or login_manager.login_message, login_manager.login_message_category)
        return redirect(login_url(login_manager.login_view, request.url))


def _why_logged_out() -> str | None:
    if g.get("account_disabled"):
        return ACCOUNT_DISABLED
    if g.get("session_ended"):
        session.clear()  # the ended session's user id, so that the next request is not told again
        return security.SESSION_ENDED
    return None


def register_blueprints(app: Flask) -> None:
    from inyett.views import account
    from inyett.views import attest
    from inyett.views import auth
    from inyett.views import companies
    from inyett.views import health
    from inyett.views import home
    from inyett.views import ledger
    from inyett.views import payments
    from inyett.views import settings
    from inyett.views import users

    blueprints = (
        auth.bp,
        home.bp,
        settings.bp,
        users.bp,
        companies.bp,
        ledger.bp,
        payments.bp,
        attest.bp,
        health.bp,
        account.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


ROW_MACROS = {
    "macros/rows.html": (
        "row_attributes",
        "undo_button",
        "account_cell",
    ),
    "macros/warnings.html": ("warning_list",),
}


def register_template_globals(app: Flask) -> None:
    app.add_template_global(warning_texts.describe, "describe_warning")
    app.add_template_global(warning_texts.DUPLICATE_CODES, "duplicate_codes")
    app.add_template_global(row_urls.payment_url, "payment_url")
    # The payment rows' macros as globals, imported once here: the row macros run once per row
    # (50 on a page of the attest list), and an import in each cost a sixth of the page's
    # rendering.
    for template_name, macro_names in ROW_MACROS.items():
        module = app.jinja_env.get_template(template_name).module
        for name in macro_names:
            app.add_template_global(getattr(module, name), name)

    @app.context_processor
    def installation():
        return {
            "test_installation": app.config["INSTALLATION"] == "test",
            "app_version": running_version(),
        }
