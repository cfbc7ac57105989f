"""What each bank wants of a pain.001.001.03 file beyond the ISO schema, as data.

One `BankProfile` per bank; the builder (inyett.bankfiles.pain001) asks the profile and never
the bank's name. Every choice names its source in a comment. Where no public source said, the
comment says "our conservative default": the form every bank accepts.

Sources, cited below by their short names:
- [SCI] Svenska Bankföreningen, "Swedish Common Interpretation of ISO 20022 Payment Messages,
  Appendix 1: Common Payment Types in Sweden" v1.0 (2014-02-10), change log: "BG/PG payments
  are executed as NURG"; bankgiro payees through Bankgirot, clearing 9900.
  https://pdfslide.net/documents/swedish-common-interpretation-of-iso-20022-payment-swedish-common-interpretation.html
- [EPC] European Payments Council, SEPA Credit Transfer customer-to-bank implementation
  guidelines: SvcLvl SEPA, ChrgBr SLEV, and the basic Latin character set
  a-z A-Z 0-9 / - ? : ( ) . , ' + and space.
  https://www.europeanpaymentscouncil.eu/what-we-do/epc-payment-schemes/sepa-credit-transfer/sepa-credit-transfer-rulebook-and
- [ODOO-SE] Odoo's Swedish ISO 20022 module l10n_se_bban, models/account_journal.py
  (github.com/odoo/odoo and its mirrors, e.g. yckhg/sse odoo/addons/l10n_se_bban): bankgiro
  creditor Othr/SchmeNm/Prtry BGNR, plusgiro and bank account SchmeNm/Cd BBAN, CdtrAgt
  ClrSysMmbId SESBA 9900 / 9960 / clearing, DbtrAgt always BIC, "Nordea has a special rule for
  DbtrAcct as they only use IBAN or BBAN", RfrdDocAmt/RmtdAmt with a SCOR to a bankgiro payee,
  and Swedbank's InitgPty id "06{orgnr}B001".
- [VALIDEX] erp-mafia/accounted, its supplier pain.001 generator, checked against Swedbank's
  Validex (Swedbank MIG 1.0, 2026-08-10): rule PFH_219 "a BGNR creditor demands a BGNR debtor",
  PFH_217 "RfrdDocAmt must be stated when Strd is provided", PFH_237/222 creditor PstlAdr with
  TwnNm on every payment, PFH_214 the restricted character set (åäöÅÄÖ kept), plusgiro
  SchmeNm/Cd BBAN via SESBA 9960, and "the receiver-side giro message field is 25 positions".
- [IMPLEFY] implefy/account_iso20022_swedbank (Odoo module written to Swedbank Sweden's MIG):
  InitgPty/Id/OrgId/Othr/Id = the agreement id (format nnnnnnnnnnnnAnnn) with SchmeNm/Cd BANK;
  character set A-Z a-z 0-9 /-?:().,'+ space plus åÅäÄöÖ; SEPA → ChrgBr SLEV, else SHAR.
- [NORDEA-MIG] Nordea Corporate eGateway MIG pain.001.001.03 v2.6 (2020-11-30): "The files sent
  to Nordea must be in UTF-8 format, using only the characters included in ISO-8859-1."
  https://docslib.org/doc/5938466/mig-pain-001-001-03
- [NORDEA-NO] Nordea, Corporate Access Payables – Appendix Norway (2018-04-30), §2.1.1
  "Payment with KID (OCR) or invoice references": the KID is the payment's structured
  creditor reference. https://vdocuments.us/corporate-access-payables-appendix-norway-document-title-corporate-access.html
- [LB] Bankgirot, Leverantörsbetalningar technical manual: the TK14/TK54 bankgiro and plusgiro
  payment records carry a 25-position reference/message; the TK40 account deposit carries a
  12-position statement text (as summarised in /work/shared/spec/swedish-payments.md §3.1, from
  Infor's BGD description and notima/bankgiro-api LbTk14Record/LbTk40Record).
- [PAIN001-CORPUS] the `pain001` package's Swedish corpus derived from Nordea's MIG:
  plusgiro creditor as Othr/SchmeNm/Prtry PGNR (corpus/data/market/se/plusgiro-credit).
- [ISO-CODES] ISO 20022 ExternalOrganisationIdentification1Code: BANK = "Bank Party
  Identification: unique and unambiguous assignment made by a specific bank"; CUST = "number
  assigned by an issuer to identify a customer".
"""

