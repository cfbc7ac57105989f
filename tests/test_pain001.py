import dataclasses
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal

import pytest
from lxml import etree

from inyett import pain001

NS = {"p": pain001.NAMESPACE}
DEBTOR = pain001.Debtor(
    name="Demo Fastigheter AB",
    orgnr="5560360793",
    country="SE",
    account_type="BGNR",
    account="55555551",
)


def transfer(
    end_to_end_id,
    account_type,
    account,
    amount="100.00",
    currency="SEK",
    ocr=None,
    message=None,
    name="Leverantör AB",
):
    return pain001.CreditTransfer(
        end_to_end_id=end_to_end_id,
        amount=Decimal(amount),
        currency=currency,
        creditor_name=name,
        creditor_country="SE",
        creditor_orgnr="5560473521",
        account_type=account_type,
        account=account,
        ocr=ocr,
        message=message,
        invoice_number="F-1",
    )


def order(*transfers):
    return pain001.PaymentOrder(
        message_id="IK1-20261124-abc",
        created_at=datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
        debtor=DEBTOR,
        execution_date=date(2026, 11, 26),
        transfers=transfers,
    )


def tx(tree, end_to_end_id):
    return tree.xpath(f"//p:CdtTrfTxInf[p:PmtId/p:EndToEndId='{end_to_end_id}']", namespaces=NS)[0]


def text(node, path):
    return node.xpath(path + "/text()", namespaces=NS)


@pytest.fixture
def tree():
    xml = pain001.build_valid(
        order(
            transfer("BG1", "BGNR", "50501055", "18450.00", ocr="1234567806"),
            transfer("PG1", "PGNR", "1234566", "999.50", message="Faktura K-88"),
            transfer("BB1", "BBAN", "50001234560", "1234.00"),
            transfer("IB1", "IBAN", "SE4550000000058398257466", "0.10"),
        )
    )
    return etree.fromstring(xml)


def test_group_header_counts_and_exact_sum(tree):
    assert text(tree, "//p:GrpHdr/p:NbOfTxs") == ["4"]
    assert text(tree, "//p:GrpHdr/p:CtrlSum") == ["20683.60"]
    assert text(tree, "//p:PmtInf/p:CtrlSum") == ["20683.60"]
    assert text(tree, "//p:PmtInf/p:ReqdExctnDt") == ["2026-11-26"]
    assert text(tree, "//p:DbtrAcct/p:Id/p:Othr/p:SchmeNm/p:Prtry") == ["BGNR"]


def test_the_creation_time_is_swedish_local_time_with_its_offset(tree):
    # 09:30 UTC is 10:30 in Stockholm in November (CET), as the file page shows it.
    assert text(tree, "//p:GrpHdr/p:CreDtTm") == ["2026-11-24T10:30:00+01:00"]
    summer = dataclasses.replace(
        order(transfer("BG1", "BGNR", "50501055")),
        created_at=datetime(2026, 6, 1, 5, 36, 57, 123456, tzinfo=UTC),
    )
    created = text(etree.fromstring(pain001.build_valid(summer)), "//p:GrpHdr/p:CreDtTm")
    assert created == ["2026-06-01T07:36:57+02:00"]


def test_bankgiro_payee(tree):
    node = tx(tree, "BG1")
    assert text(node, "p:CdtrAcct/p:Id/p:Othr/p:Id") == ["50501055"]
    assert text(node, "p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Prtry") == ["BGNR"]
    assert text(node, "p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId") == ["9900"]
    assert text(node, "p:Amt/p:InstdAmt") == ["18450.00"]
    assert node.xpath("p:Amt/p:InstdAmt/@Ccy", namespaces=NS) == ["SEK"]
    assert text(node, "p:RmtInf/p:Strd/p:CdtrRefInf/p:Tp/p:CdOrPrtry/p:Cd") == ["SCOR"]
    assert text(node, "p:RmtInf/p:Strd/p:CdtrRefInf/p:Ref") == ["1234567806"]


def test_plusgiro_payee(tree):
    # Without a known bank the file follows the form most Swedish banks document (BBAN).
    node = tx(tree, "PG1")
    assert text(node, "p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Cd") == ["BBAN"]
    assert text(node, "p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId") == ["9960"]
    assert text(node, "p:RmtInf/p:Ustrd") == ["Faktura K-88"]


def test_bank_account_payee_carries_its_clearing(tree):
    node = tx(tree, "BB1")
    assert text(node, "p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Cd") == ["BBAN"]
    assert text(node, "p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId") == ["5000"]
    assert text(node, "p:RmtInf/p:Ustrd") == ["Faktura F-1"]


def test_iban_payee(tree):
    node = tx(tree, "IB1")
    assert text(node, "p:CdtrAcct/p:Id/p:IBAN") == ["SE4550000000058398257466"]
    assert text(node, "p:Amt/p:InstdAmt") == ["0.10"]


def test_one_payment_information_per_currency():
    tree = etree.fromstring(
        pain001.build_valid(
            order(
                transfer("A", "BGNR", "50501055"),
                dataclasses.replace(
                    transfer("B", "IBAN", "NO9386011117947", currency="NOK"),
                    creditor_bic="DNBANOKK",
                    creditor_address=pain001.PostalAddress("NO", town="Oslo"),
                ),
            )
        )
    )
    assert len(tree.xpath("//p:PmtInf", namespaces=NS)) == 2
    assert text(tree, "//p:GrpHdr/p:NbOfTxs") == ["2"]


def test_decimal_sums_are_exact():
    tree = etree.fromstring(
        pain001.build_valid(
            order(
                transfer("A", "BGNR", "50501055", "0.10"),
                transfer("B", "BGNR", "50501055", "0.20"),
            )
        )
    )
    assert text(tree, "//p:GrpHdr/p:CtrlSum") == ["0.30"]


def test_hostile_names_still_give_a_valid_file_in_the_banks_characters():
    name = "<script>&\"' Åäö \x07" + "x" * 200
    xml = pain001.build_valid(order(transfer("A", "BGNR", "50501055", name=name)))
    tree = etree.fromstring(xml)
    shown = text(tree, "//p:Cdtr/p:Nm")[0]
    assert shown.startswith("(script)+'' Åäö x")
    assert len(shown) == 70


def test_a_broken_file_fails_validation_with_readable_errors():
    xml = pain001.build(order(transfer("A", "BGNR", "50501055")))
    broken = xml.replace(b"<NbOfTxs>1</NbOfTxs>", b"<NbOfTxs>ett</NbOfTxs>", 1)
    with pytest.raises(pain001.InvalidPaymentFile) as raised:
        pain001.validate(broken)
    assert "NbOfTxs" in raised.value.errors[0]
    with pytest.raises(pain001.InvalidPaymentFile):
        pain001.validate(b"<not-xml")


def test_empty_orders_and_non_positive_amounts_are_refused():
    with pytest.raises(ValueError):
        pain001.build(order())
    with pytest.raises(ValueError):
        pain001.build(order(transfer("A", "BGNR", "50501055", "0.00")))


def test_a_schema_error_names_the_element_at_fault():
    bad_bic = dataclasses.replace(
        order(transfer("A", "BGNR", "50501055")), debtor=dataclasses.replace(DEBTOR, bic="ESSESE1S")
    )
    with pytest.raises(pain001.InvalidPaymentFile) as raised:
        pain001.build_valid(bad_bic)
    assert raised.value.paths == ("/Document/CstmrCdtTrfInitn/PmtInf/DbtrAgt/FinInstnId/BIC",)
