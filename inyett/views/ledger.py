"""Leverantörer och fakturor: a company's suppliers and open invoices, entered by hand or
imported from CSV."""

from types import SimpleNamespace

from flask import Blueprint
from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from inyett import dates
from inyett import formatting
from inyett.access import roles_required
from inyett.extensions import db
from inyett.forms import ActionForm
from inyett.forms import ApprovalForm
from inyett.forms import ImportForm
from inyett.forms import InvoiceFieldsForm
from inyett.forms import InvoiceForm
from inyett.forms import PayeeAccountForm
from inyett.forms import SupplierForm
from inyett.forms import SupplierIdentityForm
from inyett.forms import show_refusals
from inyett.models import Company
from inyett.models import PayeeAccount
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.models import database_id
from inyett.services import ledger
from inyett.services import ledger_edits
from inyett.services import payee_accounts
from inyett.services.ledger import ImportRejected
from inyett.services.ledger import LedgerRejected
from inyett.services.ledger import SupplierInput
from inyett.services.ledger_edits import HeldByPayment
from inyett.services.ledger_edits import RowGone
from inyett.services.paging import page_of
from inyett.services.payee_accounts import ApprovalRefused
from inyett.views import abort_without_companies

bp = Blueprint("ledger", __name__, url_prefix="/reskontra")


@bp.get("")
@roles_required("payer", "admin")
def index():
    """Suppliers and open invoices of one company, with the forms to add more."""
    company = _company()
    return _render(company)


@bp.post("/leverantorer")
@roles_required("payer", "admin")
def add_supplier():
    """Add a supplier; bad numbers are messages on their fields."""
    company = _company()
    form = SupplierForm()
    if form.validate_on_submit():
        try:
            supplier = ledger.add_supplier(
                company,
                _typed(form, form.name.data, form.orgnr.data, form.country.data),
                actor=current_user.username,
                shared_confirmed=form.shared_confirmed.data,
            )
        except LedgerRejected as rejected:
            show_refusals(form, rejected.errors)
        else:
            flash(ledger.saved_message(supplier), "success")
            notices = [ledger.bank_name_notice(supplier), ledger.account_notice(supplier)]
            for notice in [*notices, *ledger.look_alike_notices(supplier)]:
                if notice:
                    flash(notice, "warning")
            return redirect(url_for("ledger.index", company=company.id))
    return _render(company, supplier_form=form), 422


@bp.route("/leverantorer/<int:supplier_id>/konto", methods=["GET", "POST"])
@roles_required("payer", "admin")
def change_account(supplier_id: int):
    """Ändra konto: a new payee account, paid to once a second person approves it."""
    supplier = db.get_or_404(Supplier, supplier_id)
    form = PayeeAccountForm(obj=None if request.method == "POST" else supplier)
    if form.validate_on_submit():
        try:
            ledger.change_account(
                supplier,
                _typed(form),
                actor=current_user.username,
                shared_confirmed=form.shared_confirmed.data,
            )
        except LedgerRejected as rejected:
            show_refusals(form, rejected.errors)
        else:
            flash(
                f"Det nya kontot för {supplier.name} är sparat. Det betalas inte till förrän en "
                "annan betalningsansvarig eller en administratör har godkänt det.",
                "success",
            )
            return redirect(url_for("ledger.index", company=supplier.company_id))
    status = 422 if request.method == "POST" else 200
    return render_template("ledger/change_account.html", supplier=supplier, form=form), status


@bp.route("/konton/<int:account_id>", methods=["GET", "POST"])
@roles_required("payer", "admin")
def approve_account(account_id: int):
    """Godkänn mottagarkonto: the old and the new account side by side, and the note on how
    the change was confirmed with the supplier."""
    account = db.get_or_404(PayeeAccount, account_id)
    form = ApprovalForm()
    if form.validate_on_submit():
        try:
            payee_accounts.approve(account_id, actor=current_user.username, note=form.note.data)
        except ApprovalRefused as refused:
            form.note.errors = [*form.note.errors, str(refused)]
        else:
            flash(
                f"Kontot {payee_accounts.describe(account)} för {account.supplier.name} är "
                "godkänt och kan betalas till.",
                "success",
            )
            return redirect(url_for("ledger.index", company=account.supplier.company_id))
    return render_template(
        "ledger/approve_account.html",
        account=account,
        previous=payee_accounts.previous(account),
        form=form,
        states=payee_accounts.STATES,
    ), (422 if request.method == "POST" else 200)


@bp.post("/fakturor")
@roles_required("payer", "admin")
def add_invoice():
    """Add an open invoice from one of the company's suppliers."""
    company = _company()
    form = InvoiceForm()
    form.supplier.choices = _supplier_choices(company)
    if form.validate_on_submit():
        supplier = db.session.get(Supplier, form.supplier.data)
        try:
            invoice = ledger.add_invoice(supplier, form.typed(), actor=current_user.username)
        except LedgerRejected as rejected:
            show_refusals(form, rejected.errors)
        else:
            flash(
                f"Fakturan {invoice.invoice_number} sparades med beloppet "
                f"{formatting.amount(invoice.amount)} {invoice.currency}.",
                "success",
            )
            return redirect(url_for("ledger.index", company=company.id))
    return _render(company, invoice_form=form), 422


