"""Ersättare as both Användare (an admin, for anyone) and Mina ersättare (oneself) take them:
the form, its choices and what a refusal says, so that the two pages cannot drift apart."""

from flask_login import current_user
from wtforms import SelectChoice

from inyett.extensions import db
from inyett.forms import SubstituteForm
from inyett.models import User
from inyett.services import attest_rights
from inyett.services.attest_rights import RightRejected


def substitute_form(owner: User, posted: bool = False) -> SubstituteForm:
    """The form with the owner's possible substitutes to choose from: what was posted, or
    empty."""
    form = SubstituteForm() if posted else SubstituteForm(formdata=None)
    form.substitute.choices = [
        SelectChoice("", "Välj ersättare"),
        *(
            SelectChoice(u.id, f"{u.display_name} ({u.username})")
            for u in attest_rights.possible_substitutes(owner)
        ),
    ]
    return form


def name_substitute(owner: User, form: SubstituteForm) -> User | None:
    """Add the substitute the posted form names for the owner, as the current user; None when
    it cannot be, with the reason on the form field it is about."""
    if not form.validate_on_submit():
        return None
    substitute = db.session.get(User, form.substitute.data)
    if substitute is None:
        form.substitute.errors.append("Användaren finns inte. Välj en ersättare i listan.")
        return None
    try:
        attest_rights.set_substitute(
            owner, substitute, form.fran.data, form.till.data, actor=current_user
        )
    except RightRejected as rejected:
        form[rejected.field or "substitute"].errors.append(str(rejected))
        return None
    return substitute