import dataclasses
from dataclasses import dataclass

# The payment types a PmtInf is grouped by; each gets its own SvcLvl and ChrgBr.
DOMESTIC = "domestic"
SEPA = "sepa"
CROSS_BORDER = "cross_border"
ALL_PAYMENT_TYPES = frozenset({DOMESTIC, SEPA, CROSS_BORDER})

# The payee kinds a file has to get right (issue #12, "Done means"); the rules below and the
# tests name them.
BANKGIRO_OCR = "bankgiro+ocr"
BANKGIRO_MESSAGE = "bankgiro+message"
PLUSGIRO = "plusgiro"
SE_ACCOUNT = "se_account"
EUR_SEPA = "eur_sepa"
FOREIGN = "foreign"
NO_ACCOUNT_KID = "no_account+kid"
NO_ACCOUNT_MESSAGE = "no_account+message"
SE_KINDS = (BANKGIRO_OCR, BANKGIRO_MESSAGE, PLUSGIRO, SE_ACCOUNT, EUR_SEPA, FOREIGN)
NO_KINDS = (NO_ACCOUNT_KID, NO_ACCOUNT_MESSAGE, EUR_SEPA, FOREIGN)
EVERY_KIND = frozenset(SE_KINDS + NO_KINDS)

# [EPC] basic Latin set, which every bank takes.
BASIC_LATIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")
# [VALIDEX] PFH_214, [IMPLEFY]: the Swedish banks add å ä ö Å Ä Ö to it.
SWEDISH_SET = BASIC_LATIN | frozenset("åäöÅÄÖ")
# [NORDEA-MIG]: printable ISO-8859-1, less the characters XML or the CGI reserve.
LATIN_1 = (
    frozenset(chr(c) for c in range(0x20, 0x7F)) | frozenset(chr(c) for c in range(0xC0, 0x100))
) - frozenset('<>&"')

# [ISO-CODES] Max140Text: the most any Ustrd carries, and what the schema takes.
SCHEMA_MESSAGE_LENGTH = 140


@dataclass(frozen=True)
class Rule:
    """A check on a built file: for a transfer of one of `kinds`, `xpath` (relative to its
    CdtTrfTxInf, prefix p:) gives exactly `expected`, or nothing when `expected` is None.
    `expected` may name the test data: {amount} {ocr} {message} {clearing} {agreement_id}
    {debtor_bic} {debtor_account} {debtor_bankgiro} {creditor_account} {creditor_bic}
    {creditor_town} {creditor_country}."""

    kinds: frozenset[str]
    xpath: str
    expected: str | None


@dataclass(frozen=True)
class BankProfile:
    key: str
    name: str
    country: str
    # InitgPty/Id/OrgId/Othr: the bank agreement's identification and its SchmeNm/Cd.
    agreement_scheme: str
    # False only for the generic profiles, which also serve paying accounts saved before the
    # bank was asked for: they keep the org.nr as before (the Bolag page asks for the rest).
    agreement_required: bool
    debtor_bic_required: bool
    # CdtrAcct/Id/Othr/SchmeNm of a plusgiro payee: ("Cd", "BBAN") or ("Prtry", "PGNR").
    plusgiro_scheme: tuple[str, str]
    plusgiro_clearing: str
    # Bankgiro payees debited from the company's bankgiro (DbtrAcct Othr BGNR).
    bankgiro_debtor_for_bankgiro: bool
    # Account types whose SCOR reference also carries RfrdDocAmt/RmtdAmt ("*": every one).
    remitted_amount_for: frozenset[str]
    # Payment types whose creditor must have a town in its postal address.
    creditor_town_for: frozenset[str]
    domestic_charges: str
    cross_border_charges: str
    characters: frozenset[str]
    # Ustrd length per domestic account type; anything else carries SCHEMA_MESSAGE_LENGTH.
    message_lengths: dict
    rules: tuple[Rule, ...]


