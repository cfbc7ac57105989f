"""Users: creating them and checking their passwords."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import ROLES
from inyett.models import LoginFailure
from inyett.models import User
from inyett.models import utcnow
from inyett.services import audit


class UserRejected(Exception):
    """The user cannot be created as asked; `str(exc)` is a Swedish reason."""


class TooManyAttempts(Exception):
    """Too many failed logins for this user or from this address lately."""


def authenticate(username: str, password: str, address: str | None) -> User | None:
    """Return the enabled user with this username and password, auditing either outcome;
    raise TooManyAttempts while the user or the address is locked out."""
    address = (address or "okänd")[:45]
    username = username[:80]
    if _locked_out(username, address):
        # Not a LoginFailure: attempts during the lockout must not prolong it. But the admin
        # must see them: a lockout being hammered is what an attack looks like.
        audit.record("login_locked", username, f"Inloggning under spärr från {address}")
        db.session.commit()
        raise TooManyAttempts
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_enabled or not user.check_password(password):
        db.session.add(LoginFailure(username=username, address=address))
        audit.record("login_failed", username, f"Misslyckad inloggning från {address}")
        db.session.commit()
        return None
    audit.record("login", user.username, f"Inloggad från {address}")
    db.session.commit()
    return user


def _locked_out(username: str, address: str) -> bool:
    config = current_app.config
    since = utcnow() - timedelta(seconds=config["LOGIN_LOCKOUT_SECONDS"])
    recent = select(func.count(LoginFailure.id)).where(LoginFailure.at >= since)
    by_user = db.session.scalar(recent.where(LoginFailure.username == username))
    by_address = db.session.scalar(recent.where(LoginFailure.address == address))
    return (
        by_user >= config["LOGIN_MAX_FAILURES_PER_USER"]
        or by_address >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    )


def create_user(username: str, role: str, password: str, full_name: str = "") -> User:
    """Create a user with a hashed password, or raise UserRejected."""
    username = username.strip()
    if not username or len(username) > 80:
        raise UserRejected("Användarnamnet ska ha 1–80 tecken.")
    if role not in ROLES:
        raise UserRejected(f"Okänd roll {role!r}. Välj en av: {', '.join(ROLES)}.")
    if len(password) < 10:
        raise UserRejected("Lösenordet ska ha minst 10 tecken.")
    if db.session.scalar(select(User).where(User.username == username)) is not None:
        raise UserRejected(f"Det finns redan en användare som heter {username}.")
    user = User(username=username, role=role, full_name=full_name)
    user.set_password(password)
    db.session.add(user)
    audit.record("user", "system", f"Användaren {username} skapad med rollen {ROLES[role]}")
    db.session.commit()
    return user
