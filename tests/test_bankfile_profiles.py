"""Every payment type × every bank profile: XSD-valid, and every rule of the profile's table
met (a new rule is tested by adding a row to inyett/bankfiles/profiles.py)."""

import dataclasses
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal

import pytest
from lxml import etree

from inyett.bankfiles import pain001
from inyett.bankfiles import profiles
from inyett.bankfiles.text import bank_text

NS = {"p": pain001.NAMESPACE}
DEBTORS = {
    "SE": pain001.Debtor(
        name="Demo Fastigheter AB",
        orgnr="5560360793",
        country="SE",
        account_type="IBAN",
        account="SE4550000000058398257466",
        bic="ESSESESS",
        agreement_id="065560360793B001",
        bankgiro="55555551",
    ),
    "NO": pain001.Debtor(
        name="Demo Eiendom AS",
        orgnr="988077917",
        country="NO",
        account_type="IBAN",
        account="NO9386011117947",
        bic="DNBANOKK",
        agreement_id="AVTALE-4711",
    ),
}
STOCKHOLM = pain001.PostalAddress("SE", town="Stockholm", post_code="111 22", street="Gatan 1")
OSLO = pain001.PostalAddress("NO", town="Oslo", post_code="0150")
BERLIN = pain001.PostalAddress("DE", town="Berlin", post_code="10115", street="Straße 1")
NEW_YORK = pain001.PostalAddress("US", town="New York", post_code="10001", street="5th Ave 1")


def credit(kind, account_type, account, currency="SEK", country="SE", **fields):
    values = dict(
        end_to_end_id=kind,
        amount=Decimal("1234.50"),
        currency=currency,
        creditor_name="Leverantör AB",
        creditor_country=country,
        creditor_orgnr=None,
        account_type=account_type,
        account=account,
        ocr=None,
        message=None,
        invoice_number="F-1",
        creditor_address=STOCKHOLM,
    )
    return pain001.CreditTransfer(**(values | fields))


TRANSFERS = {
    profiles.BANKGIRO_OCR: credit("bgocr", "BGNR", "50501055", ocr="1234567806"),
    profiles.BANKGIRO_MESSAGE: credit("bgmsg", "BGNR", "50501055", message="Faktura K-88"),
    profiles.PLUSGIRO: credit("pg", "PGNR", "1234566", message="Faktura K-89"),
    profiles.SE_ACCOUNT: credit("acct", "BBAN", "50001234560", message="F-1"),
    profiles.EUR_SEPA: credit(
        "sepa",
        "IBAN",
        "DE89370400440532013000",
        "EUR",
        "DE",
        creditor_bic="COBADEFFXXX",
        creditor_address=BERLIN,
        message="Rechnung 1",
    ),
    profiles.FOREIGN: credit(
        "usd",
        "BBAN",
        "123456789",
        "USD",
        "US",
        creditor_bic="CHASUS33",
        creditor_address=NEW_YORK,
        message="Invoice 1",
    ),
    profiles.NO_ACCOUNT_KID: credit(
        "kid", "BBAN", "86011117947", "NOK", "NO", ocr="23456783", creditor_address=OSLO
    ),
    profiles.NO_ACCOUNT_MESSAGE: credit(
        "nomsg", "BBAN", "86011117947", "NOK", "NO", message="Faktura 7", creditor_address=OSLO
    ),
}


def order(debtor, *transfers, execution_date=date(2026, 11, 26)):
    return pain001.PaymentOrder(
        message_id="IK1-20261124-abc",
        created_at=datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
        debtor=debtor,
        execution_date=execution_date,
        transfers=transfers,
    )


def debtor_for(profile):
    return dataclasses.replace(DEBTORS[profile.country], bank=profile.key)


def kinds_of(profile):
    return profiles.SE_KINDS if profile.country == "SE" else profiles.NO_KINDS


CASES = [(key, kind) for key, p in profiles.PROFILES.items() for kind in kinds_of(p)]


