"""Forms with their Swedish messages. Shape rules live here; rules that need stored state live
in the services."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import BooleanField
from wtforms import DateField
from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import widgets
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import Regexp
from wtforms.validators import StopValidation
from wtforms.validators import ValidationError

from inyett import dates
from inyett import paying_banks
from inyett.account_numbers import ACCOUNT_TYPE_LABELS
from inyett.formatting import paying_account
from inyett.models import ROLES
from inyett.models import database_id
from inyett.services.audit import KINDS
from inyett.services.companies import PayingAccountInput
from inyett.services.ledger import CURRENCIES
from inyett.services.ledger import SHARED_LABEL
from inyett.services.ledger import InvoiceInput
from inyett.services.payees import country_names
from inyett.services.payments import EXCHANGE_LABEL
from inyett.services.payments import NOT_AN_OWN_ACCOUNT
from inyett.services.payments import NOT_THE_COMPANYS_INVOICES
from inyett.services.settings import BATCH_REFERENCE_MAX_LENGTH


class SwedishForm(FlaskForm):
    """WTForms' built-in messages (invalid choice, invalid date …) in Swedish."""

    class Meta:
        locales = ("sv",)


def strip(value):
    return value.strip() if isinstance(value, str) else value


# Betalningsförslag's choice of dates, as sent by its radio buttons.
ON_DUE_DATE = "forfallodag"
ON_ONE_DATE = "samma-dag"