def _rule(kinds, xpath: str, expected: str | None) -> Rule:
    return Rule(frozenset(kinds), xpath, expected)


PMTINF = "ancestor::p:PmtInf/"
BG = (BANKGIRO_OCR, BANKGIRO_MESSAGE)
WITH_REFERENCE = (BANKGIRO_OCR, NO_ACCOUNT_KID)

COMMON_RULES = (
    _rule(EVERY_KIND, PMTINF + "p:DbtrAgt/p:FinInstnId/p:BIC", "{debtor_bic}"),
    _rule(
        EVERY_KIND,
        "/p:Document/p:CstmrCdtTrfInitn/p:GrpHdr/p:InitgPty//p:Othr/p:Id",
        "{agreement_id}",
    ),
    _rule(EVERY_KIND, PMTINF + "p:PmtTpInf/p:CtgyPurp/p:Cd", "SUPP"),
    # [EPC] SEPA: service level SEPA, charges shared by the scheme's rules.
    _rule({EUR_SEPA}, PMTINF + "p:PmtTpInf/p:SvcLvl/p:Cd", "SEPA"),
    _rule({EUR_SEPA}, PMTINF + "p:ChrgBr", "SLEV"),
    _rule({EUR_SEPA}, "p:CdtrAcct/p:Id/p:IBAN", "{creditor_account}"),
    # [SCI] giro and domestic credit transfers are NURG.
    _rule(
        {*BG, PLUSGIRO, SE_ACCOUNT, NO_ACCOUNT_KID, NO_ACCOUNT_MESSAGE},
        PMTINF + "p:PmtTpInf/p:SvcLvl/p:Cd",
        "NURG",
    ),
    # Cross-border outside SEPA: the creditor's bank by BIC, charges shared, and the structured
    # address the banks require from November 2026 (see [VALIDEX]; Swedish banks' notices).
    _rule({FOREIGN}, PMTINF + "p:ChrgBr", "SHAR"),
    _rule({FOREIGN}, "p:CdtrAgt/p:FinInstnId/p:BIC", "{creditor_bic}"),
    _rule({FOREIGN}, "p:Cdtr/p:PstlAdr/p:TwnNm", "{creditor_town}"),
    _rule({FOREIGN}, "p:Cdtr/p:PstlAdr/p:Ctry", "{creditor_country}"),
    _rule(WITH_REFERENCE, "p:RmtInf/p:Strd/p:CdtrRefInf/p:Tp/p:CdOrPrtry/p:Cd", "SCOR"),
    _rule(WITH_REFERENCE, "p:RmtInf/p:Strd/p:CdtrRefInf/p:Ref", "{ocr}"),
    _rule(WITH_REFERENCE, "p:RmtInf/p:Ustrd", None),
    _rule({BANKGIRO_MESSAGE, NO_ACCOUNT_MESSAGE}, "p:RmtInf/p:Ustrd", "{message}"),
)
SWEDISH_RULES = COMMON_RULES + (
    # [SCI], [ODOO-SE]: bankgiro payees through Bankgirot's clearing number.
    _rule(BG, "p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Prtry", "BGNR"),
    _rule(BG, "p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:ClrSysId/p:Cd", "SESBA"),
    _rule(BG, "p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId", "9900"),
    _rule({PLUSGIRO}, "p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId", "9960"),
    _rule({SE_ACCOUNT}, "p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Cd", "BBAN"),
    _rule({SE_ACCOUNT}, "p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId", "{clearing}"),
    # [ODOO-SE]: a SCOR to a bankgiro payee gives the remitted amount.
    _rule({BANKGIRO_OCR}, "p:RmtInf/p:Strd/p:RfrdDocAmt/p:RmtdAmt", "{amount}"),
)
PLUSGIRO_AS_BBAN = (_rule({PLUSGIRO}, "p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Cd", "BBAN"),)
PLUSGIRO_AS_PGNR = (_rule({PLUSGIRO}, "p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Prtry", "PGNR"),)
DEBITED_FROM_BANK_ACCOUNT = (
    # [ODOO-SE] (Nordea: IBAN or BBAN only); the issue: the company's own bank account.
    _rule(EVERY_KIND, PMTINF + "p:DbtrAcct/p:Id/p:IBAN", "{debtor_account}"),
)
NORWEGIAN_RULES = (
    COMMON_RULES
    + DEBITED_FROM_BANK_ACCOUNT
    + (
        _rule(
            {NO_ACCOUNT_KID, NO_ACCOUNT_MESSAGE}, "p:CdtrAcct/p:Id/p:Othr/p:SchmeNm/p:Cd", "BBAN"
        ),
    )
)