@bp.post("/import")
@roles_required("payer", "admin")
def import_csv():
    """Import invoices from CSV: every problem is listed by line at the top, and none is stored."""
    company = _company()
    form = ImportForm()
    rejected = None
    if form.validate_on_submit():
        try:
            imported = ledger.import_invoices(
                company,
                form.file.data.read(ledger.MAX_IMPORT_BYTES + 1),
                actor=current_user.username,
            )
        except ImportRejected as exc:
            rejected = exc
        else:
            flash(f"Importerade fakturor: {imported.count}.", "success")
            for notice in imported.notices:
                flash(notice, "warning")
            if imported.notices_left_out:
                flash(
                    "Ytterligare "
                    + formatting.plural(imported.notices_left_out, "meddelande", "meddelanden")
                    + " om importen visas inte här: kontrollera leverantörerna och kontona.",
                    "warning",
                )
            # Shown at once rather than after a redirect: every line's stored amount is too
            # much for a flash message, and sending the file again is refused as duplicates.
            return _render(company, import_result=imported)
    return _render(company, import_form=form, import_rejected=rejected), 422


@bp.get("/exempel.csv")
@roles_required("payer", "admin")
def example_csv():
    """The documented import format, as a file to start from."""
    return Response(
        ledger.CSV_EXAMPLE.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="fakturor-exempel.csv"'},
    )


@bp.route("/fakturor/<int:invoice_id>", methods=["GET", "POST"])
@roles_required("payer", "admin")
def edit_invoice(invoice_id: int):
    """Ändra faktura: the fields of Ny faktura, checked the same way."""
    invoice = _stored(SupplierInvoice, invoice_id)
    form = InvoiceFieldsForm(obj=None if request.method == "POST" else _invoice_as_typed(invoice))
    return _row_page(
        "ledger/edit.html",
        form,
        lambda: ledger_edits.edit_invoice(invoice, form.typed(), actor=current_user.username),
        lambda: ledger_edits.invoice_holder(invoice),
        f"Fakturan {invoice.invoice_number} är ändrad.",
        invoice=invoice,
    )


@bp.route("/fakturor/<int:invoice_id>/ta-bort", methods=["GET", "POST"])
@roles_required("payer", "admin")
def delete_invoice(invoice_id: int):
    """Ta bort faktura, after a confirmation that names it."""
    invoice = _stored(SupplierInvoice, invoice_id)
    return _row_page(
        "ledger/delete.html",
        ActionForm(),
        lambda: ledger_edits.delete_invoice(invoice, actor=current_user.username),
        lambda: ledger_edits.invoice_holder(invoice),
        f"Fakturan {invoice.invoice_number} är borttagen.",
        invoice=invoice,
    )


@bp.route("/leverantorer/<int:supplier_id>", methods=["GET", "POST"])
@roles_required("payer", "admin")
def edit_supplier(supplier_id: int):
    """Ändra leverantör: its name and org.nr."""
    supplier = _stored(Supplier, supplier_id)
    typed = None if request.method == "POST" else _supplier_as_typed(supplier)
    form = SupplierIdentityForm(obj=typed)
    return _row_page(
        "ledger/edit.html",
        form,
        lambda: ledger_edits.edit_supplier(
            supplier, form.name.data or "", form.orgnr.data or "", actor=current_user.username
        ),
        lambda: ledger_edits.supplier_holder(supplier),
        f"Leverantören {supplier.name} är ändrad.",
        supplier=supplier,
    )


@bp.route("/leverantorer/<int:supplier_id>/ta-bort", methods=["GET", "POST"])
@roles_required("payer", "admin")
def delete_supplier(supplier_id: int):
    """Ta bort leverantör, after a confirmation that names it."""
    supplier = _stored(Supplier, supplier_id)
    return _row_page(
        "ledger/delete.html",
        ActionForm(),
        lambda: ledger_edits.delete_supplier(supplier, actor=current_user.username),
        lambda: ledger_edits.supplier_removal_holder(supplier),
        f"Leverantören {supplier.name} är borttagen.",
        supplier=supplier,
    )


def _row_page(template: str, form, change, holder_now, done_message: str, **row):
    """An edit or removal page of one invoice or supplier (`row`): the change made when the
    form is posted, else the page again, saying which payment holds the row if one does."""

    def render(holder):
        return _render_row_page(template, form, holder, **row)

    if form.validate_on_submit():
        (stored,) = row.values()
        done = _apply(change, form, render, stored.company_id, done_message)
        if done:
            return done
    return render(holder_now())


