"""Error answers in Swedish: whole pages for navigations, fragments for htmx requests."""

import sqlite3
from urllib.parse import urlsplit

from flask import render_template
from flask import request
from flask import url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from inyett.extensions import db
from inyett.htmx import is_htmx_request

MESSAGES = {
    400: ("Felaktig begäran", "Begäran gick inte att tolka."),
    401: (
        "Du är utloggad",
        # The cookie may have expired, or the server's key changed: the cause is not known here.
        "Du har loggats ut, till exempel efter en stunds inaktivitet.",
    ),
    403: ("Åtkomst nekad", "Du har inte behörighet till den här sidan."),
    404: ("Sidan finns inte", "Sidan du söker finns inte eller har flyttats."),
    405: ("Fel metod", "Den här adressen tar inte emot den sortens begäran."),
    413: ("För stor begäran", "Det du skickade är för stort."),
    422: ("Ogiltiga uppgifter", "Uppgifterna kunde inte tas emot."),
    429: ("För många försök", "Vänta en stund och försök sedan igen."),
    500: ("Något gick fel", "Ett oväntat fel inträffade. Försök igen, eller kontakta IT."),
    503: ("Tjänsten går inte att använda just nu", "Försök igen om en stund, eller kontakta IT."),
}

DISK_FULL = "Serverns disk är full. Inget sparades. Kontakta IT."
READ_ONLY = (
    "Databasen går inte att skriva till just nu, så inget sparades (också en inloggning skrivs "
    "i händelseloggen). Det som bara visar uppgifter fungerar. Kontakta IT."
)
# SQLite's primary result codes (the low byte of an extended code) and PostgreSQL's SQLSTATEs.
SQLITE_READONLY = 8
SQLITE_FULL = 13
SQLSTATE_DISK_FULL = "53100"
SQLSTATE_READ_ONLY_TRANSACTION = "25006"

STALE_PAGE = (
    "Sidan har varit öppen för länge eller saknar säkerhetstoken. Ladda om sidan och försök igen."
)


def render_error(status: int, message: str | None = None):
    title, default_message = MESSAGES.get(status, MESSAGES[500])
    template = "partials/error.html" if is_htmx_request() else "errors/error.html"
    # A 401 answers a request made from a page that is still open: a link to log in again
    # beats asking the user to reload it.
    login_link = _login_link() if status == 401 else None
    return (
        render_template(
            template,
            status=status,
            title=title,
            message=message or default_message,
            login_link=login_link,
        ),
        status,
    )


def _login_link() -> str:
    """The login page, going back afterwards to the page the htmx request came from."""
    from inyett.security import local_path  # security imports this module

    page = urlsplit(request.headers.get("HX-Current-URL", ""))
    path = page.path + (f"?{page.query}" if page.query else "")
    on_this_site = not page.netloc or page.netloc == request.host
    next_page = local_path(path) if on_this_site else None
    return url_for("auth.login", next=next_page) if next_page else url_for("auth.login")


def database_trouble(error: DBAPIError) -> str | None:
    """What a user is told when the database cannot take a write: a full disk or a database
    that is read-only (a read-only file, a standby server). None for any other error."""
    cause = error.orig
    if isinstance(cause, sqlite3.Error):
        code = (getattr(cause, "sqlite_errorcode", None) or 0) & 0xFF
        return {SQLITE_FULL: DISK_FULL, SQLITE_READONLY: READ_ONLY}.get(code)
    sqlstate = getattr(cause, "sqlstate", None)
    return {SQLSTATE_DISK_FULL: DISK_FULL, SQLSTATE_READ_ONLY_TRANSACTION: READ_ONLY}.get(sqlstate)


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return render_error(400, STALE_PAGE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        # The failed transaction must go before the error page may read the user again.
        db.session.rollback()
        message = database_trouble(error)
        if message is None:
            app.logger.exception("Unhandled database error")
            return render_error(500)
        app.logger.error("The database refused a write: %s", error.orig)
        return render_error(503, message)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unhandled error")
        db.session.rollback()
        return render_error(500)
