"""Users: creating and changing them, and checking their passwords."""

import unicodedata
from datetime import datetime
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from inyett.extensions import db
from inyett.models import ROLES
from inyett.models import AuditEntry
from inyett.models import LoginFailure
from inyett.models import User
from inyett.models import utcnow
from inyett.services import audit


class UserRejected(Exception):
    """The user cannot be created or changed as asked; `str(exc)` is a Swedish reason and
    `field` the form field it is about, if any. `problems` holds every (field, reason) found,
    so a form can show them all at once rather than one per try."""

    def __init__(
        self,
        message: str = "",
        field: str | None = None,
        problems: list[tuple[str | None, str]] | None = None,
    ):
        self.problems = problems or [(field, message)]
        super().__init__("\n".join(reason for _, reason in self.problems))
        self.field = self.problems[0][0]


class AccountDisabled(Exception):
    """The password was right but the account is disabled."""


class TooManyAttempts(Exception):
    """Too many failed logins for this user or from this address lately."""


def authenticate(username: str, password: str, address: str | None) -> User | None:
    """Return the enabled user with this username (in any case) and password, auditing either
    outcome; raise TooManyAttempts while the user or the address is locked out, and
    AccountDisabled when the password is right but the account is disabled."""
    address = (address or "okänd")[:45]
    # Normalised as a new username is stored, so "Betalare" and "betalare" share one lockout.
    username = normalize_username(username)[:USERNAME_MAX_LENGTH]
    attempt_id = _record_attempt(username, address)
    if _locked_out(username, address):
        # Not a LoginFailure: attempts during the lockout must not prolong it. But the admin
        # must see them: a lockout being hammered is what an attack looks like.
        _forget_attempt(attempt_id)
        audit.record("login_locked", username, f"Inloggning under spärr från {address}")
        db.session.commit()
        raise TooManyAttempts
    user = find_user(username)
    if user is None:
        User.check_no_password(password)
    elif user.check_password(password):
        _forget_attempt(attempt_id)  # nothing was guessed
        if not user.is_enabled:
            # Only the one who knows the password learns the account is disabled: to a
            # guesser it looks like any failed login.
            audit.record(
                "login_failed",
                user.username,
                f"Avstängd användare försökte logga in från {address}",
            )
            db.session.commit()
            raise AccountDisabled
        audit.record("login", user.username, f"Inloggad från {address}")
        db.session.commit()
        return user
    audit.record("login_failed", username, f"Misslyckad inloggning från {address}")
    db.session.commit()
    return None


def _record_attempt(username: str, address: str) -> int:
    """Count this attempt as a failed login until it proves not to be one, and return its id.
    It is committed before anything is counted, so that of guesses sent at the same moment the
    k-th to commit counts at least k, and no more than the limit get their password checked."""
    # Older failures count for nothing any more: deleting them here keeps the table to what the
    # limits need, however many anonymous attempts come in.
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < _lockout_start()))
    attempt = LoginFailure(username=username, address=address)
    db.session.add(attempt)
    db.session.flush()
    attempt_id = attempt.id
    db.session.commit()
    return attempt_id


def _forget_attempt(attempt_id: int) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.id == attempt_id))


def _locked_out(username: str, address: str) -> bool:
    """True when this attempt, already recorded, is one too many for the user or the address."""
    config = current_app.config
    recent = select(func.count(LoginFailure.id)).where(LoginFailure.at >= _lockout_start())
    by_user = db.session.scalar(recent.where(LoginFailure.username == username))
    by_address = db.session.scalar(recent.where(LoginFailure.address == address))
    return (
        by_user > config["LOGIN_MAX_FAILURES_PER_USER"]
        or by_address > config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    )


def _lockout_start() -> datetime:
    return utcnow() - timedelta(seconds=current_app.config["LOGIN_LOCKOUT_SECONDS"])


USERNAME_MAX_LENGTH = 80  # the length of the users.username column
FULL_NAME_MAX_LENGTH = 120  # the length of the users.full_name column
# Letters a–ö, digits and . _ -: a username is typed at every login, and on a Swedish
# keyboard, so nothing that is hard to type or to tell apart from something else.
USERNAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzåäö0123456789._-")

PASSWORD_MIN_LENGTH = 10
# The login form takes no longer password: a longer one could never be used.
PASSWORD_MAX_LENGTH = 200


def normalize_username(username: str) -> str:
    """Usernames are stored in lower case, so that "Betalare" and "betalare" are one user and
    either logs in. NFC makes an "å" typed as "a" plus a ring the same as a plain "å"."""
    return unicodedata.normalize("NFC", username.strip()).lower()


def find_user(username: str) -> User | None:
    """The user with this (normalised) username. Users created before usernames were stored in
    lower case are found in any case too, as far as the database's lower() reaches (ASCII on
    SQLite); an exact match wins should two such old users differ only in case."""
    return db.session.scalars(
        select(User)
        .where(func.lower(User.username) == username)
        .order_by((User.username == username).desc(), User.id)
    ).first()


def create_user(
    username: str, role: str, password: str, full_name: str = "", actor: str = "system"
) -> User:
    """Create a user with a hashed password, or raise UserRejected with every problem found."""
    username = normalize_username(username)
    full_name = full_name.strip()
    problems = new_user_problems(username, role, password, full_name)
    if problems:
        raise UserRejected(problems=problems)
    user = User(username=username, role=role, full_name=full_name)
    user.set_password(password)
    db.session.add(user)
    audit.record("user", actor, f"Användaren {username} skapad med rollen {ROLES[role]}")
    db.session.commit()
    return user


