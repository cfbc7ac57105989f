"""The log a person reads: one line per event on stderr, with the time, the level, the request's
id and the user, and never a key, a password or what a failed query held."""

import logging
import re
import secrets
import sys

from flask import Flask
from flask import g
from flask import has_request_context
from flask import request
from flask.logging import default_handler

from inyett.config import LOG_LEVELS

REQUEST_ID_HEADER = "X-Request-Id"
# A proxy's id is taken only in this shape, so a header cannot break a log line in two.
PROXY_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
LINE_FORMAT = (
    "%(asctime)s %(levelname)s [%(request_id)s %(user)s %(request_line)s] %(name)s: %(message)s"
)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S%z"
HIDDEN = "[dolt]"

# A safety net behind "never log a secret": what follows an Authorization header, a bearer
# scheme, or a key or password named in the text.
SECRET_PATTERNS = (
    re.compile(r"(?i)(\bbearer\s+)[^\s'\",;]+"),
    re.compile(
        r"(?i)(\b(?:authorization|x-api-key|api[-_ ]?key|password|lösenord)['\"]?\s*[:=]\s*['\"]?)"
        r"(?!bearer\b)[^\s'\",;]+"
    ),
    # A failed query's values: account numbers, names and amounts of the row it wrote.
    re.compile(r"(\[parameters: )[^\n]*"),
)


def redact(text: str) -> str:
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(rf"\g<1>{HIDDEN}", text)
    return text


class RedactingFilter(logging.Filter):
    """Hides secrets in the message and the traceback before any formatter sees them."""

    def __init__(self, secrets_to_hide: tuple[str, ...] = ()):
        super().__init__()
        self.secrets_to_hide = tuple(secret for secret in secrets_to_hide if len(secret) >= 8)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._hide(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._hide(record.exc_text)
        return True

    def _hide(self, text: str) -> str:
        for secret in self.secrets_to_hide:
            text = text.replace(secret, HIDDEN)
        return redact(text)


class RequestContextFilter(logging.Filter):
    """Names the request and user a line belongs to ("-" outside a request: the sender)."""

    def filter(self, record: logging.LogRecord) -> bool:
        in_request = has_request_context()
        # The user as already loaded: loading them here would query the database from a log
        # line, perhaps the one saying the database is down.
        user = g.get("_login_user") if in_request else None
        record.request_id = g.get("request_id", "-") if in_request else "-"
        record.user = getattr(user, "username", None) or "-"
        # The path without its query, which may hold what someone searched for.
        record.request_line = f"{request.method} {request.path}" if in_request else "-"
        return True


class OneLineFormatter(logging.Formatter):
    def formatMessage(self, record: logging.LogRecord) -> str:
        # A newline in a message would look like a second event.
        record.message = record.message.replace("\r", "\\r").replace("\n", "\\n")
        return super().formatMessage(record)


class InyettLogHandler(logging.StreamHandler):
    """The app's one handler; its class tells it apart when the app is created again.

    It writes to sys.stderr as it is when a line is logged, as Python's last-resort handler
    does, so that whatever redirects stderr later (a test, a CLI runner) gets the lines too."""

    def __init__(self):
        super().__init__()
        self._stream = None

    @property
    def stream(self):
        return self._stream or sys.stderr

    @stream.setter
    def stream(self, stream) -> None:
        self._stream = stream


def configure(app: Flask) -> None:
    """Send every log line (the app's, the sender's, waitress's) through one handler on stderr,
    and give every request an id, sent back in the X-Request-Id header."""
    handler = InyettLogHandler()
    handler.setFormatter(OneLineFormatter(LINE_FORMAT, TIME_FORMAT))
    handler.addFilter(RequestContextFilter())
    handler.addFilter(RedactingFilter(_config_secrets(app)))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, InyettLogHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    # A level the configuration check refuses must not stop the commands that still run.
    level = str(app.config["LOG_LEVEL"]).upper()
    root.setLevel(level if level in LOG_LEVELS else "INFO")
    # Flask's own handler would print the app's lines a second time, without the context.
    app.logger.removeHandler(default_handler)
    # A failed query's text otherwise carries the values it wrote (accounts, names, amounts).
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        "hide_parameters": True,
    }

    @app.before_request
    def name_the_request():
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        # Only a trusted proxy's id is taken; anyone else could make their lines look like
        # another request's.
        trusted = app.config["TRUSTED_PROXIES"] and PROXY_REQUEST_ID.fullmatch(offered)
        g.request_id = offered if trusted else secrets.token_hex(8)

    @app.after_request
    def send_back_the_request_id(response):
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "-")
        return response


def _config_secrets(app: Flask) -> tuple[str, ...]:
    keys = str(app.config.get("ENCRYPTION_KEY") or "").split(",")
    return (str(app.config.get("SECRET_KEY") or ""), *(key.strip() for key in keys))


def handler() -> InyettLogHandler | None:
    """The handler `configure` installed (tests point its stream elsewhere)."""
    return next((h for h in logging.getLogger().handlers if isinstance(h, InyettLogHandler)), None)