GENERIC_SE = BankProfile(
    key="generic_se",
    name="Övrig svensk bank (Länsförsäkringar, ICA Banken m.fl.)",
    country="SE",
    # [ISO-CODES]: an agreement id is assigned by the bank → BANK. Our conservative default.
    agreement_scheme="BANK",
    agreement_required=False,
    debtor_bic_required=False,
    # [ODOO-SE], [VALIDEX], IFS community ("Plus Giro creditor account should be populated with
    # Scheme Name/Code = BBAN"): the form most Swedish banks document.
    plusgiro_scheme=("Cd", "BBAN"),
    # [VALIDEX], [IMPLEFY], [ODOO-SE] (996x): Plusgirot's clearing number.
    plusgiro_clearing="9960",
    # The issue: the debtor account is the company's bank account; our conservative default.
    bankgiro_debtor_for_bankgiro=False,
    # [ODOO-SE]: bankgiro payees with a SCOR get RfrdDocAmt/RmtdAmt.
    remitted_amount_for=frozenset({"BGNR"}),
    # Cross-border payments need town and country (the issue; [VALIDEX] PFH_222).
    creditor_town_for=frozenset({CROSS_BORDER}),
    # ChrgBr is optional in the schema; SLEV is what our files carried so far and what a
    # domestic scheme means. Our conservative default.
    domestic_charges="SLEV",
    # [IMPLEFY]: SHAR outside SEPA.
    cross_border_charges="SHAR",
    characters=SWEDISH_SET,
    # [LB] and [VALIDEX]: a bankgiro or plusgiro payee sees 25 characters, an account payee 12.
    message_lengths={"BGNR": 25, "PGNR": 25, "BBAN": 12},
    rules=SWEDISH_RULES + DEBITED_FROM_BANK_ACCOUNT + PLUSGIRO_AS_BBAN,
)

# The named Swedish banks: their agreement id and BIC are required; the rest as GENERIC_SE
# unless a source says otherwise for that bank.
_NAMED_SE = dict(agreement_required=True, debtor_bic_required=True)
_NAMED_SE_RULES = SWEDISH_RULES + DEBITED_FROM_BANK_ACCOUNT

HANDELSBANKEN = dataclasses.replace(
    GENERIC_SE,
    key="handelsbanken",
    name="Handelsbanken",
    **_NAMED_SE,
    rules=_NAMED_SE_RULES + PLUSGIRO_AS_BBAN,
)
SEB = dataclasses.replace(
    GENERIC_SE, key="seb", name="SEB", **_NAMED_SE, rules=_NAMED_SE_RULES + PLUSGIRO_AS_BBAN
)
DANSKE_SE = dataclasses.replace(
    GENERIC_SE,
    key="danske_se",
    name="Danske Bank (Sverige)",
    **_NAMED_SE,
    rules=_NAMED_SE_RULES + PLUSGIRO_AS_BBAN,
)
NORDEA_SE = dataclasses.replace(
    GENERIC_SE,
    key="nordea_se",
    name="Nordea (Sverige)",
    **_NAMED_SE,
    # [PAIN001-CORPUS]: Nordea, which owns Plusgirot, names plusgiro payees PGNR.
    plusgiro_scheme=("Prtry", "PGNR"),
    # [NORDEA-MIG]: ISO-8859-1.
    characters=LATIN_1,
    rules=_NAMED_SE_RULES + PLUSGIRO_AS_PGNR,
)
SWEDBANK = dataclasses.replace(
    GENERIC_SE,
    key="swedbank",
    name="Swedbank",
    **_NAMED_SE,
    # [VALIDEX] PFH_219: a bankgiro payee is debited from the company's bankgiro.
    bankgiro_debtor_for_bankgiro=True,
    # [VALIDEX] PFH_217: every Strd carries RfrdDocAmt.
    remitted_amount_for=frozenset({"*"}),
    # [VALIDEX] PFH_237/222: every creditor address carries a town.
    creditor_town_for=ALL_PAYMENT_TYPES,
    rules=SWEDISH_RULES
    + PLUSGIRO_AS_BBAN
    + (
        _rule(BG, PMTINF + "p:DbtrAcct/p:Id/p:Othr/p:Id", "{debtor_bankgiro}"),
        _rule(BG, PMTINF + "p:DbtrAcct/p:Id/p:Othr/p:SchmeNm/p:Prtry", "BGNR"),
        _rule(
            {PLUSGIRO, SE_ACCOUNT, EUR_SEPA, FOREIGN},
            PMTINF + "p:DbtrAcct/p:Id/p:IBAN",
            "{debtor_account}",
        ),
        _rule(EVERY_KIND - {BANKGIRO_OCR}, "p:RmtInf/p:Strd/p:RfrdDocAmt", None),
        _rule(EVERY_KIND, "p:Cdtr/p:PstlAdr/p:TwnNm", "{creditor_town}"),
        # [IMPLEFY]: the agreement id's scheme is BANK.
        _rule(
            EVERY_KIND,
            "/p:Document/p:CstmrCdtTrfInitn/p:GrpHdr/p:InitgPty//p:Othr/p:SchmeNm/p:Cd",
            "BANK",
        ),
    ),
)

