"""Users: creating and changing them, and checking their passwords."""

from datetime import datetime
from datetime import timedelta

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import ROLES
from inyett.models import AuditEntry
from inyett.models import LoginFailure
from inyett.models import User
from inyett.models import utcnow
from inyett.services import audit


class UserRejected(Exception):
    """The user cannot be created or changed as asked; `str(exc)` is a Swedish reason and
    `field` the form field it is about, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


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


PASSWORD_MIN_LENGTH = 10
# The login form takes no longer password: a longer one could never be used.
PASSWORD_MAX_LENGTH = 200


def create_user(
    username: str, role: str, password: str, full_name: str = "", actor: str = "system"
) -> User:
    """Create a user with a hashed password, or raise UserRejected."""
    username = username.strip()
    full_name = full_name.strip()
    if not username or len(username) > 80:
        raise UserRejected("Användarnamnet ska ha 1–80 tecken.", "username")
    if not username.isprintable():
        raise UserRejected("Användarnamnet får inte innehålla tabb eller radbrytning.", "username")
    if len(full_name) > 120 or not full_name.isprintable():
        raise UserRejected(
            "Namnet får ha högst 120 tecken, utan tabb eller radbrytning.", "full_name"
        )
    _check_role(role)
    _check_password(password)
    if db.session.scalar(select(User).where(User.username == username)) is not None:
        raise UserRejected(f"Det finns redan en användare som heter {username}.", "username")
    user = User(username=username, role=role, full_name=full_name)
    user.set_password(password)
    db.session.add(user)
    audit.record("user", actor, f"Användaren {username} skapad med rollen {ROLES[role]}")
    db.session.commit()
    return user


def all_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.username)))


def last_logins() -> dict[str, datetime]:
    """Each username's latest login, read from the audit trail, which records every login."""
    return dict(
        db.session.execute(
            select(AuditEntry.actor, func.max(AuditEntry.at))
            .where(AuditEntry.kind == "login")
            .group_by(AuditEntry.actor)
        ).all()
    )


def change_role(user: User, role: str, actor: User) -> bool:
    """Give `user` another role; False when it already had it. Raise UserRejected when the
    change would leave no enabled admin, or an admin would demote themself."""
    _check_role(role)
    if role == user.role:
        return False
    if user.role == "admin":
        if user.id == actor.id:
            raise UserRejected("Du kan inte ta bort din egen administratörsroll.")
        _refuse_removing_last_admin(user, "ta bort administratörsrollen från")
    old_role = user.role
    user.role = role
    audit.record(
        "user",
        actor.username,
        f"Användaren {user.username} har nu rollen {ROLES[role]} (var {ROLES[old_role]})",
    )
    db.session.commit()
    return True


def set_enabled(user: User, enabled: bool, actor: User) -> bool:
    """Enable or disable `user`; False when nothing changed. A disabled user cannot log in, and
    a session already open ends at its next request."""
    if enabled == user.is_enabled:
        return False
    if not enabled:
        if user.id == actor.id:
            raise UserRejected("Du kan inte stänga av dig själv.")
        if user.role == "admin":
            _refuse_removing_last_admin(user, "stänga av")
    user.is_enabled = enabled
    action = "aktiverad igen" if enabled else "avstängd"
    audit.record("user", actor.username, f"Användaren {user.username} {action}")
    db.session.commit()
    return True


def change_password(user: User, password: str, actor: User) -> None:
    """Give `user` a new password, under the same rules as a new user's."""
    _check_password(password)
    user.set_password(password)
    audit.record("user", actor.username, f"Nytt lösenord satt för användaren {user.username}")
    db.session.commit()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserRejected(f"Okänd roll {role!r}. Välj en av: {', '.join(ROLES)}.", "role")


def _check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise UserRejected(f"Lösenordet ska ha minst {PASSWORD_MIN_LENGTH} tecken.", "password")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise UserRejected(f"Lösenordet får ha högst {PASSWORD_MAX_LENGTH} tecken.", "password")


def _refuse_removing_last_admin(admin: User, doing: str) -> None:
    # The enabled admins are locked (FOR UPDATE on PostgreSQL), so two admins demoting each
    # other at the same moment cannot both succeed and leave nobody to manage the users.
    others = db.session.scalars(
        select(User.id)
        .where(User.role == "admin", User.is_enabled.is_(True), User.id != admin.id)
        .with_for_update()
    ).all()
    if not others:
        raise UserRejected(
            f"Du kan inte {doing} {admin.username}: det är den enda aktiva administratören. "
            "Gör först någon annan till administratör."
        )