def _apply(change, form, render, company_id: int, done_message: str):
    """Make `change`; the answer to send, or None to show the form again with its messages."""
    try:
        change()
    except RowGone as gone:
        flash(gone.message, "warning")
    except HeldByPayment as held:
        return render(held.holder)
    except LedgerRejected as rejected:
        _show(form, rejected)
        return None
    else:
        flash(done_message, "success")
    return _back_to_ledger(company_id)


def _stored(model, row_id: int):
    row = db.session.get(model, row_id)
    if row is None or getattr(row, "status", "open") == "removed":
        abort(404)
    return row


def _invoice_as_typed(invoice: SupplierInvoice) -> SimpleNamespace:
    """The invoice as Ny faktura takes it: an amount as 1 234,50, not 1234.50."""
    return SimpleNamespace(
        invoice_number=invoice.invoice_number,
        ocr=invoice.ocr or "",
        message=invoice.message or "",
        amount=formatting.amount(invoice.amount),
        currency=invoice.currency,
        due_date=invoice.due_date.isoformat(),
    )


def _supplier_as_typed(supplier: Supplier) -> SimpleNamespace:
    orgnr = formatting.orgnr(supplier.orgnr, supplier.country) if supplier.orgnr else ""
    return SimpleNamespace(name=supplier.name, orgnr=orgnr)


def _show(form, rejected: LedgerRejected) -> None:
    """A refusal on its field, or above the form when it concerns the whole row."""
    on_fields = {name: message for name, message in rejected.errors.items() if name in form}
    show_refusals(form, on_fields)
    form.form_errors.extend(m for name, m in rejected.errors.items() if name not in on_fields)


def _back_to_ledger(company_id: int):
    return redirect(url_for("ledger.index", company=company_id))


def _render_row_page(template: str, form, holder, **row):
    """An edit or removal page; after a POST, 422: nothing was changed."""
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, holder=holder, **row), status


def _typed(form: PayeeAccountForm, name="", orgnr="", country="") -> SupplierInput:
    return SupplierInput(
        name or "",
        orgnr or "",
        country or "",
        form.account_type.data or "",
        form.account.data or "",
        form.street.data or "",
        form.post_code.data or "",
        form.town.data or "",
        form.bic.data or "",
    )


def _company() -> Company:
    """The company asked for, else the one last shown to this user, else the default. With no
    company at all there is no ledger: the page says who adds one, and nothing is stored."""
    companies = db.session.scalars(select(Company).order_by(Company.name)).all()
    abort_without_companies(companies, "Leverantörer och fakturor")
    wanted = request.values.get("company", type=database_id) or session.get("ledger_company")
    company = ledger.company_to_show(companies, wanted)
    if session.get("ledger_company") != company.id:
        session["ledger_company"] = company.id
    return company


def _supplier_choices(company: Company):
    suppliers = db.session.scalars(
        select(Supplier).where(Supplier.company_id == company.id).order_by(Supplier.name)
    )
    return [SelectChoice(s.id, formatting.supplier_and_account(s)) for s in suppliers]


def _render(company: Company, **forms):
    invoice_form = forms.pop("invoice_form", None) or InvoiceForm(formdata=None)
    invoice_form.supplier.choices = _supplier_choices(company)
    invoices = page_of(
        select(SupplierInvoice)
        .where(SupplierInvoice.company_id == company.id)
        .where(SupplierInvoice.status == "open")
        .options(selectinload(SupplierInvoice.supplier))
        .order_by(SupplierInvoice.due_date, SupplierInvoice.id),
        request.args.get("sida", type=int),
    )
    suppliers = page_of(
        select(Supplier)
        .where(Supplier.company_id == company.id)
        .order_by(Supplier.name, Supplier.id),
        request.args.get("leverantorssida", type=int),
    )

    accounts = payee_accounts.current_of([s.id for s in suppliers.items])
    # Each list has its page in the address, so that paging one keeps the other where it was.
    shown = {"sida": invoices.number, "leverantorssida": suppliers.number}

    def page_url(list_name: str):
        def url(number: int) -> str:
            wanted = shown | {list_name: number}
            return url_for(
                "ledger.index",
                company=company.id,
                **{name: page for name, page in wanted.items() if page > 1},
            )

        return url

    return render_template(
        "ledger/index.html",
        company=company,
        companies=db.session.scalars(select(Company).order_by(Company.name)).all(),
        suppliers=suppliers,
        accounts=accounts,
        invoices=invoices,
        invoice_page_url=page_url("sida"),
        supplier_page_url=page_url("leverantorssida"),
        supplier_form=forms.pop("supplier_form", None)
        or SupplierForm(formdata=None, country=company.country),
        invoice_form=invoice_form,
        import_form=forms.pop("import_form", None) or ImportForm(formdata=None),
        import_rejected=forms.pop("import_rejected", None),
        import_result=forms.pop("import_result", None),
        today=dates.today_in_sweden(),
        columns=ledger.CSV_COLUMNS,
        address_columns=ledger.CSV_ADDRESS_COLUMNS,
    )
