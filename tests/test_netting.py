"""Credit notes netted against the same supplier's invoices (kvittning), and each payment dated
on its invoice's due date or on one date for the whole proposal."""

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from inyett import pain001
from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import Company
from inyett.models import PaymentInvoice
from inyett.models import Supplier
from inyett.models import SupplierInvoice
from inyett.services import bank_delivery
from inyett.services import ledger
from inyett.services import outbox
from inyett.services import payments
from inyett.services.payments import PaymentRejected
from tests.payments_helpers import PAYMENT_DATE
from tests.payments_helpers import TODAY
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_open_invoice

NS = {"p": pain001.NAMESPACE}
PLUSGIRO = ("Plusgirobolaget AB", "5560360793", "PGNR", "1234566")
BANKGIRO = ("Bankgirobolaget AB", "5560473521", "BGNR", "50501055")
IBAN = ("Iban AB", "2120000142", "IBAN", "SE4550000000058398257466")


def company() -> Company:
    return db.session.scalar(select(Company).where(Company.name == "Testbolaget AB"))


def invoice(payee, number, amount, *, currency="SEK", due=PAYMENT_DATE, ocr=None):
    added = add_open_invoice(company(), payee, number, amount, f"Faktura {number}")
    added.currency, added.due_date, added.ocr = currency, due, ocr
    if ocr:
        added.message = None
    db.session.commit()
    return added.id


def pay(invoice_ids, payment_date=PAYMENT_DATE, today=TODAY):
    return payments.create_payment_file(
        company().id,
        invoice_ids,
        payment_date,
        debtor_account_id=company().debtor_accounts[0].id,
        actor="betalare",
        today=today,
        exchange_confirmed=True,
    )


def statuses(invoice_ids) -> list[str]:
    return [db.session.get(SupplierInvoice, i).status for i in invoice_ids]


def transfers(payment_file) -> list[etree._Element]:
    return etree.fromstring(payment_file.xml).findall(".//p:CdtTrfTxInf", NS)


def test_a_credit_note_is_netted_and_the_message_names_every_invoice_in_it(app):
    with app.app_context():
        ids = [
            invoice(PLUSGIRO, "F-1", "1000.00"),
            invoice(PLUSGIRO, "F-2", "500.00"),
            invoice(PLUSGIRO, "K-1", "-300.00"),
        ]
        payment_file = pay(ids)
        [payment] = payment_file.payments
        assert payment.amount == Decimal("1200.00")
        assert payment.message == "Fakt F-1, F-2 kredit K-1"
        assert payment.invoice.invoice_number == "F-1"
        assert sorted(row.invoice_id for row in payment.netted) == sorted(ids)
        assert statuses(ids) == ["in_payment"] * 3
        [transfer] = transfers(payment_file)
        assert transfer.findtext(".//p:InstdAmt", namespaces=NS) == "1200.00"
        assert transfer.findtext(".//p:Ustrd", namespaces=NS) == "Fakt F-1, F-2 kredit K-1"
        summary = db.session.scalar(
            select(AuditEntry.summary).where(AuditEntry.kind == "payment_file")
        )
        assert (
            "kvittat till Plusgirobolaget AB: Fakt F-1, F-2 kredit K-1, netto 1200.00 SEK"
            in summary
        )


def test_undoing_a_netted_payment_reopens_every_invoice_and_credit_note(app):
    with app.app_context():
        ids = [invoice(PLUSGIRO, "F-1", "1000.00"), invoice(PLUSGIRO, "K-1", "-300.00")]
        [payment] = pay(ids).payments
        payments.undo_payment(payment, actor="betalare")
        assert statuses(ids) == ["open", "open"]
        assert [row.live_invoice_id for row in payment.netted] == [None, None]
        # Reopened, they can be netted again.
        [again] = pay(ids).payments
        assert again.amount == Decimal("700.00")


@pytest.mark.parametrize(("credit", "net"), [("-1000.00", "0,00"), ("-1200.00", "-200,00")])
def test_a_net_of_zero_or_less_is_not_paid_and_says_why(app, credit, net):
    with app.app_context():
        ids = [invoice(PLUSGIRO, "F-1", "1000.00"), invoice(PLUSGIRO, "K-1", credit)]
        other = invoice(BANKGIRO, "B-1", "50.00")
        with pytest.raises(PaymentRejected) as rejected:
            pay([*ids, other])
        assert f"nettot är {net} SEK, så inget betalas" in str(rejected.value)
        assert "Plusgirobolaget AB" in str(rejected.value)
        assert statuses([*ids, other]) == ["open"] * 3


def test_a_credit_note_ticked_alone_is_refused(app):
    with app.app_context():
        credit = invoice(PLUSGIRO, "K-1", "-300.00")
        with pytest.raises(PaymentRejected, match="nettot är -300,00 SEK"):
            pay([credit])
        assert statuses([credit]) == ["open"]