def placeholders(debtor, t):
    return {
        "amount": f"{t.amount:.2f}",
        "ocr": t.ocr,
        "message": t.message,
        "clearing": t.account[:4],
        "agreement_id": debtor.agreement_id,
        "debtor_bic": debtor.bic,
        "debtor_account": debtor.account,
        "debtor_bankgiro": debtor.bankgiro,
        "creditor_account": t.account,
        "creditor_bic": t.creditor_bic,
        "creditor_town": t.creditor_address.town,
        "creditor_country": t.creditor_address.country,
    }


@pytest.mark.parametrize(("key", "kind"), CASES)
def test_each_payment_type_meets_every_rule_of_the_banks_profile(key, kind):
    profile = profiles.PROFILES[key]
    debtor = debtor_for(profile)
    transfer = TRANSFERS[kind]
    tree = etree.fromstring(pain001.build_valid(order(debtor, transfer)))
    node = tree.xpath("//p:CdtTrfTxInf", namespaces=NS)[0]
    rules = [rule for rule in profile.rules if kind in rule.kinds]
    assert rules, f"{key} has no rule for {kind}"
    for rule in rules:
        found = [element.text for element in node.xpath(rule.xpath, namespaces=NS)]
        if rule.expected is None:
            assert found == [], rule
        else:
            assert found == [rule.expected.format(**placeholders(debtor, transfer))], rule


@pytest.mark.parametrize("key", list(profiles.PROFILES))
def test_a_file_with_every_payment_type_is_schema_valid_and_groups_by_type(key):
    profile = profiles.PROFILES[key]
    transfers = [TRANSFERS[kind] for kind in kinds_of(profile)]
    tree = etree.fromstring(pain001.build_valid(order(debtor_for(profile), *transfers)))
    infos = tree.xpath("//p:PmtInf", namespaces=NS)
    # Domestic, SEPA (EUR) and cross-border (USD), plus Swedbank's bankgiro-debited block.
    assert len(infos) == (4 if profile.bankgiro_debtor_for_bankgiro else 3)
    assert sum(int(i.findtext("p:NbOfTxs", namespaces=NS)) for i in infos) == len(transfers)


@pytest.mark.parametrize("key", list(profiles.PROFILES))
def test_names_and_messages_stay_in_the_banks_characters(key):
    profile = profiles.PROFILES[key]
    hostile = "Ærø & Søn <Café> “Kvalité” – €5 ÅÄÖ"
    transfer = dataclasses.replace(
        TRANSFERS[profiles.EUR_SEPA], creditor_name=hostile, message=hostile
    )
    tree = etree.fromstring(pain001.build_valid(order(debtor_for(profile), transfer)))
    for path in ("//p:Cdtr/p:Nm", "//p:RmtInf/p:Ustrd"):
        shown = tree.xpath(path, namespaces=NS)[0].text
        assert set(shown) <= profile.characters, shown
        assert shown == bank_text(profile, hostile)
        assert "Son" in shown or "Søn" in shown  # transliterated, never dropped


def test_the_swedish_set_keeps_aao_and_transliterates_the_rest():
    assert bank_text(profiles.SEB, "Café Ærø & Co – €5, ÅÄÖ") == "Cafe AEro + Co - EUR5, ÅÄÖ"
    assert bank_text(profiles.NORDEA_SE, "Café Ærø & Co") == "Café Ærø + Co"
    assert bank_text(profiles.DNB, "Blåbær Ås") == "Blabaer As"


def test_message_lengths_follow_the_payees_channel():
    assert profiles.max_message_length(profiles.GENERIC_SE, "BGNR", "SE") == 25
    assert profiles.max_message_length(profiles.SWEDBANK, "PGNR", "SE") == 25
    assert profiles.max_message_length(profiles.HANDELSBANKEN, "BBAN", "SE") == 12
    assert profiles.max_message_length(profiles.SEB, "IBAN", "DE") == 140
    assert profiles.max_message_length(profiles.DNB, "BBAN", "NO") == 140


