"""How numbers and times are shown to Swedish users."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local_datetime(value: datetime | None) -> str:
    """`2026-03-05 14:03` in Swedish time."""
    if value is None:
        return ""
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def amount(value: Decimal | None) -> str:
    """`1 234,50` with a non-breaking space, always two decimals."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.00", locale="sv_SE")


def register(app) -> None:
    app.add_template_filter(local_datetime)
    app.add_template_filter(amount)
