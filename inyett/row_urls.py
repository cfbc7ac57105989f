"""The addresses of a payment row's actions, as the payment lists build them for every row."""

from flask import g
from flask import url_for

from inyett.models import MAX_DATABASE_ID


def payment_url(endpoint: str, payment_id: int) -> str:
    """`url_for(endpoint, payment_id=payment_id)` for a row action's endpoint (the payment id a
    segment of its path), from one url_for per endpoint and request: a page of the attest list
    builds two or three addresses in each of its 50 rows, and url_for (routing map, URL
    defaults, quoting) cost more than all of a row's other attributes."""
    patterns = g.setdefault("payment_url_patterns", {})
    if endpoint not in patterns:
        # Any id gives the same address around it; the largest cannot be mistaken for a part
        # of the path that happens to hold the same digits.
        address = url_for(endpoint, payment_id=MAX_DATABASE_ID)
        before, marker, after = address.rpartition(f"/{MAX_DATABASE_ID}")
        if not marker:
            raise ValueError(f"{endpoint} has no payment id in its path: {address}")
        patterns[endpoint] = (f"{before}/", after)
    before, after = patterns[endpoint]
    return f"{before}{payment_id}{after}"
