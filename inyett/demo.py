"""Demo data: two companies, one user of each role, and settings pointing at the simulator."""

from datetime import date
from datetime import timedelta

from sqlalchemy import select

from inyett.bankfiles.calendar import next_bank_day
from inyett.dates import today_in_sweden
from inyett.extensions import db
from inyett.models import Company
from inyett.models import SupplierInvoice
from inyett.models import User
from inyett.services import companies
from inyett.services import ledger
from inyett.services import payee_accounts
from inyett.services import payments
from inyett.services import settings as settings_service
from inyett.services import users
from inyett.services.companies import PayingAccountInput

# Demo-only passwords, printed by the demo command; a real installation creates its users with
# `flask --app app create-user`.
DEMO_USERS = [
    ("admin", "admin", "Ada Admin", "admin-demo-2026"),
    ("betalare", "payer", "Bo Betalare", "betalare-demo-2026"),
    ("attestant", "attester", "Astrid Attestant", "attestant-demo-2026"),
]

# The key the built-in simulator accepts by default (inyett/simulator.py).
# Who the seeded settings, suppliers and invoices were saved by, on the Inyett API page and in
# the audit log: the demo data, not a user (there is no user called demo).
DEMO_ACTOR = "demodata"
DEMO_API_KEY = "demo-nyckel-inyett"  # noqa: S105 - the simulator's public demo key


def seed() -> list[str]:
    """Load the demo data unless there are users already; return lines to print."""
    if db.session.scalar(select(User.id).limit(1)) is None:
        for username, role, full_name, password in DEMO_USERS:
            users.create_user(username, role, password, full_name)
        paid_in_file = _seed_companies()
        # Settings before the file, so that its payments are queued for Inyett.
        _seed_settings()
        _seed_answered_file(paid_in_file)
        db.session.commit()
    lines = ["Demoanvändare (användarnamn / lösenord / roll):"]
    lines += [f"  {u} / {p} / {users.ROLES[r]}" for u, r, _, p in DEMO_USERS]
    lines.append(f"API-nyckel som simulatorn godtar (sparad i demon): {DEMO_API_KEY}")
    return lines


# Suppliers and their invoices; the comments name the simulator warning each one triggers when
# paid (rules in inyett/simulator.py). The Swedish company's are paid in the demo's payment file
# (DEMO_FILE_COUNTRY), the Norwegian company's stay open.
DEMO_LEDGER = {
    "SE": [
        # supplier, orgnr, account type, account,
        # [(invoice, ocr, message, amount, days to due[, currency when not the company's])]
        (
            "Skatteverket",
            "202100-5448",
            "BGNR",
            "5050-1055",
            [("2026-1101", "1234567806", "", "18 450,00", 5)],
        ),  # no warning
        (
            "Kontorsvaror i Norden AB",
            "556036-0793",
            "PGNR",
            "12 34 56-6",
            [
                ("K-88", "880005", "", "999,50", 7),
                # The reminder has a number of its own and the invoice's OCR, which is what
                # Inyett compares (the ledger refuses a second K-88 from the same supplier).
                ("P-88", "880005", "", "1 049,50", 12),  # DuplicatePaymentReminder
            ],
        ),
        (
            "Bygg & Montage AB",
            "556047-3521",
            "BBAN",
            "5000-1234560",
            [
                ("BM-5521", "123455", "", "12 500,00", 6),
                # The same invoice sent again under another number, with the same OCR.
                ("BM-5521-2", "123455", "", "12 500,00", 6),  # DuplicatePaymentSameDay
                # Above the limit, but within ten times the first invoice: no amount pattern.
                ("BM-5522", "", "Slutfaktura", "118 000,00", 9),
            ],
        ),  # LimitAmount
        (
            "Städ & Service Jönsson",
            "",
            "BBAN",
            "8327-9 1234567897",
            [("S-100", "", "Städning nov", "4 800,00", 4)],
        ),  # LimitPrivateBankAccount
        (
            "Gamla Giro AB",
            "556112-2333",
            "BGNR",
            "9999-9997",
            [("GG-1", "1234574", "", "2 300,00", 8)],
        ),  # GiroInactive, DeviatingAccountPattern (Inyett knows it by another bankgiro)
        (
            "Konsultgruppen Väst AB",
            "556204-4601",
            "BGNR",
            "580-1113",
            [
                ("KV-310", "", "Konsulttimmar oktober", "3 200,00", 5),
                ("KV-311", "", "Konsulttimmar november", "64 000,00", 11),
            ],
        ),  # DeviatingAmountPattern
        (
            "Nordisk Frakt AB",
            "556301-1229",
            "IBAN",
            "SE71 6000 0000 0001 2345 6789",
            [
                ("NF-41", "", "Frakt vecka 44", "2 150,00", 6, "EUR"),
                ("NF-42", "", "Frakt vecka 45", "2 380,00", 13),
            ],
        ),  # DeviatingCurrencyPattern
        (
            "Varningsbolaget AB",
            "559999-9991",
            "BGNR",
            "160-9908",
            [("V-7", "", "Konsulttjänster", "27 000,00", 3)],
        ),  # SwedishCompanyWarningList
        (
            "Cloudlicens GmbH",
            "",
            "IBAN",
            "DE89 3704 0044 0532 0130 00",
            [("CL-2026-17", "", "Licenser 2027", "1 200,00", 10, "USD")],
        ),  # LimitCurrency
    ],
    "NO": [
        (
            "Oslo Kontorrekvisita AS",
            "988 077 917",
            "BBAN",
            "8601.11.17947",
            [("N-2001", "23456783", "", "7 450,00", 5)],
        ),  # no warning
        (
            "Advarsel Handel AS",
            "999 999 980",
            "IBAN",
            "NO93 8601 1117 947",
            [("N-2002", "", "Faktura N-2002", "12 000,00", 6)],
        ),  # NorwegianCompanyWarningList
    ],
}


