"""Systeminställningar › Bolag (admins only): the companies and the accounts they pay from."""

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user
from wtforms import SelectChoice

from inyett import money
from inyett import paying_banks
from inyett.access import roles_required
from inyett.extensions import db
from inyett.formatting import account as formatted_account
from inyett.formatting import amount as formatted_amount
from inyett.formatting import paying_account
from inyett.forms import ActionForm
from inyett.forms import CompanyForm
from inyett.forms import DebtorAccountForm
from inyett.forms import DualAttestLimitForm
from inyett.forms import PayingAccountForm
from inyett.forms import show_refusals
from inyett.models import Company
from inyett.models import DebtorAccount
from inyett.services import attest_rights
from inyett.services import companies
from inyett.services.attest_rights import RightRejected
from inyett.services.companies import AccountInUse
from inyett.services.companies import CompanyRejected

bp = Blueprint("companies", __name__, url_prefix="/systeminstallningar/bolag")


@bp.get("")
@roles_required("admin")
def index():
    """Every company with its paying accounts, and the forms for a new company or account."""
    return _render(CompanyForm(formdata=None), DebtorAccountForm(formdata=None))


@bp.post("")
@roles_required("admin")
def create():
    """Add a company; bad input re-renders the page with messages on the fields (422)."""
    form = CompanyForm()
    if form.validate_on_submit():
        try:
            company = companies.create_company(
                form.name.data or "",
                form.orgnr.data or "",
                form.country.data or "",
                actor=current_user.username,
            )
        except CompanyRejected as rejected:
            show_refusals(form, rejected.errors)
        else:
            flash(
                f"Bolaget {company.name} är tillagt. Lägg till kontot det betalar från.",
                "success",
            )
            return redirect(url_for("companies.index"))
    return _render(form, DebtorAccountForm(formdata=None)), 422


@bp.post("/konton")
@roles_required("admin")
def add_account():
    """Add an account a company pays from."""
    form = DebtorAccountForm()
    _company_choices(form)
    if form.validate_on_submit():
        company = db.session.get(Company, form.company.data)
        if company is None:
            form.company.errors.append("Välj ett bolag i listan.")
        else:
            try:
                account = companies.add_debtor_account(
                    company, form.typed(), actor=current_user.username
                )
            except CompanyRejected as rejected:
                show_refusals(form, rejected.errors)
            else:
                flash(f"{company.name} kan nu betala från {paying_account(account)}.", "success")
                return redirect(url_for("companies.index"))
    return _render(CompanyForm(formdata=None), form), 422


@bp.route("/konton/<int:account_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit_account(account_id: int):
    """Ändra konto att betala från: correct a paying account no file holds on to."""
    account = db.session.get(DebtorAccount, account_id) or abort(404)
    number = formatted_account(account.account, account.account_type, account.company.country)
    # An account from before bank accounts were asked for holds its giro number where the
    # bank account goes: the form starts empty there rather than offer it as one.
    form = PayingAccountForm(
        currency=account.currency,
        account=number if account.has_bank_account else "",
        account_type=account.account_type if account.has_bank_account else "BBAN",
        bankgiro=formatted_account(account.bankgiro, "BGNR") if account.bankgiro else "",
        plusgiro=formatted_account(account.plusgiro, "PGNR") if account.plusgiro else "",
        bank=account.bank or "",
        agreement_id=account.agreement_id or "",
    )
    form.set_banks(account.company.country)
    status = 200
    if form.validate_on_submit():
        try:
            changed = companies.update_debtor_account(
                account, form.typed(), actor=current_user.username
            )
        except AccountInUse:
            status = 409  # the page says why, as it does before anyone tries
        except CompanyRejected as rejected:
            show_refusals(form, rejected.errors)
        else:
            if changed:
                company = account.company.name
                flash(
                    f"Kontot är ändrat: {company} betalar från {paying_account(account)}.",
                    "success",
                )
            else:
                flash("Inget ändrades.", "info")
            return redirect(url_for("companies.index"))
    if form.errors and status == 200:
        status = 422
    return render_template(
        "settings/paying-account.html",
        account=account,
        details=companies.bank_of(account),
        banks=paying_banks.choices(account.company.country),
        form=form,
        locked=companies.why_account_locked(account),
    ), status


def _company_choices(form: DebtorAccountForm | DualAttestLimitForm) -> None:
    if isinstance(form, DebtorAccountForm):
        chosen = form.company.data
        company = db.session.get(Company, chosen) if isinstance(chosen, int) else None
        form.set_banks(company.country if company else None)
    form.company.choices = [
        SelectChoice("", "Välj bolag"),
        *(SelectChoice(c.id, c.name) for c in companies.all_companies()),
    ]


@bp.post("/tva-attestanter")
@roles_required("admin")
def set_dual_limit():
    """Two attesters above an amount, for one company and currency."""
    form = DualAttestLimitForm()
    _company_choices(form)
    if form.validate_on_submit():
        company = db.session.get(Company, form.company.data)
        try:
            above = money.parse_amount(form.above_amount.data or "")
        except money.InvalidAmount as invalid:
            form.above_amount.errors.append(str(invalid))
        else:
            if company is None:
                form.company.errors.append("Välj ett bolag i listan.")
            else:
                return _dual_limit_set(company, form.currency.data, above)
    return _render(CompanyForm(formdata=None), DebtorAccountForm(formdata=None), form), 422


def _dual_limit_set(company: Company, currency: str, above):
    try:
        attest_rights.set_dual_limit(company, currency, above, actor=current_user)
    except RightRejected as rejected:
        flash(str(rejected), "error")
    else:
        flash(
            f"Betalningar från {company.name} i {currency} över {formatted_amount(above)} "
            f"{currency} behöver nu två attestanter.",
            "success",
        )
    return redirect(url_for("companies.index", _anchor="tva-attestanter"))


@bp.post("/tva-attestanter/<int:limit_id>/ta-bort")
@roles_required("admin")
def remove_dual_limit(limit_id: int):
    if ActionForm().validate_on_submit():
        if attest_rights.remove_dual_limit(limit_id, actor=current_user):
            flash("En attestant räcker igen för de betalningarna.", "success")
        else:
            flash("Gränsen var redan borttagen.", "info")
    return redirect(url_for("companies.index", _anchor="tva-attestanter"))


def _render(
    company_form: CompanyForm,
    account_form: DebtorAccountForm,
    dual_form: DualAttestLimitForm | None = None,
):
    _company_choices(account_form)
    if dual_form is None:
        dual_form = DualAttestLimitForm(formdata=None)
    _company_choices(dual_form)
    all_companies = companies.all_companies()
    return render_template(
        "settings/companies.html",
        companies=all_companies,
        details={a.id: companies.bank_of(a) for c in all_companies for a in c.debtor_accounts},
        banks=paying_banks.BANKS,
        company_form=company_form,
        account_form=account_form,
        dual_form=dual_form,
        action_form=ActionForm(),
    )