def test_a_message_too_long_for_bankgiro_is_refused_not_cut():
    transfer = dataclasses.replace(TRANSFERS[profiles.BANKGIRO_MESSAGE], message="x" * 26)
    with pytest.raises(pain001.PaymentFileRefused) as refused:
        pain001.build(order(debtor_for(profiles.SEB), transfer))
    assert str(refused.value) == (
        "Meddelandet till Leverantör AB är 26 tecken men mottagaren får bara 25. "
        "Korta meddelandet på betalningen."
    )


@pytest.mark.parametrize("key", [k for k, p in profiles.PROFILES.items() if p.agreement_required])
def test_a_named_bank_without_agreement_id_or_bic_is_refused_in_swedish(key):
    profile = profiles.PROFILES[key]
    transfer = TRANSFERS[kinds_of(profile)[1]]
    no_agreement = dataclasses.replace(debtor_for(profile), agreement_id=None)
    with pytest.raises(pain001.PaymentFileRefused, match="bankavtalets id"):
        pain001.build(order(no_agreement, transfer))
    no_bic = dataclasses.replace(debtor_for(profile), bic=None)
    with pytest.raises(pain001.PaymentFileRefused, match="BIC för bolagets bank"):
        pain001.build(order(no_bic, transfer))


def test_cross_border_without_bic_or_town_is_refused():
    debtor = debtor_for(profiles.SEB)
    no_bic = dataclasses.replace(TRANSFERS[profiles.FOREIGN], creditor_bic=None)
    with pytest.raises(pain001.PaymentFileRefused, match="mottagarbankens BIC"):
        pain001.build(order(debtor, no_bic))
    no_town = dataclasses.replace(
        TRANSFERS[profiles.FOREIGN], creditor_address=pain001.PostalAddress("US")
    )
    with pytest.raises(pain001.PaymentFileRefused, match="postadress med ort"):
        pain001.build(order(debtor, no_town))


def test_swedbank_pays_bankgiro_from_the_companys_bankgiro_only():
    debtor = dataclasses.replace(debtor_for(profiles.SWEDBANK), bankgiro=None)
    with pytest.raises(pain001.PaymentFileRefused, match="eget bankgironummer"):
        pain001.build(order(debtor, TRANSFERS[profiles.BANKGIRO_OCR]))


def test_giro_payments_are_kronor_from_a_swedish_account():
    eur = dataclasses.replace(TRANSFERS[profiles.BANKGIRO_OCR], currency="EUR")
    with pytest.raises(pain001.PaymentFileRefused, match="bara emot kronor"):
        pain001.build(order(debtor_for(profiles.SEB), eur))
    with pytest.raises(pain001.PaymentFileRefused, match="bara emot kronor"):
        pain001.build(order(debtor_for(profiles.DNB), TRANSFERS[profiles.BANKGIRO_OCR]))


def test_each_transfer_date_gets_its_own_payment_information():
    later = dataclasses.replace(
        TRANSFERS[profiles.BANKGIRO_MESSAGE],
        end_to_end_id="later",
        execution_date=date(2026, 11, 27),
    )
    xml = pain001.build_valid(order(debtor_for(profiles.SEB), TRANSFERS[profiles.PLUSGIRO], later))
    dates = etree.fromstring(xml).xpath("//p:PmtInf/p:ReqdExctnDt/text()", namespaces=NS)
    assert dates == ["2026-11-26", "2026-11-27"]


def test_an_old_bankgiro_only_paying_account_still_gives_a_valid_file():
    # bank None → the generic profile of the company's country, as files were built before.
    legacy = pain001.Debtor(
        name="Demo Fastigheter AB",
        orgnr="5560360793",
        country="SE",
        account_type="BGNR",
        account="55555551",
    )
    tree = etree.fromstring(pain001.build_valid(order(legacy, TRANSFERS[profiles.PLUSGIRO])))
    initiating = "//p:InitgPty/p:Id/p:OrgId/p:Othr/p:Id/text()"
    assert tree.xpath(initiating, namespaces=NS) == ["5560360793"]
    assert tree.xpath("//p:DbtrAcct//p:Prtry/text()", namespaces=NS) == ["BGNR"]
    # Bankgirot is no longer named as the payer's bank.
    assert tree.xpath("//p:DbtrAgt//p:MmbId", namespaces=NS) == []
