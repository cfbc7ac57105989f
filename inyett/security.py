"""Response headers that keep the pages from being framed, sniffed, injected into or cached,
the refusal of input no field can take, the start and end of sessions, and the check that keeps
our redirects on this site."""

from urllib.parse import urlsplit

from flask import flash
from flask import redirect
from flask import request
from flask import session
from flask_login import current_user
from flask_login import login_url
from flask_login import login_user
from flask_login import logout_user

from inyett.errors import render_error
from inyett.htmx import is_htmx_request
from inyett.models import utcnow

NUL_REFUSED = "Uppgifterna innehåller ett otillåtet tecken (NUL). Skriv in dem igen."

# Sent by static/js/app.js on the requests a page makes by itself (see there for why).
POLL_HEADER = "X-Inyett-Poll"
LAST_ACTIVE = "last_active"
SESSION_GENERATION = "session_generation"
# Told to a session ended by a logout or a new password elsewhere (see start_session).
SESSION_ENDED = "Du har loggats ut eftersom kontot loggades ut eller fick ett nytt lösenord."

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)


def register(app) -> None:
    @app.before_request
    def refuse_nul_characters():
        # No field takes a NUL character and PostgreSQL cannot store one: refuse it here, for
        # every form and query at once, before it reaches a query.
        for values in (request.args, request.form):
            for key, texts in values.lists():
                if "\x00" in key or any("\x00" in text for text in texts):
                    return render_error(400, NUL_REFUSED)
        return None

    @app.before_request
    def end_inactive_session():
        # The session cookie alone cannot end an idle session: every request renews it, and a
        # page with rows waiting for Inyett asks the server every 2 seconds. So the user's own
        # requests are timed here, and the page's automatic ones are not counted.
        # A monitor's health check is no one's activity, and must answer without the database.
        if request.endpoint in ("static", "health.status") or not current_user.is_authenticated:
            return None
        now = int(utcnow().timestamp())
        last_active = session.get(LAST_ACTIVE)
        lifetime = app.permanent_session_lifetime.total_seconds()
        if isinstance(last_active, int) and now - last_active > lifetime:
            return _log_out_inactive_user(lifetime)
        if last_active is None or not _is_automatic():
            session[LAST_ACTIVE] = now
        return None

    @app.after_request
    def set_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static":
            # Pages and fragments show payments, accounts and users, and the bank file is one:
            # no browser cache on a shared computer, nor a proxy, may keep a copy.
            response.headers["Cache-Control"] = "no-store"
        return response


def start_session(user) -> None:
    """Log `user` in with a fresh session, so that nothing from before the login carries over,
    bound to the user's current session generation."""
    session.clear()
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME of inactivity
    login_user(user)
    keep_session(user)


def keep_session(user) -> None:
    """Carry `user`'s current session generation in this session: at login, and after users
    set their own password, which ends their other sessions but not the one they set it in."""
    session[SESSION_GENERATION] = user.session_generation


def session_is_current(user) -> bool:
    """False once `user` has logged out or got a new password since this session began. A
    signed cookie cannot be taken back, so the database keeps the number it must carry."""
    return session.get(SESSION_GENERATION) == user.session_generation


def _is_automatic() -> bool:
    # Only a GET can be a poll: whatever changes something is the user's doing.
    return request.method == "GET" and request.headers.get(POLL_HEADER) == "true"


def _log_out_inactive_user(lifetime: float):
    logout_user()
    session.clear()
    # Here the cause is known, so the message says it rather than guessing.
    message = f"Du har loggats ut efter {round(lifetime / 60)} minuter utan aktivitet."
    if is_htmx_request():
        return render_error(401, message)
    flash(f"{message} Logga in igen.", "info")
    # After logging in, a GET goes back to the page that was asked for; a form is not resent.
    return redirect(login_url("auth.login", request.url if request.method == "GET" else None))


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None. An open redirect would let a phishing
    link borrow our pages; browsers drop tabs and newlines and read a backslash as a slash."""
    if not target or "\\" in target or not target.isprintable():
        return None
    if target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return None
