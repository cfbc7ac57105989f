"""Ledger data and outbox driving shared by the payment and attestation tests."""

from datetime import date
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update

from inyett import secret_box
from inyett.bankfiles import calendar as bank_calendar
from inyett.extensions import db
from inyett.models import Company
from inyett.models import DebtorAccount
from inyett.models import PayeeAccount
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.models import utcnow
from inyett.services import outbox
from inyett.services import payee_accounts
from inyett.services import payments
from inyett.services.settings import client_for_batch
from inyett.services.settings import get_settings

API_KEY = "test-nyckel-0123456789"
PAYMENT_DATE = date(2026, 11, 26)  # a Thursday
TODAY = date(2026, 11, 24)


def saturday_soon() -> str:
    """The first Saturday after today (the real one, as the views take it), as typed in a
    form."""
    day = date.today() + timedelta(days=1)
    while day.weekday() != 5:
        day += timedelta(days=1)
    return day.isoformat()


# After today, and a bank day of the test company's country (not julafton, say), as typed.
BANK_DAY_SOON = bank_calendar.next_bank_day("SE", date.today() + timedelta(days=1)).isoformat()
SATURDAY_SOON = saturday_soon()

SUPPLIERS = [
    # name, orgnr, account type, account, invoice number, ocr, amount
    ("Skatteverket", "2021005448", "BGNR", "50501055", "F-1001", "1234567806", "18450.00"),
    ("Plusgirobolaget AB", "5560360793", "PGNR", "1234566", "F-1002", None, "999.50"),
    ("Bankbolaget AB", "5560473521", "BBAN", "50001234560", "F-1003", "123455", "1234.00"),
    ("Iban AB", "2120000142", "IBAN", "SE4550000000058398257466", "F-1004", None, "0.10"),
]


def add_company(name: str, orgnr: str) -> Company:
    """A Swedish company beside Testbolaget AB, paying from bankgiro 5555-5551 as it does."""
    company = Company(name=name, orgnr=orgnr, country="SE")
    company.debtor_accounts.append(
        DebtorAccount(
            account_type="BBAN",
            account="6000123456789",
            currency="SEK",
            bank="handelsbanken",
            bic="HANDSESS",
            agreement_id="TEST-HB-1",
            bankgiro="55555551",
        )
    )
    db.session.add(company)
    return company


def add_open_invoice(company: Company, payee: tuple, number: str, amount: str, message: str):
    """One open SEK invoice due on PAYMENT_DATE from the supplier `payee` (name, orgnr,
    account type, account) of `company`, added if new (one supplier per payee), committed."""
    name, orgnr, account_type, account = payee
    known = db.session.scalar(
        select(Supplier).where(
            Supplier.company_id == company.id,
            Supplier.orgnr == orgnr,
            Supplier.account_type == account_type,
            Supplier.account == account,
        )
    )
    invoice = SupplierInvoice(
        company=company,
        supplier=known or new_supplier(company, *payee),
        invoice_number=number,
        message=message,
        amount=Decimal(amount),
        currency="SEK",
        due_date=PAYMENT_DATE,
    )
    db.session.add(invoice)
    db.session.commit()
    return invoice


def new_supplier(company: Company, name: str, orgnr: str, account_type: str, account: str):
    """A supplier whose account a second person has approved, so that it can be paid."""
    supplier = Supplier(
        company=company,
        name=name,
        orgnr=orgnr,
        country="SE",
        account_type=account_type,
        account=account,
    )
    with_approved_account(supplier)
    return supplier


def with_approved_account(supplier: Supplier) -> Supplier:
    """New `supplier` with its account approved by someone else than whoever entered it, as
    a second payer does under Leverantörer och fakturor."""
    account = payee_accounts.entered(supplier, "registrerare")
    account.state = "approved"
    account.approved_by = "godkannare"
    account.approved_at = utcnow()
    account.approval_note = "Bekräftat i test"
    return supplier


def approve_all_accounts() -> None:
    """Approve every pending payee account, for tests of what happens after approval."""
    db.session.execute(
        update(PayeeAccount)
        .where(PayeeAccount.state == "pending")
        .values(state="approved", approved_by="godkannare", approved_at=utcnow())
    )
    db.session.commit()


def activate_inyett(
    batch_reference="Acme", one_payment_per_batch=True, active=True, api_key=API_KEY
):
    settings = get_settings()
    settings.api_key_ciphertext = secret_box.encrypt(api_key)
    settings.batch_reference = batch_reference
    settings.one_payment_per_batch = one_payment_per_batch
    settings.active = active
    db.session.commit()


