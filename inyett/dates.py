"""Dates as people type them here: ÅÅÅÅ-MM-DD, with a message that tells a wrong shape from a
date that does not exist (2026-02-30)."""

import re
from datetime import date
from datetime import datetime

from inyett.formatting import STOCKHOLM

ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class InvalidDate(ValueError):
    """The text is not a date; str() is a Swedish message."""


def parse_date(text: str, what: str = "Datumet") -> date:
    """The date written as ÅÅÅÅ-MM-DD in `text`; `what` names it in the message otherwise."""
    text = text.strip()
    # Stricter than date.fromisoformat, which also takes 20261201 and 2026-W49-1.
    match = ISO_DATE.fullmatch(text)
    if not match:
        raise InvalidDate(f"{what} ska skrivas ÅÅÅÅ-MM-DD, t.ex. 2026-03-05.")
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise InvalidDate(f"{what} {text} finns inte i kalendern.") from None


def today_in_sweden() -> date:
    """The date it is now in Sweden: a payment "today" is the bank's today, not the server's
    (a server on UTC is still on yesterday for the first hour or two after midnight)."""
    return datetime.now(STOCKHOLM).date()