GENERIC_NO = dataclasses.replace(
    GENERIC_SE,
    key="generic_no",
    name="Övrig norsk bank",
    country="NO",
    # Plusgiro and bankgiro are Swedish; a Norwegian company's file never has them.
    remitted_amount_for=frozenset(),
    # [EPC] basic Latin: no public Norwegian source on the set; our conservative default.
    characters=BASIC_LATIN,
    # No source found on how much of a Norwegian account transfer's message reaches the
    # payee; the schema's 140. Our conservative default.
    message_lengths={},
    rules=NORWEGIAN_RULES,
)
_NAMED_NO = dict(agreement_required=True, debtor_bic_required=True)
DNB = dataclasses.replace(GENERIC_NO, key="dnb", name="DNB", **_NAMED_NO)
SPAREBANK1 = dataclasses.replace(GENERIC_NO, key="sparebank1", name="SpareBank 1", **_NAMED_NO)
NORDEA_NO = dataclasses.replace(
    GENERIC_NO,
    key="nordea_no",
    name="Nordea (Norge)",
    **_NAMED_NO,
    # [NORDEA-MIG]: ISO-8859-1, group-wide.
    characters=LATIN_1,
)

PROFILES = {
    profile.key: profile
    for profile in (
        HANDELSBANKEN,
        SEB,
        SWEDBANK,
        NORDEA_SE,
        DANSKE_SE,
        GENERIC_SE,
        DNB,
        NORDEA_NO,
        SPAREBANK1,
        GENERIC_NO,
    )
}
GENERIC_BY_COUNTRY = {"SE": GENERIC_SE, "NO": GENERIC_NO}


def profile_for(bank: str | None, country: str) -> BankProfile:
    """The profile of `bank`, or the generic one of the company's country when no bank is
    known yet (paying accounts saved before the bank was asked for)."""
    if bank is None:
        return GENERIC_BY_COUNTRY[country]
    return PROFILES[bank]


def max_message_length(profile: BankProfile, account_type: str, country: str) -> int:
    """The longest message (Ustrd) a payee of `account_type` in `country` receives through
    `profile`'s bank; forms refuse longer ones at entry rather than have them cut."""
    if country != profile.country:
        return SCHEMA_MESSAGE_LENGTH
    return profile.message_lengths.get(account_type, SCHEMA_MESSAGE_LENGTH)


def strictest_message_length(payer_country: str, account_type: str, payee_country: str) -> int:
    """The longest message every bank of `payer_country` carries to the payee: an invoice is
    entered before anyone knows which account, hence which bank, pays it."""
    return min(
        max_message_length(profile, account_type, payee_country)
        for profile in PROFILES.values()
        if profile.country == payer_country
    )