def new_user_problems(
    username: str, role: str, password: str, full_name: str
) -> list[tuple[str, str]]:
    """Every (field, Swedish reason) that stops this user from being created, at most one per
    field; empty when it can be."""
    username = normalize_username(username)
    full_name = full_name.strip()
    checks = {
        "username": _username_problem(username),
        "full_name": _full_name_problem(full_name),
        "role": _role_problem(role),
        "password": _password_problem(password),
    }
    return [(field, reason) for field, reason in checks.items() if reason]


def _username_problem(username: str) -> str | None:
    if not username:
        return "Fyll i ett användarnamn."
    if len(username) > USERNAME_MAX_LENGTH:
        return (
            f"Användarnamnet får ha högst {USERNAME_MAX_LENGTH} tecken; "
            f"det här har {len(username)}."
        )
    if any(c in "\t\r\n" for c in username):
        return "Användarnamnet får inte innehålla tabb eller radbrytning."
    if not username.isprintable():
        # Zero-width spaces and the like come along when a name is copied from elsewhere.
        return (
            "Användarnamnet innehåller ett osynligt tecken, kanske från en kopierad text. "
            "Skriv in det för hand."
        )
    if " " in username:
        return "Användarnamnet får inte innehålla mellanslag. Skriv till exempel karin.ek."
    others = sorted(set(username) - USERNAME_CHARACTERS)
    if others:
        return (
            "Användarnamnet får bara innehålla bokstäverna a–ö, siffror, punkt (.), "
            f"understreck (_) och bindestreck (-), inte {' '.join(others)}."
        )
    if (existing := find_user(username)) is not None:
        # Its own spelling, so "BETALARE" is told about "betalare".
        return f"Det finns redan en användare som heter {existing.username}."
    return None


def _full_name_problem(full_name: str) -> str | None:
    if not full_name:
        return "Fyll i namnet, så att andra ser vem användaren är."
    if len(full_name) > FULL_NAME_MAX_LENGTH or not full_name.isprintable():
        return f"Namnet får ha högst {FULL_NAME_MAX_LENGTH} tecken, utan tabb eller radbrytning."
    return None


def all_users() -> list[User]:
    """Everyone, by username in Swedish alphabetical order whatever the case: the database's
    order puts capitals first (SQLite) or follows its own collation."""
    return sorted(db.session.scalars(select(User)), key=lambda u: (_swedish(u.username), u.id))


# å, ä, ö after z, in that order (in Unicode ä comes before å).
_AFTER_Z = str.maketrans({"å": "{", "ä": "|", "ö": "}"})


def _swedish(text: str) -> str:
    return text.lower().translate(_AFTER_Z)


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
    """Give `user` a new password, under the same rules as a new user's, and end every session
    they have open: whoever knew the old password may be logged in with it."""
    _check_password(password)
    user.set_password(password)
    end_sessions(user)
    audit.record("user", actor.username, f"Nytt lösenord satt för användaren {user.username}")
    db.session.commit()


EMAIL_MAX_LENGTH = 254  # the length of the users.email column


def set_notices(user: User, email: str, enabled: bool, actor: User) -> bool:
    """Give `user` an e-mail address (empty for none) and turn their notices on or off; False
    when nothing changed."""
    email = email.strip()
    if problem := _email_problem(email):
        raise UserRejected(problem, "email")
    email_or_none = email or None
    if (email_or_none, enabled) == (user.email, user.notices_enabled):
        return False
    user.email = email_or_none
    user.notices_enabled = enabled
    state = "på" if enabled else "av"
    address = f"till {email}" if email else "utan e-postadress"
    audit.record(
        "user", actor.username, f"Aviseringar {state} för användaren {user.username}, {address}"
    )
    db.session.commit()
    return True


def _email_problem(email: str) -> str | None:
    if not email:
        return None
    if len(email) > EMAIL_MAX_LENGTH:
        return f"E-postadressen får ha högst {EMAIL_MAX_LENGTH} tecken."
    local, _, domain = email.rpartition("@")
    if not local or "." not in domain or any(c.isspace() or not c.isprintable() for c in email):
        return "Skriv en e-postadress som karin.ek@bolaget.se."
    return None


def log_out(user: User) -> None:
    """Log `user` out in every browser at once, so that a copied cookie does not outlive it."""
    end_sessions(user)
    db.session.commit()


def end_sessions(user: User) -> None:
    """End every session `user` has open (see User.session_generation). One UPDATE adding 1 in
    the database, so that two at the same moment cannot both write the same new number."""
    db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(session_generation=User.session_generation + 1)
        .execution_options(synchronize_session="fetch")
    )


def _check_role(role: str) -> None:
    if problem := _role_problem(role):
        raise UserRejected(problem, "role")


def _role_problem(role: str) -> str | None:
    if role not in ROLES:
        return f"Okänd roll {role!r}. Välj en av: {', '.join(ROLES)}."
    return None


def _check_password(password: str) -> None:
    if problem := _password_problem(password):
        raise UserRejected(problem, "password")


def _password_problem(password: str) -> str | None:
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Lösenordet ska ha minst {PASSWORD_MIN_LENGTH} tecken."
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Lösenordet får ha högst {PASSWORD_MAX_LENGTH} tecken."
    return None


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
