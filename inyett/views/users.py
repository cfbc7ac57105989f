"""Systeminställningar › Säkerhet › Användare (admins only)."""

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user
from wtforms import SelectChoice

from inyett import money
from inyett.access import roles_required
from inyett.extensions import db
from inyett.forms import ActionForm
from inyett.forms import AttestRightForm
from inyett.forms import AttestScopeForm
from inyett.forms import NewPasswordForm
from inyett.forms import NewUserForm
from inyett.forms import NoticesForm
from inyett.forms import RoleForm
from inyett.forms import SubstituteForm
from inyett.models import Company
from inyett.models import User
from inyett.security import keep_session
from inyett.services import attest_rights
from inyett.services import companies
from inyett.services import users
from inyett.services.attest_rights import RightRejected
from inyett.services.users import UserRejected
from inyett.views import substitutes

bp = Blueprint("users", __name__, url_prefix="/systeminstallningar/anvandare")


@bp.get("")
@roles_required("admin")
def index():
    """Every user with role, status and last login, and the form for a new one."""
    return _render_list(NewUserForm())


@bp.post("")
@roles_required("admin")
def create():
    """Add a user; bad input re-renders the list with every message on its field (422)."""
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = users.create_user(
                form.username.data,
                form.role.data,
                form.password.data,
                form.full_name.data or "",
                actor=current_user.username,
            )
        except UserRejected as rejected:
            _show_problems(form, rejected.problems)
        else:
            flash(f"Användaren {user.username} är skapad med rollen {user.role_label}.", "success")
            return redirect(url_for("users.index"))
    elif form.is_submitted():
        # The form's own checks failed; the service's are run too, so that a taken username
        # and unequal passwords are both told at once rather than one per try.
        problems = users.new_user_problems(
            form.username.data or "",
            form.role.data or "",
            form.password.data or "",
            form.full_name.data or "",
        )
        _show_problems(form, problems)
    return _render_list(form), 422


def _show_problems(form: NewUserForm, problems) -> None:
    for field, message in problems:
        # One message per field: the form's own (such as "Fyll i ett lösenord.") comes first.
        if field in form and not form[field].errors:
            form[field].errors = [*form[field].errors, message]


@bp.get("/<int:user_id>")
@roles_required("admin")
def edit(user_id: int):
    """One user: role, access and a new password."""
    user = _user(user_id)
    return _render_user(user, RoleForm(role=user.role), NewPasswordForm())


def _notices_form(user: User) -> NoticesForm:
    return NoticesForm(email=user.email or "", notices_enabled=user.notices_enabled)