def test_invoices_in_other_currencies_or_without_credit_notes_are_paid_on_their_own(app):
    with app.app_context():
        sek = [invoice(IBAN, "F-1", "1000.00"), invoice(IBAN, "K-1", "-100.00")]
        eur = invoice(IBAN, "F-E", "80.00", currency="EUR")
        others = [invoice(BANKGIRO, "B-1", "50.00"), invoice(BANKGIRO, "B-2", "60.00")]
        payment_file = pay([*sek, eur, *others])
        paid = sorted((p.invoice_number, p.amount, p.currency) for p in payment_file.payments)
        assert paid == [
            ("B-1", Decimal("50.00"), "SEK"),
            ("B-2", Decimal("60.00"), "SEK"),
            ("F-1", Decimal("900.00"), "SEK"),
            ("F-E", Decimal("80.00"), "EUR"),
        ]


def test_an_ocr_invoice_is_not_netted_through_its_ocr_number(app):
    with app.app_context():
        ids = [
            invoice(BANKGIRO, "B-1", "1000.00", ocr="1234567806"),
            invoice(BANKGIRO, "K-1", "-100.00"),
        ]
        with pytest.raises(PaymentRejected) as rejected:
            pay(ids)
        assert str(rejected.value).startswith(
            "Fakturan B-1 från Bankgirobolaget AB betalas med OCR-nummer och kan inte kvittas"
        )
        assert statuses(ids) == ["open", "open"]
        # Alone it is paid by its OCR number as always.
        [payment] = pay(ids[:1]).payments
        assert payment.ocr == "1234567806"


def test_a_netting_message_longer_than_the_payees_channel_is_refused(app):
    with app.app_context():
        numbers = [f"LANGT-FAKTURANUMMER-{n:03}" for n in range(6)]
        ids = [invoice(IBAN, number, "100.00") for number in numbers]
        ids.append(invoice(IBAN, "KREDIT-1", "-10.00"))
        with pytest.raises(PaymentRejected, match="Välj färre fakturor från leverantören"):
            pay(ids)
        assert statuses(ids) == ["open"] * len(ids)


def test_each_invoice_is_paid_on_its_due_date_with_one_payment_group_per_date(app):
    with app.app_context():
        early = invoice(PLUSGIRO, "F-1", "100.00", due=date(2026, 11, 26))
        saturday = invoice(BANKGIRO, "B-1", "200.00", due=date(2026, 12, 5))
        overdue = invoice(BANKGIRO, "B-2", "300.00", due=date(2026, 11, 2))
        payment_file = pay([early, saturday, overdue], payment_date=None)
        dates = {p.invoice_number: p.payment_date for p in payment_file.payments}
        # Overdue: the first bank day from today; a Saturday: the Monday after.
        assert dates == {
            "F-1": date(2026, 11, 26),
            "B-1": date(2026, 12, 7),
            "B-2": date(2026, 11, 24),
        }
        assert payment_file.payment_date == date(2026, 11, 24)
        pain001.validate(payment_file.xml)
        groups = etree.fromstring(payment_file.xml).findall(".//p:PmtInf", NS)
        executed = sorted(g.findtext("p:ReqdExctnDt", namespaces=NS) for g in groups)
        assert executed == ["2026-11-24", "2026-11-26", "2026-12-07"]


def test_one_date_for_the_whole_proposal_pays_everything_that_day(app):
    with app.app_context():
        ids = [
            invoice(PLUSGIRO, "F-1", "100.00", due=date(2026, 11, 26)),
            invoice(BANKGIRO, "B-1", "200.00", due=date(2026, 12, 18)),
        ]
        payment_file = pay(ids, payment_date=date(2026, 11, 30))
        assert {p.payment_date for p in payment_file.payments} == {date(2026, 11, 30)}
        assert len(etree.fromstring(payment_file.xml).findall(".//p:PmtInf", NS)) == 1


def test_a_due_date_more_than_a_year_ahead_is_refused_naming_the_invoice(app):
    with app.app_context():
        far = invoice(PLUSGIRO, "F-9", "100.00", due=date(2028, 1, 5))
        with pytest.raises(PaymentRejected) as rejected:
            pay([far], payment_date=None)
        assert str(rejected.value).startswith(
            "Fakturan F-9 från Plusgirobolaget AB betalas på förfallodagen 2028-01-05: "
            "Betaldatum kan ligga högst ett år fram i tiden"
        )
        assert statuses([far]) == ["open"]


def test_a_credit_note_can_be_entered_and_is_called_kreditfaktura(app, client, auth):
    with app.app_context():
        invoice(PLUSGIRO, "F-0", "1.00")
        supplier_id = db.session.scalar(select(Supplier.id))
    auth.login("betalare")
    response = auth.post(
        "/reskontra/fakturor?company=1",
        {
            "supplier": supplier_id,
            "invoice_number": "K-77",
            "ocr": "",
            "message": "Kredit K-77",
            "amount": "-1 250,00",
            "currency": "SEK",
            "due_date": "2026-12-30",
        },
        token_from="/reskontra",
    )
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalar(
            select(SupplierInvoice).where(SupplierInvoice.invoice_number == "K-77")
        )
        assert stored.amount == Decimal("-1250.00")
    for page in ("/reskontra?company=1", "/betalningar/forslag?company=1"):
        html = client.get(page).get_data(as_text=True)
        assert "Kreditfaktura" in html and "-1\xa0250,00" in html


