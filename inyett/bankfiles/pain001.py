"""ISO 20022 pain.001.001.03 credit transfer files the debtor's bank accepts.

Built from plain dataclasses, so that this module knows nothing of the database. What differs
between banks is asked of the bank's profile (inyett.bankfiles.profiles), which names the source
of each choice. Every file is validated against the ISO schema in inyett/schemas/ before it is
stored.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from lxml import etree
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from inyett.bankfiles import profiles
from inyett.bankfiles.profiles import BankProfile
from inyett.bankfiles.text import bank_text
from inyett.formatting import STOCKHOLM

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
SCHEMA_PATH = Path(__file__).parent.parent / "schemas" / "pain.001.001.03.xsd"
# Bankgirot's clearing number in the Swedish clearing system SESBA ([SCI], [ODOO-SE]).
BANKGIRO_CLEARING = "9900"
DOMESTIC_CURRENCY = {"SE": "SEK", "NO": "NOK"}
GIRO_TYPES = ("BGNR", "PGNR")
GIRO_NAMES = {"BGNR": "bankgiro", "PGNR": "plusgiro"}


@dataclass(frozen=True)
class PostalAddress:
    """A structured postal address; cross-border payments need at least town and country."""

    country: str  # ISO 3166-1 alpha-2
    town: str | None = None
    post_code: str | None = None
    street: str | None = None


@dataclass(frozen=True)
class Debtor:
    name: str
    orgnr: str
    country: str
    # The account the money leaves: the company's bank account (IBAN or BBAN) as its bank knows
    # it; bankgiro and plusgiro are numbers linked to it, which some payment types name too.
    account_type: str
    account: str
    bic: str | None = None
    bank: str | None = None  # the key of the bank's profile (inyett.bankfiles)
    agreement_id: str | None = None  # the bank agreement's identification, for InitgPty
    bankgiro: str | None = None
    plusgiro: str | None = None


@dataclass(frozen=True)
class CreditTransfer:
    end_to_end_id: str
    amount: Decimal
    currency: str
    creditor_name: str
    creditor_country: str
    creditor_orgnr: str | None
    account_type: str
    account: str
    ocr: str | None
    message: str | None
    invoice_number: str | None
    creditor_address: PostalAddress | None = None
    creditor_bic: str | None = None
    execution_date: date | None = None  # None: the order's execution date


@dataclass(frozen=True)
class PaymentOrder:
    message_id: str
    created_at: datetime
    debtor: Debtor
    execution_date: date
    transfers: tuple[CreditTransfer, ...]


class InvalidPaymentFile(Exception):
    """The file breaks the ISO schema; `errors` says where, one line per problem, and `paths`
    names the elements at fault (`/Document/.../DbtrAgt/FinInstnId/BIC`)."""

    def __init__(self, errors: list[str], paths: tuple[str, ...] = ()):
        super().__init__("; ".join(errors))
        self.errors = errors
        self.paths = paths


class PaymentFileRefused(Exception):
    """The order lacks something the bank needs (an agreement id, a BIC, an address), or asks
    for something it cannot carry; `str(exc)` is the Swedish reason, saying what to fill in."""


def build_valid(order: PaymentOrder) -> bytes:
    """The order as pain.001 XML, checked against the ISO schema."""
    xml = build(order)
    validate(xml)
    return xml


def build(order: PaymentOrder) -> bytes:
    """The order as pain.001 XML (UTF-8, with declaration) in its bank's profile; not yet
    validated. Raises PaymentFileRefused when the order lacks what the bank needs."""
    if not order.transfers:
        raise ValueError("a payment file needs at least one transfer")
    if any(t.amount <= 0 for t in order.transfers):
        raise ValueError("amounts must be positive")
    profile = profiles.profile_for(order.debtor.bank, order.debtor.country)
    _check_debtor(order.debtor, profile)
    root = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    initiation = _sub(root, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", order.message_id[:35])
    _sub(header, "CreDtTm", _local_time(order.created_at))
    _sub(header, "NbOfTxs", str(len(order.transfers)))
    _sub(header, "CtrlSum", _amount(sum(t.amount for t in order.transfers)))
    _initiating_party(_sub(header, "InitgPty"), order.debtor, profile)
    groups = _payment_groups(order, profile)
    for number, key in enumerate(sorted(groups), start=1):
        info_id = f"{order.message_id[:30]}-{number}"
        _payment_information(initiation, order.debtor, profile, key, info_id, groups[key])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def payment_type(debtor_country: str, transfer: CreditTransfer) -> str:
    """SEPA for EUR to an IBAN in the SEPA zone (schwifty's registry), domestic for the
    country's own currency to an account there, else cross-border."""
    if transfer.account_type == "IBAN":
        try:
            iban = IBAN(transfer.account)
        except SchwiftyException:
            iban = None
        if iban is not None and transfer.currency == "EUR" and iban.in_sepa_zone:
            return profiles.SEPA
        account_country = transfer.account[:2]
    else:
        account_country = transfer.creditor_country
    if account_country == debtor_country and transfer.currency == DOMESTIC_CURRENCY.get(
        debtor_country
    ):
        return profiles.DOMESTIC
    return profiles.CROSS_BORDER


def _check_debtor(debtor: Debtor, profile: BankProfile) -> None:
    if profile.agreement_required and not debtor.agreement_id:
        raise PaymentFileRefused(
            f"Betalfilen kan inte skapas: {profile.name} vill ha bankavtalets id "
            "(kund- eller avtalsnummer) i filen, och det saknas för kontot den betalas från. "
            "En administratör fyller i det under Systeminställningar › Bolag."
        )
    if profile.debtor_bic_required and not debtor.bic:
        raise PaymentFileRefused(
            f"Betalfilen kan inte skapas: BIC för bolagets bank ({profile.name}) saknas för "
            "kontot den betalas från. En administratör väljer banken under "
            "Systeminställningar › Bolag."
        )


def _payment_groups(order: PaymentOrder, profile: BankProfile) -> dict:
    """One PmtInf per debtor account, execution date, currency and payment type."""
    groups = defaultdict(list)
    for transfer in order.transfers:
        kind = _check_transfer(order.debtor, profile, transfer)
        debits_bankgiro = profile.bankgiro_debtor_for_bankgiro and transfer.account_type == "BGNR"
        if debits_bankgiro and not order.debtor.bankgiro:
            raise PaymentFileRefused(
                f"Betalfilen kan inte skapas: {profile.name} betalar till bankgiro bara från "
                "bolagets eget bankgironummer, och det saknas för kontot den betalas från. "
                "En administratör fyller i det under Systeminställningar › Bolag."
            )
        when = transfer.execution_date or order.execution_date
        key = ("BGNR" if debits_bankgiro else "account", when, transfer.currency, kind)
        groups[key].append(transfer)
    return groups


def _check_transfer(debtor: Debtor, profile: BankProfile, t: CreditTransfer) -> str:
    kind = payment_type(debtor.country, t)
    payee = f"Betalningen till {t.creditor_name}"
    if t.account_type in GIRO_TYPES and kind != profiles.DOMESTIC:
        # Bankgirot takes no EUR since 2016-10-31 (bankgirot.se); giro numbers are Swedish.
        raise PaymentFileRefused(
            f"{payee}: {GIRO_NAMES[t.account_type]} tar bara emot kronor (SEK) från ett "
            "svenskt konto."
        )
    if kind == profiles.CROSS_BORDER and not t.creditor_bic:
        raise PaymentFileRefused(
            f"{payee} går till utlandet och behöver mottagarbankens BIC. "
            "Fyll i den på leverantören."
        )
    address = t.creditor_address
    if kind in profile.creditor_town_for and not (address and address.town):
        raise PaymentFileRefused(
            f"{payee} behöver mottagarens postadress med ort"
            + (
                " (banken kräver den för betalningar till utlandet)"
                if kind != profiles.DOMESTIC
                else f" ({profile.name} kräver den)"
            )
            + ". Fyll i adressen på leverantören."
        )
    return kind


def _payment_information(parent, debtor: Debtor, profile: BankProfile, key, info_id, transfers):
    debtor_form, when, _currency, kind = key
    info = _sub(parent, "PmtInf")
    _sub(info, "PmtInfId", info_id)
    _sub(info, "PmtMtd", "TRF")
    _sub(info, "NbOfTxs", str(len(transfers)))
    _sub(info, "CtrlSum", _amount(sum(t.amount for t in transfers)))
    payment_type_info = _sub(info, "PmtTpInf")
    # [SCI]: giro and domestic transfers are NURG; [EPC]: SEPA is SEPA.
    service_level = "SEPA" if kind == profiles.SEPA else "NURG"
    _sub(_sub(payment_type_info, "SvcLvl"), "Cd", service_level)
    _sub(_sub(payment_type_info, "CtgyPurp"), "Cd", "SUPP")
    _sub(info, "ReqdExctnDt", when.isoformat())
    _party(_sub(info, "Dbtr"), profile, debtor.name, debtor.orgnr, PostalAddress(debtor.country))
    if debtor_form == "BGNR":
        _giro_account(_sub(info, "DbtrAcct"), profile, "BGNR", debtor.bankgiro)
    else:
        _debtor_account(_sub(info, "DbtrAcct"), profile, debtor)
    _debtor_agent(_sub(_sub(info, "DbtrAgt"), "FinInstnId"), debtor)
    charges = {
        profiles.DOMESTIC: profile.domestic_charges,
        profiles.SEPA: "SLEV",
        profiles.CROSS_BORDER: profile.cross_border_charges,
    }
    _sub(info, "ChrgBr", charges[kind])
    for transfer in transfers:
        _transfer(info, profile, kind, transfer)


def _initiating_party(parent, debtor: Debtor, profile: BankProfile) -> None:
    _sub(parent, "Nm", bank_text(profile, debtor.name, 70))
    other = _sub(_sub(_sub(parent, "Id"), "OrgId"), "Othr")
    if debtor.agreement_id:
        _sub(other, "Id", debtor.agreement_id[:35])
        _sub(_sub(other, "SchmeNm"), "Cd", profile.agreement_scheme)
    else:
        # A generic profile's paying account from before the agreement id was asked for: the
        # org.nr, as files carried until then.
        _sub(other, "Id", debtor.orgnr[:35])


def _debtor_account(parent, profile: BankProfile, debtor: Debtor) -> None:
    identification = _sub(parent, "Id")
    if debtor.account_type == "IBAN":
        _sub(identification, "IBAN", debtor.account)
    elif debtor.account_type in GIRO_TYPES:
        # A paying account saved before the bank account was asked for.
        parent.remove(identification)
        _giro_account(parent, profile, debtor.account_type, debtor.account)
    else:
        other = _sub(identification, "Othr")
        _sub(other, "Id", debtor.account)
        _sub(_sub(other, "SchmeNm"), "Cd", "BBAN")


def _debtor_agent(institution, debtor: Debtor) -> None:
    bic = debtor.bic or _bic_of_iban(debtor)
    if bic:
        _sub(institution, "BIC", bic)
    elif debtor.account_type == "BBAN" and debtor.country == "SE":
        _clearing(institution, debtor.account[:4])
    else:
        # No bank known (an old bankgiro-only paying account): the country alone, the lightest
        # valid form, rather than naming Bankgirot as the payer's bank.
        _sub(_sub(institution, "PstlAdr"), "Ctry", debtor.country)


def _bic_of_iban(debtor: Debtor) -> str | None:
    if debtor.account_type != "IBAN":
        return None
    try:
        bic = IBAN(debtor.account).bic
    except SchwiftyException:
        return None
    return str(bic) if bic else None


def _transfer(parent, profile: BankProfile, kind: str, t: CreditTransfer) -> None:
    tx = _sub(parent, "CdtTrfTxInf")
    _sub(_sub(tx, "PmtId"), "EndToEndId", t.end_to_end_id[:35])
    amount = _sub(_sub(tx, "Amt"), "InstdAmt", _amount(t.amount))
    amount.set("Ccy", t.currency)
    _creditor_agent(tx, profile, kind, t)
    address = t.creditor_address or PostalAddress(t.creditor_country)
    _party(_sub(tx, "Cdtr"), profile, t.creditor_name, t.creditor_orgnr, address)
    _creditor_account(_sub(tx, "CdtrAcct"), profile, kind, t)
    _remittance(_sub(tx, "RmtInf"), profile, t)


def _creditor_agent(tx, profile: BankProfile, kind: str, t: CreditTransfer) -> None:
    if t.account_type == "BGNR":
        _clearing(_sub(_sub(tx, "CdtrAgt"), "FinInstnId"), BANKGIRO_CLEARING)
    elif t.account_type == "PGNR":
        _clearing(_sub(_sub(tx, "CdtrAgt"), "FinInstnId"), profile.plusgiro_clearing)
    elif t.creditor_bic:
        _sub(_sub(_sub(tx, "CdtrAgt"), "FinInstnId"), "BIC", t.creditor_bic)
    elif kind == profiles.DOMESTIC and t.account_type == "BBAN" and t.creditor_country == "SE":
        # [ODOO-SE], [VALIDEX]: a Swedish account payee's bank by its clearing number.
        _clearing(_sub(_sub(tx, "CdtrAgt"), "FinInstnId"), t.account[:4])
    # Otherwise the account names its bank (an IBAN, a Norwegian account's first four digits)
    # and CdtrAgt, optional in the schema, is left out: our conservative default.


def _creditor_account(parent, profile: BankProfile, kind: str, t: CreditTransfer) -> None:
    if t.account_type in GIRO_TYPES:
        _giro_account(parent, profile, t.account_type, t.account)
        return
    identification = _sub(parent, "Id")
    if t.account_type == "IBAN":
        _sub(identification, "IBAN", t.account)
        return
    other = _sub(identification, "Othr")
    _sub(other, "Id", t.account)
    if kind == profiles.DOMESTIC:
        _sub(_sub(other, "SchmeNm"), "Cd", "BBAN")
    # A foreign national account number has no scheme every bank knows: Id alone, as Odoo's
    # generic ISO 20022 writer sends it.


def _giro_account(parent, profile: BankProfile, account_type: str, number: str) -> None:
    other = _sub(_sub(parent, "Id"), "Othr")
    _sub(other, "Id", number)
    scheme = ("Prtry", "BGNR") if account_type == "BGNR" else profile.plusgiro_scheme
    _sub(_sub(other, "SchmeNm"), *scheme)


def _remittance(remittance, profile: BankProfile, t: CreditTransfer) -> None:
    if t.ocr:
        structured = _sub(remittance, "Strd")
        wanted = profile.remitted_amount_for
        if "*" in wanted or t.account_type in wanted:
            referred = _sub(structured, "RfrdDocAmt")
            _sub(referred, "RmtdAmt", _amount(t.amount)).set("Ccy", t.currency)
        reference = _sub(structured, "CdtrRefInf")
        _sub(_sub(_sub(reference, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
        _sub(reference, "Ref", t.ocr[:35])
        return
    _sub(remittance, "Ustrd", _message(profile, t))


def message_limit(
    profile: BankProfile, account_type: str, account: str, creditor_country: str
) -> int:
    """The longest message a payee with this account receives from `profile`'s bank."""
    country = account[:2] if account_type == "IBAN" else creditor_country
    return profiles.max_message_length(profile, account_type, country)


def _message(profile: BankProfile, t: CreditTransfer) -> str:
    """The message the payee sees; refused rather than cut when its channel is too short."""
    limit = message_limit(profile, t.account_type, t.account, t.creditor_country)
    if t.message:
        text = bank_text(profile, t.message)
    else:
        text = bank_text(profile, f"Faktura {t.invoice_number or ''}")
        if len(text) > limit and t.invoice_number:
            text = bank_text(profile, t.invoice_number)
    if len(text) > limit:
        raise PaymentFileRefused(
            f"Meddelandet till {t.creditor_name} är {len(text)} tecken men mottagaren får "
            f"bara {limit}. Korta meddelandet på betalningen."
        )
    return text


def _party(parent, profile: BankProfile, name: str, orgnr: str | None, address) -> None:
    _sub(parent, "Nm", bank_text(profile, name, 70))
    postal = _sub(parent, "PstlAdr")
    # PostalAddress6 order: StrtNm, PstCd, TwnNm, Ctry.
    for tag, value, limit in (
        ("StrtNm", address.street, 70),
        ("PstCd", address.post_code, 16),
        ("TwnNm", address.town, 35),
    ):
        if value:
            _sub(postal, tag, bank_text(profile, value, limit))
    _sub(postal, "Ctry", address.country)
    if orgnr:
        _sub(_sub(_sub(_sub(parent, "Id"), "OrgId"), "Othr"), "Id", orgnr[:35])


def _clearing(institution, member: str) -> None:
    member_id = _sub(institution, "ClrSysMmbId")
    _sub(_sub(member_id, "ClrSysId"), "Cd", "SESBA")
    _sub(member_id, "MmbId", member)


def validate(xml: bytes) -> None:
    """Raise InvalidPaymentFile unless `xml` is a valid pain.001.001.03 document."""
    try:
        document = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        raise InvalidPaymentFile([f"XML: {exc}"]) from exc
    schema = _schema()
    if not schema.validate(document):
        log = schema.error_log
        # libxml2's own paths are anonymous (/*/*/*); the element on the error's line is not.
        on_line = {element.sourceline: element for element in document.iter()}
        raise InvalidPaymentFile(
            [f"rad {error.line}: {error.message}" for error in log],
            tuple(_path(on_line[error.line]) if error.line in on_line else "" for error in log),
        )


def _path(element) -> str:
    chain = [element, *element.iterancestors()]
    return "/" + "/".join(etree.QName(e).localname for e in reversed(chain))


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def _sub(parent, tag: str, text: str | None = None):
    element = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _local_time(moment: datetime) -> str:
    # Swedish time with its offset, as the user saw it when creating the file; the offset keeps
    # the moment unambiguous for the bank (ISODateTime allows it).
    return moment.astimezone(STOCKHOLM).replace(microsecond=0).isoformat()


def _amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):f}"