@bp.post("/<int:user_id>/roll")
@roles_required("admin")
def change_role(user_id: int):
    """A refusal (the last admin, one's own role) is a message at the top, as for Stäng av."""
    user = _user(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _render_user(user, form, NewPasswordForm()), 422
    try:
        changed = users.change_role(user, form.role.data, actor=current_user)
    except UserRejected as rejected:
        flash(str(rejected), "error")
    else:
        if changed:
            flash(f"{user.username} har nu rollen {user.role_label}.", "success")
        else:
            flash("Inget var ändrat.", "info")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.post("/<int:user_id>/stang-av")
@roles_required("admin")
def disable(user_id: int):
    """Stäng av: the user can no longer log in, and an open session ends at its next request."""
    return _set_enabled(_user(user_id), False)


@bp.post("/<int:user_id>/aktivera")
@roles_required("admin")
def enable(user_id: int):
    return _set_enabled(_user(user_id), True)


@bp.post("/<int:user_id>/losenord")
@roles_required("admin")
def change_password(user_id: int):
    user = _user(user_id)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(user, form.password.data, actor=current_user)
        except UserRejected as rejected:
            form.password.errors.append(str(rejected))
        else:
            if user.id == current_user.id:
                keep_session(user)
            flash(f"{user.username} har fått ett nytt lösenord.", "success")
            return redirect(url_for("users.edit", user_id=user.id))
    return _render_user(user, RoleForm(role=user.role), form), 422


@bp.post("/<int:user_id>/aviseringar")
@roles_required("admin")
def change_notices(user_id: int):
    """The user's e-mail address and whether they get notices."""
    user = _user(user_id)
    form = NoticesForm()
    if form.validate_on_submit():
        try:
            changed = users.set_notices(
                user, form.email.data or "", form.notices_enabled.data, actor=current_user
            )
        except UserRejected as rejected:
            form.email.errors = [str(rejected)]
        else:
            if changed:
                flash(f"Aviseringarna för {user.username} är sparade.", "success")
            else:
                flash("Inget var ändrat.", "info")
            return redirect(url_for("users.edit", user_id=user.id))
    return _render_user(user, RoleForm(role=user.role), NewPasswordForm(), notices_form=form), 422


@bp.post("/<int:user_id>/attestratt/omfattning")
@roles_required("admin")
def set_attest_scope(user_id: int):
    """Alla bolag, or only the rights listed on the page."""
    user = _user(user_id)
    form = AttestScopeForm()
    if form.validate_on_submit():
        all_companies = form.scope.data == "all"
        if attest_rights.set_all_companies(user, all_companies, actor=current_user):
            flash(f"Attesträtten för {user.username} är ändrad.", "success")
        else:
            flash("Inget var ändrat.", "info")
    return redirect(url_for("users.edit", user_id=user.id, _anchor="attestratt"))


@bp.post("/<int:user_id>/attestratt")
@roles_required("admin")
def grant_attest_right(user_id: int):
    """Give or change the right in one company and currency."""
    user = _user(user_id)
    form = AttestRightForm()
    _company_choices(form)
    if form.validate_on_submit():
        company = db.session.get(Company, form.company.data)
        try:
            limit = money.parse_amount(form.max_amount.data) if form.max_amount.data else None
        except money.InvalidAmount as invalid:
            form.max_amount.errors.append(str(invalid))
        else:
            if company is None:
                form.company.errors.append("Välj ett bolag.")
            else:
                return _granted(user, company, form, limit)
    return _render_user(user, RoleForm(role=user.role), NewPasswordForm(), right_form=form), 422


def _granted(user: User, company: Company, form: AttestRightForm, limit):
    try:
        right = attest_rights.grant(user, company, form.currency.data, limit, actor=current_user)
    except RightRejected as rejected:
        flash(str(rejected), "error")
    else:
        flash(f"{user.username} har attesträtt för {attest_rights.describe(right)}.", "success")
    return redirect(url_for("users.edit", user_id=user.id, _anchor="attestratt"))


@bp.post("/<int:user_id>/attestratt/<int:right_id>/ta-bort")
@roles_required("admin")
def revoke_attest_right(user_id: int, right_id: int):
    user = _user(user_id)
    if ActionForm().validate_on_submit():
        if attest_rights.revoke(user, right_id, actor=current_user):
            flash(f"Attesträtten för {user.username} är borttagen.", "success")
        else:
            flash("Attesträtten var redan borttagen.", "info")
    return redirect(url_for("users.edit", user_id=user.id, _anchor="attestratt"))


@bp.post("/<int:user_id>/ersattare")
@roles_required("admin")
def add_substitute(user_id: int):
    """Someone attests with the user's rights while they are away."""
    user = _user(user_id)
    form = substitutes.substitute_form(user, posted=True)
    substitute = substitutes.name_substitute(user, form)
    if substitute is not None:
        flash(f"{substitute.username} är ersättare för {user.username}.", "success")
        return redirect(url_for("users.edit", user_id=user.id, _anchor="ersattare"))
    forms = {"substitute_form": form}
    return _render_user(user, RoleForm(role=user.role), NewPasswordForm(), **forms), 422


@bp.post("/<int:user_id>/ersattare/<int:substitution_id>/ta-bort")
@roles_required("admin")
def remove_substitute(user_id: int, substitution_id: int):
    user = _user(user_id)
    if ActionForm().validate_on_submit():
        try:
            removed = attest_rights.remove_substitute(user, substitution_id, actor=current_user)
        except RightRejected as rejected:
            flash(str(rejected), "error")
        else:
            if removed:
                flash("Ersättaren är borttagen.", "success")
            else:
                flash("Ersättaren var redan borttagen.", "info")
    return redirect(url_for("users.edit", user_id=user.id, _anchor="ersattare"))


def _company_choices(form: AttestRightForm) -> None:
    form.company.choices = [
        SelectChoice("", "Välj bolag"),
        *(SelectChoice(c.id, c.name) for c in companies.all_companies()),
    ]


def _set_enabled(user: User, enabled: bool):
    if ActionForm().validate_on_submit():
        try:
            changed = users.set_enabled(user, enabled, actor=current_user)
        except UserRejected as rejected:
            flash(str(rejected), "error")
        else:
            if changed:
                state = "aktiv igen" if enabled else "avstängd och kan inte logga in"
                flash(f"{user.username} är {state}.", "success")
            else:
                flash("Inget var ändrat.", "info")
    return redirect(url_for("users.edit", user_id=user.id))


def _user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _render_list(form: NewUserForm):
    return render_template(
        "settings/users.html",
        users=users.all_users(),
        last_logins=users.last_logins(),
        form=form,
    )


def _render_user(
    user: User,
    role_form: RoleForm,
    password_form: NewPasswordForm,
    *,
    notices_form: NoticesForm | None = None,
    right_form: AttestRightForm | None = None,
    substitute_form: SubstituteForm | None = None,
):
    if right_form is None:
        right_form = AttestRightForm()
        _company_choices(right_form)
    if substitute_form is None:
        substitute_form = substitutes.substitute_form(user)
    return render_template(
        "settings/user.html",
        user=user,
        role_form=role_form,
        password_form=password_form,
        notices_form=notices_form or _notices_form(user),
        action_form=ActionForm(),
        scope_form=AttestScopeForm(scope="all" if user.attests_all_companies else "listed"),
        right_form=right_form,
        substitute_form=substitute_form,
        substitutions=attest_rights.substitutions_of(user),
        describe_right=attest_rights.describe,
        last_login=users.last_logins().get(user.username),
    )
