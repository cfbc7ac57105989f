"""Response headers that keep the pages from being framed, sniffed or injected into, and the
check that keeps our redirects on this site."""

from urllib.parse import urlsplit

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
