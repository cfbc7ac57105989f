"""Small helpers for answering htmx requests."""

from flask import request


def is_htmx_request() -> bool:
    """True for an htmx request that wants a fragment. Boosted navigations want whole pages,
    and so does Back to a page htmx no longer holds in its history: it asks for the address
    again and puts the answer in place of the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and not request.headers.get("HX-Boosted")
        and not request.headers.get("HX-History-Restore-Request")
    )
