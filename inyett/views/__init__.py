"""Blueprints. Views stay thin: parse the request, call a service, render or redirect."""

from flask import abort
from flask import make_response
from flask import render_template
from flask import request


def abort_without_companies(companies: list, title: str) -> None:
    """A new installation has no company yet: the page says who adds the first one, and a form
    sent anyway stores nothing (409)."""
    if not companies:
        page = render_template("payments/no-companies.html", title=title)
        abort(make_response(page, 200 if request.method == "GET" else 409))
