"""Who may do what: every view names the roles it admits, and the server enforces it."""

from functools import wraps

from flask import abort
from flask_login import current_user
from flask_login import login_required


def roles_required(*roles: str):
    """Admit logged-in users having one of `roles`; others get 403 (anonymous: the login page)."""

    def decorate(view):
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        guarded.allowed_roles = frozenset(roles)
        return guarded

    return decorate
