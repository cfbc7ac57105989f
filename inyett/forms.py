"""Forms with their Swedish messages. Shape rules live here; rules that need stored state live
in the services."""

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp

from inyett.services.settings import BATCH_REFERENCE_MAX_LENGTH


def strip(value):
    return value.strip() if isinstance(value, str) else value


class ActionForm(FlaskForm):
    """An empty form for bare POST buttons: it carries and checks the CSRF token only."""


class LoginForm(FlaskForm):
    username = StringField(
        "Användarnamn",
        filters=[strip],
        validators=[
            DataRequired("Fyll i ditt användarnamn."),
            Length(max=80, message="Användarnamnet är för långt."),
        ],
    )
    password = PasswordField(
        "Lösenord",
        validators=[
            DataRequired("Fyll i ditt lösenord."),
            Length(max=200, message="Lösenordet är för långt."),
        ],
    )


class InyettSettingsForm(FlaskForm):
    api_key = PasswordField(
        "API-nyckel",
        filters=[strip],
        validators=[
            Optional(),
            Length(min=8, max=200, message="En API-nyckel från Inyett har 8–200 tecken."),
            Regexp(
                r"^[\x21-\x7e]+$",
                message="API-nyckeln får inte innehålla mellanslag eller specialtecken som å, ä, ö.",
            ),
        ],
    )
    use_test_environment = BooleanField("Test- och utvecklingsmiljö")
    batch_reference = StringField(
        "Batchreferens",
        filters=[strip],
        validators=[
            Length(
                max=BATCH_REFERENCE_MAX_LENGTH,
                message=f"Batchreferensen får vara högst {BATCH_REFERENCE_MAX_LENGTH} tecken.",
            ),
            Regexp(
                r"^[A-Za-z0-9_-]*$",
                message="Använd bara bokstäverna a–z (utan å, ä, ö), siffror, - och _.",
            ),
        ],
    )
    one_payment_per_batch = BooleanField("Skicka en betalning per batch")
    active = BooleanField("Aktiv")