# The demo starts with one payment file, so that the attester sees Inyett's answers at once: made
# by the payer (whom the attester may attest for) from every invoice of this country's company,
# which between them give a clean row and each warning of that country.
DEMO_FILE_COUNTRY = "SE"
DEMO_FILE_CREATOR = "betalare"

# Invoices that stay open beside the file, for trying the payer's side; the comments name the
# warning each gets, now that the file's payments have set the payees' patterns.
DEMO_OPEN_INVOICES = {
    "Skatteverket": [("2026-1201", "1234567814", "", "18 450,00", 12)],  # no warning
    "Städ & Service Jönsson": [("S-101", "", "Städning dec", "4 800,00", 14)],
    # LimitPrivateBankAccount
    "Bygg & Montage AB": [("BM-5530", "", "Extraarbete", "105 000,00", 15)],  # LimitAmount
    "Varningsbolaget AB": [("V-8", "", "Konsulttjänster dec", "27 000,00", 10)],
    # SwedishCompanyWarningList
}

# Suppliers abroad, by name: country, postal address and the payee's BIC, which a payment
# across the border needs (the BIC too, as dollars to a German IBAN are no SEPA payment).
DEMO_ABROAD = {"Cloudlicens GmbH": ("DE", "Friedrichstraße 100", "10117", "Berlin", "COBADEFFXXX")}


DEMO_APPROVAL_NOTE = "Demodata: kontot kontrollerat mot leverantörens faktura"


def _seed_companies() -> list[SupplierInvoice]:
    """The companies, their accounts, suppliers and invoices; returns the invoices that the
    demo's payment file pays."""
    demo_se = Company(name="Demo Fastigheter AB", orgnr="5560360793", country="SE")
    demo_no = Company(name="Demo Eiendom AS", orgnr="988077917", country="NO")
    db.session.add_all([demo_se, demo_no])
    db.session.flush()
    # Complete paying accounts, as a bank takes files from: the bank account (its bank and
    # BIC read from the number), the agreement id and, for the first, the company's bankgiro.
    # A second Swedish one, so that Betalningsförslag has a "Betalas från" to choose.
    for company, typed in (
        (
            demo_se,
            PayingAccountInput("BBAN", "6000-123456789", "SEK", "", "DEMO-HB-1001", "5555-5551"),
        ),
        (demo_se, PayingAccountInput("BBAN", "5440-0123456", "SEK", "", "DEMOSEB1002")),
        (demo_no, PayingAccountInput("BBAN", "8601.11.17947", "NOK", "", "DEMO-NO-2001")),
    ):
        companies.add_debtor_account(company, typed, actor=DEMO_ACTOR)
    paid_in_file = []
    for company in (demo_se, demo_no):
        for name, orgnr, account_type, account, invoices in DEMO_LEDGER[company.country]:
            country, *address = DEMO_ABROAD.get(name, (company.country, "", "", "", ""))
            supplier = ledger.add_supplier(
                company,
                ledger.SupplierInput(name, orgnr, country, account_type, account, *address),
                actor=DEMO_ACTOR,
            )
            # A second person approves each account, as in real use (services.payee_accounts).
            payee_accounts.approve(
                payee_accounts.current(supplier.id).id, actor="admin", note=DEMO_APPROVAL_NOTE
            )
            added = [_add_invoice(supplier, invoice) for invoice in invoices]
            if company.country == DEMO_FILE_COUNTRY:
                paid_in_file += added
            for invoice in DEMO_OPEN_INVOICES.get(name, []):
                _add_invoice(supplier, invoice)
    return paid_in_file


def _add_invoice(supplier, invoice: tuple) -> SupplierInvoice:
    number, ocr, message, amount, days, *other_currency = invoice
    company_currency = "NOK" if supplier.company.country == "NO" else "SEK"
    currency = other_currency[0] if other_currency else company_currency
    due_date = date.today() + timedelta(days=days)
    return ledger.add_invoice(
        supplier,
        ledger.InvoiceInput(number, ocr, message, amount, currency, due_date),
        actor=DEMO_ACTOR,
    )


def _seed_answered_file(invoices: list[SupplierInvoice]) -> None:
    """The demo's payment file, queued for Inyett: `flask demo` starts the simulator and then
    the sender, which sends it, so its rows have Inyett's answers within seconds of the start."""
    company = invoices[0].company
    today = today_in_sweden()
    payments.create_payment_file(
        company.id,
        [invoice.id for invoice in invoices],
        next_bank_day(company.country, today + timedelta(days=1)),
        debtor_account_id=company.debtor_accounts[0].id,
        actor=DEMO_FILE_CREATOR,
        today=today,
        # The euro and dollar invoices are paid from kronor: the bank exchanges them.
        exchange_confirmed=True,
    )


def _seed_settings() -> None:
    # Through the service, as an admin's save would be: the key gets its masked hint and the
    # change is in the audit log.
    settings_service.save_settings(
        settings_service.SettingsChange(
            api_key=DEMO_API_KEY,
            batch_reference="DemoTest",
            one_payment_per_batch=True,
            active=True,
            use_test_environment=False,
        ),
        actor=DEMO_ACTOR,
    )