def test_re_dating_a_file_of_several_dates_moves_only_the_passed_ones(app, swedish_today):
    with app.app_context():
        ids = [
            invoice(PLUSGIRO, "F-1", "100.00", due=date(2026, 11, 26)),
            invoice(BANKGIRO, "B-1", "200.00", due=date(2026, 12, 18)),
        ]
        payment_file = pay(ids, payment_date=None)
        swedish_today.set(date(2026, 11, 27))
        bank_delivery.redate(
            payment_file, date(2026, 11, 30), actor="betalare", seen_date=date(2026, 11, 26)
        )
        db.session.expire_all()
        dates = {p.invoice_number: p.payment_date for p in payment_file.payments}
        assert dates == {"F-1": date(2026, 11, 30), "B-1": date(2026, 12, 18)}
        assert payment_file.payment_date == date(2026, 11, 30)
        groups = etree.fromstring(payment_file.xml).findall(".//p:PmtInf", NS)
        executed = sorted(g.findtext("p:ReqdExctnDt", namespaces=NS) for g in groups)
        assert executed == ["2026-11-30", "2026-12-18"]


def test_the_database_refuses_a_credit_note_live_in_two_payments(app):
    with app.app_context():
        ids = [invoice(PLUSGIRO, "F-1", "1000.00"), invoice(PLUSGIRO, "K-1", "-300.00")]
        [payment] = pay(ids).payments
        other = invoice(PLUSGIRO, "F-2", "900.00")
        [second] = pay([other]).payments
        second.netted.append(PaymentInvoice(invoice_id=ids[1], live_invoice_id=ids[1]))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert [row.invoice_id for row in payment.netted] == ids


def test_the_proposal_shows_what_is_netted_and_a_net_that_is_not_paid(app, client, auth):
    with app.app_context():
        invoice(PLUSGIRO, "F-1", "1000.00")
        invoice(PLUSGIRO, "K-1", "-300.00")
        invoice(BANKGIRO, "B-1", "100.00")
        invoice(BANKGIRO, "BK-1", "-150.00")
    auth.login("betalare")
    html = client.get("/betalningar/forslag?company=1").get_data(as_text=True)
    assert 'Fakt F-1 kredit K-1, netto <span class="nowrap">700,00 SEK' in html
    assert 'Fakt B-1 kredit BK-1, netto <span class="nowrap">-50,00 SEK</span> – ' in html
    assert "<strong>betalas inte</strong>" in html


def test_an_unknown_choice_of_dates_is_refused_in_swedish(app, client, auth):
    with app.app_context():
        invoice(PLUSGIRO, "F-1", "100.00")
    auth.login("betalare")
    response = auth.post(
        "/betalningar/forslag",
        {"company": "1", "debtor_account": "1", "when": "igår", "invoice_ids": []},
        token_from="/betalningar/forslag",
    )
    assert response.status_code == 422
    assert "Välj när fakturorna ska betalas." in response.get_data(as_text=True)


def test_inyett_gets_each_payment_with_its_own_date_and_the_net_amount(app):
    with app.app_context():
        activate_inyett(one_payment_per_batch=False)
        ids = [
            invoice(PLUSGIRO, "F-1", "1000.00", due=date(2026, 11, 26)),
            invoice(PLUSGIRO, "K-1", "-300.00", due=date(2026, 11, 26)),
            invoice(BANKGIRO, "B-1", "200.00", due=date(2026, 12, 18)),
        ]
        payment_file = pay(ids, payment_date=None)
        [batch] = {p.batch for p in payment_file.payments}
        sent = {t["amount"]: t["paymentdate"] for t in outbox.batch_body(batch)["transactions"]}
        assert sent == {"700.00": "2026-11-26T00:00:00", "200.00": "2026-12-18T00:00:00"}


def test_a_csv_import_takes_a_negative_amount_as_a_credit_note(app):
    with app.app_context():
        rows = [
            ";".join(ledger.CSV_COLUMNS),
            "Kredit AB;556036-0793;SE;PGNR;123456-6;F-1;;Faktura F-1;1 000,00;SEK;2026-12-01",
            "Kredit AB;556036-0793;SE;PGNR;123456-6;K-1;;Kredit K-1;-250,50;SEK;2026-12-01",
        ]
        ledger.import_invoices(company(), "\n".join(rows).encode(), actor="betalare")
        amounts = dict(
            db.session.execute(select(SupplierInvoice.invoice_number, SupplierInvoice.amount)).all()
        )
        assert amounts == {"F-1": Decimal("1000.00"), "K-1": Decimal("-250.50")}
