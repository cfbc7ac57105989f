"""Ledger data in bulk, for the tests and the benchmarks alike."""

from stdnum import luhn

from inyett.services import ledger


def _with_check_digit(body: str) -> str:
    return body + luhn.calc_check_digit(body)


def many_suppliers_csv(count: int, series: str) -> bytes:
    """An import file of `count` rows, each from its own supplier (a bankgiro and, on every
    other row, an org.nr), with invoice numbers of `series`: the same suppliers for any series."""
    lines = [";".join(ledger.CSV_COLUMNS)]
    for n in range(count):
        bankgiro = _with_check_digit(f"{1000000 + n:07d}")
        orgnr = _with_check_digit(f"556{n:06d}") if n % 2 else ""
        lines.append(
            f"Leverantör {n} AB;{orgnr};SE;BGNR;{bankgiro};{series}-{n};;Faktura {n};"
            f"{n % 9000 + 1},50;SEK;2026-12-01"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")
