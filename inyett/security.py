"""Response headers that keep the pages from being framed, sniffed or injected into, the
refusal of input no field can take, and the check that keeps our redirects on this site."""

from urllib.parse import urlsplit

from flask import request

from inyett.errors import render_error

NUL_REFUSED = "Uppgifterna innehåller ett otillåtet tecken (NUL). Skriv in dem igen."

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)


def register(app) -> None:
    @app.before_request
    def refuse_nul_characters():
        # No field takes a NUL character and PostgreSQL cannot store one: refuse it here, for
        # every form and query at once, before it reaches a query.
        for values in (request.args, request.form):
            for key, texts in values.lists():
                if "\x00" in key or any("\x00" in text for text in texts):
                    return render_error(400, NUL_REFUSED)
        return None

    @app.after_request
    def set_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None. An open redirect would let a phishing
    link borrow our pages; browsers drop tabs and newlines and read a backslash as a slash."""
    if not target or "\\" in target or not target.isprintable():
        return None
    if target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return None
