"""ISO 20022 pain.001.001.03 credit transfer files in the Swedish banks' conventions.

Built from plain dataclasses, so that this module knows nothing of the database, and validated
against the ISO schema shipped in inyett/schemas/ before any file is stored.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from lxml import etree

from inyett.formatting import STOCKHOLM

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "pain.001.001.03.xsd"
# Bankgirot's clearing number, and Plusgirot's (Nordea), in the Swedish clearing system SESBA.
BANKGIRO_CLEARING = "9900"
PLUSGIRO_CLEARING = "9960"
# Some banks want Cd=BBAN for plusgiro creditors instead; this is the one place to change it.
PLUSGIRO_SCHEME = ("Prtry", "PGNR")


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


def build_valid(order: PaymentOrder) -> bytes:
    """The order as pain.001 XML, checked against the ISO schema."""
    xml = build(order)
    validate(xml)
    return xml


def build(order: PaymentOrder) -> bytes:
    """The order as pain.001 XML (UTF-8, with declaration); not yet validated."""
    if not order.transfers:
        raise ValueError("a payment file needs at least one transfer")
    if any(t.amount <= 0 for t in order.transfers):
        raise ValueError("amounts must be positive")
    root = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    initiation = _sub(root, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", order.message_id[:35])
    _sub(header, "CreDtTm", _local_time(order.created_at))
    _sub(header, "NbOfTxs", str(len(order.transfers)))
    _sub(header, "CtrlSum", _amount(sum(t.amount for t in order.transfers)))
    _party(_sub(header, "InitgPty"), order.debtor.name, order.debtor.orgnr, None)
    by_currency = defaultdict(list)
    for transfer in order.transfers:
        by_currency[transfer.currency].append(transfer)
    for number, currency in enumerate(sorted(by_currency), start=1):
        transfers = by_currency[currency]
        _payment_information(initiation, order, f"{order.message_id[:30]}-{number}", transfers)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


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


def _payment_information(parent, order: PaymentOrder, info_id: str, transfers) -> None:
    info = _sub(parent, "PmtInf")
    _sub(info, "PmtInfId", info_id)
    _sub(info, "PmtMtd", "TRF")
    _sub(info, "NbOfTxs", str(len(transfers)))
    _sub(info, "CtrlSum", _amount(sum(t.amount for t in transfers)))
    payment_type = _sub(info, "PmtTpInf")
    _sub(_sub(payment_type, "SvcLvl"), "Cd", "NURG")
    _sub(_sub(payment_type, "CtgyPurp"), "Cd", "SUPP")
    _sub(info, "ReqdExctnDt", order.execution_date.isoformat())
    debtor = order.debtor
    _party(_sub(info, "Dbtr"), debtor.name, debtor.orgnr, debtor.country)
    _account(_sub(info, "DbtrAcct"), debtor.account_type, debtor.account, debtor.country)
    _agent(_sub(info, "DbtrAgt"), debtor.account_type, debtor.account, debtor.country, debtor.bic)
    _sub(info, "ChrgBr", "SLEV")
    for transfer in transfers:
        _transfer(info, transfer)


def _transfer(parent, t: CreditTransfer) -> None:
    tx = _sub(parent, "CdtTrfTxInf")
    _sub(_sub(tx, "PmtId"), "EndToEndId", t.end_to_end_id[:35])
    amount = _sub(_sub(tx, "Amt"), "InstdAmt", _amount(t.amount))
    amount.set("Ccy", t.currency)
    if t.account_type != "IBAN":
        _agent(_sub(tx, "CdtrAgt"), t.account_type, t.account, t.creditor_country, None)
    _party(_sub(tx, "Cdtr"), t.creditor_name, t.creditor_orgnr, t.creditor_country)
    _account(_sub(tx, "CdtrAcct"), t.account_type, t.account, t.creditor_country)
    remittance = _sub(tx, "RmtInf")
    if t.ocr:
        reference = _sub(_sub(remittance, "Strd"), "CdtrRefInf")
        _sub(_sub(_sub(reference, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
        _sub(reference, "Ref", t.ocr[:35])
    else:
        _sub(remittance, "Ustrd", _text(t.message or f"Faktura {t.invoice_number or ''}", 140))


def _party(parent, name: str, orgnr: str | None, country: str | None) -> None:
    _sub(parent, "Nm", _text(name, 70))
    if country:
        _sub(_sub(parent, "PstlAdr"), "Ctry", country)
    if orgnr:
        _sub(_sub(_sub(_sub(parent, "Id"), "OrgId"), "Othr"), "Id", orgnr[:35])


def _account(parent, account_type: str, account: str, country: str) -> None:
    identification = _sub(parent, "Id")
    if account_type == "IBAN":
        _sub(identification, "IBAN", account)
        return
    other = _sub(identification, "Othr")
    _sub(other, "Id", account)
    scheme = _sub(other, "SchmeNm")
    if account_type == "BGNR":
        _sub(scheme, "Prtry", "BGNR")
    elif account_type == "PGNR":
        _sub(scheme, *PLUSGIRO_SCHEME)
    else:
        _sub(scheme, "Cd", "BBAN")


def _agent(parent, account_type: str, account: str, country: str, bic: str | None) -> None:
    institution = _sub(parent, "FinInstnId")
    if bic:
        _sub(institution, "BIC", bic)
        return
    clearing = {"BGNR": BANKGIRO_CLEARING, "PGNR": PLUSGIRO_CLEARING}.get(account_type)
    if clearing is None and account_type == "BBAN" and country == "SE":
        clearing = account[:4]
    if clearing:
        member = _sub(institution, "ClrSysMmbId")
        _sub(_sub(member, "ClrSysId"), "Cd", "SESBA")
        _sub(member, "MmbId", clearing)
    else:
        # Without BIC or clearing the agent is known from the account itself; the schema
        # still wants the element, and an address with the country is the lightest valid form.
        _sub(_sub(institution, "PstlAdr"), "Ctry", country)


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


def _text(value: str, limit: int) -> str:
    # XML 1.0 cannot carry control characters; the schema limits lengths.
    cleaned = "".join(ch if ch.isprintable() else " " for ch in value).strip()
    return cleaned[:limit] or "-"