def add_invoices(company_name="Testbolaget AB") -> list[int]:
    """One open invoice from each of SUPPLIERS; called again, the same suppliers get new
    invoice numbers (a supplier has one invoice per number)."""
    company = db.session.scalar(select(Company).where(Company.name == company_name))
    ids = []
    for name, orgnr, account_type, account, number, ocr, amount in SUPPLIERS:
        supplier = db.session.scalar(
            select(Supplier).where(Supplier.company_id == company.id, Supplier.orgnr == orgnr)
        ) or new_supplier(company, name, orgnr, account_type, account)
        earlier = (
            0
            if supplier.id is None
            else db.session.scalar(
                select(func.count(SupplierInvoice.id)).where(
                    SupplierInvoice.supplier_id == supplier.id
                )
            )
        )
        invoice = SupplierInvoice(
            company=company,
            supplier=supplier,
            invoice_number=f"{number}-{earlier + 1}" if earlier else number,
            ocr=ocr,
            message=None if ocr else f"Faktura {number}",
            amount=Decimal(amount),
            currency="SEK",
            due_date=PAYMENT_DATE,
        )
        db.session.add(invoice)
        db.session.flush()
        ids.append(invoice.id)
    db.session.commit()
    return ids


def create_file(invoice_ids, actor="betalare", debtor_account_id=None, **options):
    """A file of Testbolaget AB's invoices, paid from its first account unless told another;
    `options` are create_payment_file's (exchange_confirmed)."""
    company = db.session.scalar(select(Company).where(Company.name == "Testbolaget AB"))
    return payments.create_payment_file(
        company.id,
        invoice_ids,
        PAYMENT_DATE,
        debtor_account_id=debtor_account_id or company.debtor_accounts[0].id,
        actor=actor,
        today=TODAY,
        **options,
    )


def drain(rounds=5) -> int:
    """Run the outbox as the worker would, ignoring back-off waits, until nothing is left."""
    from datetime import timedelta

    from inyett.models import InyettBatch
    from inyett.models import utcnow

    handled = 0
    for _ in range(rounds):
        for batch in db.session.scalars(select(InyettBatch)):
            batch.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        count = outbox.process_due(client_for_batch)
        handled += count
        if count == 0:
            break
    return handled


def add_many_invoices(count: int, company_name="Testbolaget AB") -> list[int]:
    """`count` open invoices spread over the four payee kinds of SUPPLIERS, inserted in bulk.
    Called again, it adds more invoices to the same suppliers."""
    company = db.session.scalar(select(Company).where(Company.name == company_name))
    known = {
        s.orgnr: s
        for s in db.session.scalars(select(Supplier).where(Supplier.company_id == company.id))
    }
    suppliers = [
        known.get(orgnr) or new_supplier(company, name, orgnr, kind, acct)
        for name, orgnr, kind, acct, *_ in SUPPLIERS
    ]
    db.session.add_all(suppliers)
    db.session.flush()
    first = db.session.scalar(
        select(func.count(SupplierInvoice.id)).where(SupplierInvoice.company_id == company.id)
    )
    ids = db.session.scalars(
        insert(SupplierInvoice).returning(SupplierInvoice.id),
        [
            {
                "company_id": company.id,
                "supplier_id": suppliers[n % len(suppliers)].id,
                "invoice_number": f"M-{n}",
                "message": f"Fakt M-{n}",  # within what a Swedish account deposit carries (12)
                "amount": Decimal(100 + n) + Decimal("0.25"),
                "currency": "SEK",
                "due_date": PAYMENT_DATE,
            }
            for n in range(first, first + count)
        ],
    ).all()
    db.session.commit()
    return list(ids)


def stored_batch_id(number: int) -> str:
    """The id the `number`-th batch is sent under (random in part, see inyett.ids)."""
    from inyett.models import InyettBatch

    return db.session.get(InyettBatch, number).external_id


def its_own_answer(number: int, warnings: dict | None = None) -> dict:
    """Inyett's analysis of the `number`-th batch as Inyett gives it: every one of the batch's
    transactions, each with its `warnings` (payment external id -> list), by default none."""
    from inyett.models import InyettBatch

    batch = db.session.get(InyettBatch, number)
    return {
        "status": "Analysed",
        "transactions": [
            {"externalId": p.external_id, "warnings": (warnings or {}).get(p.external_id, [])}
            for p in batch.payments
        ],
    }
