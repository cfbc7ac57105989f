"""Small helpers for answering htmx requests."""

from flask import request


def is_htmx_request() -> bool:
    """True for an htmx request that wants a fragment (boosted navigations want whole pages)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")
