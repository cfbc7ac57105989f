"""Kvittning: a supplier's credit notes netted against its invoices in the same currency, and
the date each payment is made on."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from inyett.bankfiles import calendar as bank_calendar
from inyett.bankfiles import pain001
from inyett.bankfiles import profiles
from inyett.formatting import amount as shown_amount
from inyett.models import DebtorAccount
from inyett.models import SupplierInvoice


@dataclass(frozen=True)
class PlannedPayment:
    """One payment of a proposal: an invoice alone, or a supplier's invoices and credit notes
    in one currency netted into one amount. The main invoice comes first."""

    invoices: tuple[SupplierInvoice, ...]

    @property
    def main(self) -> SupplierInvoice:
        return self.invoices[0]

    @property
    def is_netted(self) -> bool:
        return len(self.invoices) > 1

    @property
    def amount(self) -> Decimal:
        return sum((invoice.amount for invoice in self.invoices), Decimal("0.00"))

    @property
    def due_date(self) -> date:
        """The earliest due date of what it pays (of a credit note only if nothing else)."""
        return self.main.due_date

    @property
    def remittance(self) -> str | None:
        """What a netted payment tells the payee: every invoice and credit note in it."""
        if not self.is_netted:
            return self.main.message
        debits = [i.invoice_number for i in self.invoices if i.amount > 0]
        credits = [i.invoice_number for i in self.invoices if i.amount < 0]
        text = "Fakt " + ", ".join(debits) if debits else ""
        return f"{text} kredit {', '.join(credits)}".strip()


def is_credit_note(invoice: SupplierInvoice) -> bool:
    return invoice.amount < 0


def plan(invoices: list[SupplierInvoice]) -> list[PlannedPayment]:
    """The payments of `invoices`: where a supplier has a credit note among them, all of its
    invoices in that currency make one netted payment; every other invoice is paid alone."""
    groups: dict[tuple[int, str], list[SupplierInvoice]] = {}
    for invoice in invoices:
        groups.setdefault((invoice.supplier_id, invoice.currency), []).append(invoice)
    planned = []
    for group in groups.values():
        if any(is_credit_note(invoice) for invoice in group):
            # Invoices before credit notes, earliest due first: the main invoice is the one
            # the payment is dated by and known by in lists.
            ordered = sorted(group, key=lambda i: (is_credit_note(i), i.due_date, i.id))
            planned.append(PlannedPayment(tuple(ordered)))
        else:
            planned.extend(PlannedPayment((invoice,)) for invoice in group)
    return planned


def netted_on_page(invoices: list[SupplierInvoice]) -> list[PlannedPayment]:
    """What Betalningsförslag says it will net if all of a supplier's invoices on the page
    are ticked: each supplier and currency with a credit note."""
    return [planned for planned in plan(invoices) if any(map(is_credit_note, planned.invoices))]


def why_not_payable(planned: PlannedPayment, debtor_account: DebtorAccount, country: str):
    """The Swedish reason the planned payment cannot be made, or None."""
    supplier = planned.main.supplier
    if planned.amount <= 0:
        return (
            f"Kreditfakturorna från {supplier.name} är lika stora som eller större än "
            f"fakturorna: nettot är {shown_amount(planned.amount)} {planned.main.currency}, så "
            "inget betalas. Välj fler fakturor från leverantören eller låt kreditfakturan vänta."
        )
    if not planned.is_netted:
        return None
    with_ocr = [i.invoice_number for i in planned.invoices if i.ocr and i.amount > 0]
    if with_ocr:
        # The OCR reference names one invoice; paying a netted amount to it would leave the
        # payee's ledger with an invoice paid short and an unknown credit.
        return (
            f"Fakturan {', '.join(with_ocr)} från {supplier.name} betalas med OCR-nummer och "
            "kan inte kvittas mot en kreditfaktura: ett OCR-nummer kan bara nämna en faktura. "
            "Betala den utan kreditfakturan, eller be leverantören om en ny faktura med "
            "krediten avdragen."
        )
    profile = profiles.profile_for(debtor_account.bank, country)
    limit = pain001.message_limit(
        profile, supplier.account_type, supplier.account, supplier.country
    )
    text = planned.remittance
    if len(text) > min(limit, 140):
        return (
            f"Meddelandet som nämner alla fakturor till {supplier.name}, ”{text}”, blir "
            f"{len(text)} tecken men mottagaren får bara {min(limit, 140)}. Välj färre "
            "fakturor från leverantören i samma betalning."
        )
    return None


def payment_date(planned: PlannedPayment, country: str, today: date) -> date:
    """Betala på förfallodag: the due date, or the next bank day when it is not one or has
    passed (an invoice overdue is paid as soon as the bank can)."""
    return bank_calendar.next_bank_day(country, max(planned.due_date, today))
