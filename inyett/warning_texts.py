"""Inyett's warning codes in Swedish. Unknown codes are shown with Inyett's own words."""

from dataclasses import dataclass


@dataclass(frozen=True)
class WarningText:
    name: str
    explanation: str


CATALOGUE = {
    "DeviatingAccountPattern": WarningText(
        "Avvikande konto",
        "Kontot skiljer sig från det som brukar användas för den här mottagaren. "
        "Kontrollera att kontot verkligen tillhör leverantören.",
    ),
    "DeviatingAmountPattern": WarningText(
        "Avvikande belopp", "Beloppet avviker från det vanliga mönstret för mottagaren."
    ),
    "DeviatingCurrencyPattern": WarningText(
        "Avvikande valuta", "Valutan skiljer sig från den som brukar användas för mottagaren."
    ),
    "DuplicatePaymentSameDay": WarningText(
        "Dubbelbetalning samma dag",
        "En likadan betalning (samma mottagare, referens och belopp) finns samma dag.",
    ),
    "DuplicatePaymentDifferentDays": WarningText(
        "Dubbelbetalning, annan dag",
        "En likadan betalning har gjorts tidigare, en annan dag.",
    ),
    "DuplicatePaymentReminder": WarningText(
        "Betald påminnelse",
        "Samma referens med ett något högre belopp: kanske en påminnelse på en faktura som "
        "redan är betald.",
    ),
    "InvalidPaymentNumber": WarningText(
        "Ogiltigt OCR-nummer", "OCR-numret har fel kontrollsiffra eller längd."
    ),
    "LimitAmount": WarningText("Beloppsgräns", "Beloppet ligger utanför den satta gränsen."),
    "LimitCurrency": WarningText("Valutagräns", "Betalningar i den här valutan är inte tillåtna."),
    "LimitCash": WarningText(
        "Kontant utbetalning", "Mottagaren saknar konto; betalningen går som utbetalningsavi."
    ),
    "LimitPrivateBankAccount": WarningText(
        "Privat bankkonto",
        "Betalningen går till ett vanligt bankkonto, som kan vara en privatpersons.",
    ),
    "GiroInactive": WarningText(
        "Avregistrerat giro", "Bankgiro- eller plusgironumret är avregistrerat."
    ),
    "SwedishCompanyWarningList": WarningText(
        "Varningslista (Sverige)", "Mottagaren finns på en offentlig svensk varningslista."
    ),
    "NorwegianCompanyWarningList": WarningText(
        "Varningslista (Norge)", "Mottagaren finns på en offentlig norsk varningslista."
    ),
}


def describe(code: str, inyett_name: str, inyett_description: str) -> WarningText:
    """The Swedish name and explanation of a warning, or Inyett's own text for unknown codes."""
    return CATALOGUE.get(code) or WarningText(inyett_name or code, inyett_description)