class TextDateField(DateField):
    """A date typed as ÅÅÅÅ-MM-DD in a text box: a date picker would show the browser's locale.
    An empty box is no date and no error here; InputRequired or Optional decides."""

    widget = widgets.TextInput()

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            try:
                self.data = dates.parse_date(valuelist[0])
            except dates.InvalidDate as bad:
                raise ValueError(str(bad)) from bad


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class RowCheckboxField(MultiCheckboxField):
    """Checkboxes of stored rows by id. Which of them may be used needs stored state, so a
    service decides; a value that is no row id gets `message` (see RowChoiceField)."""

    def __init__(self, label, *, message, **kwargs):
        super().__init__(label, coerce=database_id, validate_choice=False, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        try:
            self.data = [database_id(value) for value in valuelist]
        except ValueError:
            self.data = []
            raise ValueError(self.message) from None


class RowChoiceField(SelectField):
    """A select of stored rows by id. Whether the chosen row may be used needs stored state,
    so a service decides; here a value that is no row id, or none, gets `message` (WTForms'
    Swedish for a value that is no number is unreadable, and an id too large for the database
    would fail there)."""

    def __init__(self, label, *, message, **kwargs):
        super().__init__(label, coerce=database_id, validate_choice=False, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        try:
            self.data = database_id(valuelist[0]) if valuelist else None
        except ValueError:
            self.data = None

    def pre_validate(self, form):
        if self.data is None:
            raise StopValidation(self.message)


class PlaceholderRowChoiceField(RowChoiceField):
    """A RowChoiceField whose first option, value "", asks the user to choose: no row is
    preselected, so nothing is added to a row the user did not pick."""

    def __init__(self, label, *, message, **kwargs):
        super().__init__(label, message=message, **kwargs)
        self.coerce = lambda value: None if value in ("", None) else database_id(value)


class ActionForm(SwedishForm):
    """An empty form for bare POST buttons: it carries and checks the CSRF token only."""


class LoginForm(SwedishForm):
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


def role_field() -> SelectField:
    # No role is preselected: a new user must not become an administrator by default.
    return SelectField(
        "Roll",
        choices=[
            SelectChoice("", "Välj roll"),
            *(SelectChoice(code, label) for code, label in ROLES.items()),
        ],
        validators=[InputRequired("Välj en roll.")],
        invalid_choice_message="Välj en roll i listan.",
    )


class NewPasswordForm(SwedishForm):
    """A password typed twice; its length rules live in services.users, shared with the
    create-user command."""

    password = PasswordField("Lösenord", validators=[DataRequired("Fyll i ett lösenord.")])
    password_again = PasswordField(
        "Upprepa lösenordet",
        validators=[
            DataRequired("Fyll i lösenordet en gång till."),
            EqualTo("password", message="Lösenorden är inte lika."),
        ],
    )


class NewUserForm(NewPasswordForm):
    username = StringField(
        "Användarnamn", filters=[strip], validators=[DataRequired("Fyll i ett användarnamn.")]
    )
    full_name = StringField("Namn", filters=[strip])
    role = role_field()


class RoleForm(SwedishForm):
    role = role_field()


class NoticesForm(SwedishForm):
    """The address is checked in services.users, where the create-user command can reach it."""

    email = StringField("E-postadress", filters=[strip])
    notices_enabled = BooleanField("Skicka aviseringar per e-post")


class InyettSettingsForm(SwedishForm):
    api_key = PasswordField(
        "API-nyckel",
        filters=[strip],
        validators=[
            Optional(),
            Length(min=8, max=200, message="En API-nyckel från Inyett har 8–200 tecken."),
            Regexp(
                r"^[\x21-\x7e]+$",
                message="API-nyckeln får inte innehålla mellanslag eller tecken som å, ä, ö.",
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


class PaymentProposalForm(SwedishForm):
    """Betalningsförslag: a company's open invoices to pay, each on its due date or all on
    one date."""

    company = SelectField("Bolag", coerce=int, validate_choice=True)
    when = RadioField(
        "Betaldatum",
        choices=[
            SelectChoice(ON_DUE_DATE, "Betala på förfallodagen"),
            SelectChoice(ON_ONE_DATE, "Betala alla samma dag:"),
        ],
        default=ON_DUE_DATE,
        invalid_choice_message="Välj när fakturorna ska betalas.",
    )
    payment_date = TextDateField("Datum för alla")
    # Which invoices are still open is for the service to say, in the same transaction that
    # takes them: checked here against the page's list, one taken meanwhile would get WTForms'
    # "not a valid choice" instead of the name of the invoice and what happened to it.
    invoice_ids = RowCheckboxField("Fakturor", message=NOT_THE_COMPANYS_INVOICES)
    debtor_account = RowChoiceField("Betalas från", message=NOT_AN_OWN_ACCOUNT)
    exchange_confirmed = BooleanField(EXCHANGE_LABEL)

    def __init__(self, *args, companies=(), debtor_accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.company.choices = [SelectChoice(c.id, c.name) for c in companies]
        self.debtor_account.choices = [
            SelectChoice(a.id, paying_account(a)) for a in debtor_accounts
        ]

    def validate_payment_date(self, field):
        if self.when.data == ON_ONE_DATE and field.data is None and not field.errors:
            raise StopValidation("Ange betaldatum som ÅÅÅÅ-MM-DD.")

    @property
    def chosen_date(self):
        """The one date for all, or None: each invoice on its due date."""
        return self.payment_date.data if self.when.data == ON_ONE_DATE else None


class SupplierIdentityForm(SwedishForm):
    """A supplier's name and org.nr: what Ändra leverantör corrects."""

    name = StringField("Leverantör", validators=[Length(max=200)])
    orgnr = StringField("Organisationsnummer", validators=[Length(max=40)])


class PayeeAccountForm(SwedishForm):
    """A supplier's payee account: the fields Ändra konto changes, and Ny leverantör too.
    Number rules live in services.ledger, so forms and CSV share them."""

    account_type = SelectField(
        "Betalsätt",
        choices=[SelectChoice(code, label) for code, label in ACCOUNT_TYPE_LABELS.items()],
    )
    account = StringField("Kontonummer", validators=[Length(max=60)])
    # Required for a supplier abroad (services.payees says which); the service's messages.
    street = StringField("Gatuadress", validators=[Length(max=200)])
    post_code = StringField("Postnummer", validators=[Length(max=40)])
    town = StringField("Ort", validators=[Length(max=100)])
    bic = StringField("BIC", validators=[Length(max=20, message="En BIC har 8 eller 11 tecken.")])
    shared_confirmed = BooleanField(SHARED_LABEL)


class SupplierForm(SupplierIdentityForm, PayeeAccountForm):
    """Ny leverantör: who it is, and the account it is paid to."""

    country = SelectField(
        "Land",
        choices=[SelectChoice(code, name) for code, name in country_names().items()],
        invalid_choice_message="Välj ett land i listan.",
    )


class ApprovalForm(SwedishForm):
    """Godkänn mottagarkonto: how the approver confirmed the account with the supplier."""

    note = StringField(
        "Hur bekräftades kontot med leverantören?",
        filters=[strip],
        validators=[Length(max=500, message="Skriv högst 500 tecken.")],
    )


class CompanyForm(SwedishForm):
    """Nytt bolag. Number rules live in services.companies, with the stored org.nrs."""

    name = StringField("Namn", validators=[Length(max=200, message="Namnet är för långt.")])
    orgnr = StringField(
        "Organisationsnummer", validators=[Length(max=40, message="Numret är för långt.")]
    )
    country = SelectField(
        "Land",
        choices=[SelectChoice("SE", "Sverige"), SelectChoice("NO", "Norge")],
        invalid_choice_message="Välj Sverige eller Norge.",
    )


class PayingAccountForm(SwedishForm):
    """A company's own account as its bank knows it: what Ändra konto att betala från
    corrects. The bank's choices are the company's country's (set by the view)."""

    account_type = SelectField(
        "Kontotyp",
        choices=[SelectChoice("BBAN", "Bankkonto"), SelectChoice("IBAN", "IBAN")],
        invalid_choice_message="Välj Bankkonto eller IBAN.",
    )
    account = StringField("Bankkonto", validators=[Length(max=60, message="Numret är för långt.")])
    currency = SelectField(
        "Valuta",
        choices=[SelectChoice(c) for c in ("SEK", "NOK", "EUR")],
        invalid_choice_message="Välj SEK, NOK eller EUR.",
    )
    bank = SelectField("Bank", invalid_choice_message="Välj en bank i listan.")
    agreement_id = StringField(
        "Avtals-id hos banken", validators=[Length(max=60, message="Avtals-id är för långt.")]
    )
    bankgiro = StringField(
        "Eget bankgironummer", validators=[Length(max=40, message="Numret är för långt.")]
    )
    plusgiro = StringField(
        "Eget plusgironummer", validators=[Length(max=40, message="Numret är för långt.")]
    )

    def set_banks(self, country: str | None) -> None:
        """The banks offered: the country's, or both countries' before a company is chosen."""
        banks = [b for b in paying_banks.BANKS.values() if country in (None, b.country)]
        self.bank.choices = [
            SelectChoice("", "Enligt kontonumret"),
            *(SelectChoice(b.key, b.name) for b in banks),
        ]

    def typed(self) -> PayingAccountInput:
        return PayingAccountInput(
            *(
                getattr(self, name).data or ""
                for name in (
                    "account_type",
                    "account",
                    "currency",
                    "bank",
                    "agreement_id",
                    "bankgiro",
                    "plusgiro",
                )
            )
        )


class DebtorAccountForm(PayingAccountForm):
    """Nytt konto att betala från, for the company chosen."""

    company = PlaceholderRowChoiceField("Bolag", message="Välj ett bolag.")


class InvoiceFieldsForm(SwedishForm):
    """An invoice's own fields: what Ändra faktura corrects."""

    invoice_number = StringField("Fakturanr", validators=[Length(max=100)])
    ocr = StringField("OCR", validators=[Length(max=60)])
    message = StringField("Meddelande", validators=[Length(max=300)])
    amount = StringField("Belopp", validators=[Length(max=40)])
    currency = SelectField("Valuta", choices=[SelectChoice(c) for c in CURRENCIES])
    due_date = StringField("Förfallodatum", validators=[Length(max=20)])

    def typed(self) -> InvoiceInput:
        return InvoiceInput(
            *(
                getattr(self, name).data or ""
                for name in ("invoice_number", "ocr", "message", "amount", "currency", "due_date")
            )
        )


class InvoiceForm(InvoiceFieldsForm):
    supplier = SelectField("Leverantör", coerce=int, validate_choice=True)


class AttestScopeForm(SwedishForm):
    """Attesträtt: every company without a limit, or only the rights listed."""

    scope = SelectField(
        "Attesträtt",
        choices=[
            SelectChoice("all", "Alla bolag, utan beloppsgräns"),
            SelectChoice("listed", "Bara bolagen och gränserna nedan"),
        ],
    )


class AttestRightForm(SwedishForm):
    """One right: a company and currency, and the highest amount per payment (empty: none)."""

    company = PlaceholderRowChoiceField("Bolag", message="Välj ett bolag.")
    currency = SelectField("Valuta", choices=[SelectChoice(c) for c in CURRENCIES])
    max_amount = StringField("Högsta belopp per betalning", validators=[Length(max=40)])


class SubstituteForm(SwedishForm):
    """Ersättare: who attests with the user's rights, and from which day to which (inclusive)."""

    substitute = PlaceholderRowChoiceField("Ersättare", message="Välj en ersättare.")
    fran = TextDateField(
        "Från och med", validators=[InputRequired("Ange första dagen som ÅÅÅÅ-MM-DD.")]
    )
    till = TextDateField(
        "Till och med", validators=[InputRequired("Ange sista dagen som ÅÅÅÅ-MM-DD.")]
    )


class DualAttestLimitForm(SwedishForm):
    """Två attestanter: a company's payments in a currency above an amount need two."""

    company = PlaceholderRowChoiceField("Bolag", message="Välj ett bolag.")
    currency = SelectField("Valuta", choices=[SelectChoice(c) for c in CURRENCIES])
    above_amount = StringField("Två attestanter över", validators=[Length(max=40)])


class ImportForm(SwedishForm):
    file = FileField(
        "CSV-fil",
        validators=[
            FileRequired("Välj en CSV-fil."),
            FileAllowed(["csv", "txt"], "Välj en .csv-fil."),
        ],
    )


class AuditFilterForm(SwedishForm):
    """The audit log's filter. It only reads, so it has no CSRF token; the field names are the
    page's Swedish query parameters."""

    class Meta:
        csrf = False

    typ = SelectField(
        "Typ",
        choices=[SelectChoice("", "Alla"), *(SelectChoice(k, v) for k, v in KINDS.items())],
        default="",
        invalid_choice_message="Välj en typ i listan.",
    )
    fran = TextDateField("Från och med", validators=[Optional()])
    till = TextDateField("Till och med", validators=[Optional()])
    sida = IntegerField(
        "Sida",
        default=1,
        validators=[Optional(), NumberRange(min=1, max=100_000, message="Sidan finns inte.")],
    )

    def validate_till(self, field):
        if field.data and self.fran.data and field.data < self.fran.data:
            raise ValidationError("Till och med kan inte vara före Från och med.")


def show_refusals(form: FlaskForm, errors: dict[str, str]) -> None:
    """Put a service's refusals on the fields they concern, after the form's own messages."""
    for name, message in errors.items():
        form[name].errors = [*form[name].errors, message]
