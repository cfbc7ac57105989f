"""Deploy-time configuration: defaults, then `instance/config.py` (or a test config), then
`INYETT_*` environment variables. Admin-editable settings live in the database instead."""

import os
import secrets
from pathlib import Path

import click
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.exc import NoSuchModuleError

from inyett.key_files import read_or_create

DEFAULTS = {
    # "production" or "test": a test installation shows the Testmiljö badge and may use
    # Inyett's test environment. Set at deploy time, never in the UI.
    "INSTALLATION": "production",
    # Both point at the built-in simulator so that nothing leaves the machine until an
    # admin configures Inyett's real addresses.
    "API_URL": "http://127.0.0.1:5001",
    "TEST_API_URL": "http://127.0.0.1:5001/test",
    "API_VERSION": "3",
    "AUTH_HEADER": "Authorization",
    "AUTH_SCHEME": "Bearer",
    "HTTP_TIMEOUT_SECONDS": 10.0,
    # Inyett does not publish how it answers a batch id it already has; we take this status as
    # "already delivered", so a re-send after a timeout is safe (shared/spec/inyett-api.md,
    # "Not public").
    "BATCH_EXISTS_STATUS": 409,
    # The connection test needs a country in the URL; any profile country will do.
    "CONNECTION_TEST_COUNTRY": "SE",
    # Send to Inyett from a thread in the app process; tests drive the outbox themselves.
    "OUTBOX_WORKER": True,
    # Parallel requests to Inyett per sender (see bench/README.md for the measurement).
    "SEND_CONCURRENCY": 8,
    # A send that fails for a passing reason (timeout, 5xx, 429, no answer) is retried with
    # back-off doubling from SEND_FIRST_RETRY_SECONDS up to 5 minutes; 20 attempts ride out
    # about an hour of Inyett being away before the payments show Fel.
    "SEND_MAX_ATTEMPTS": 20,
    "SEND_FIRST_RETRY_SECONDS": 2.0,
    # How long a sender holds a batch; one that dies mid-send delays the batch this long.
    "SEND_CLAIM_SECONDS": 120.0,
    # GET /halsa answers 503 (something needs a person) when a batch has waited unsent longer
    # than this, when more batches than this have Fel, or when the in-process sender has not
    # run for this long (it runs every second or so).
    "HEALTH_MAX_QUEUE_AGE_SECONDS": 15 * 60,
    "HEALTH_MAX_FAILED_BATCHES": 0,
    "HEALTH_MAX_HEARTBEAT_AGE_SECONDS": 2 * 60,
    # E-mail notices (services.notices) are off until SMTP_HOST is set. SMTP_TLS is none,
    # starttls or ssl; BASE_URL is the app's address as users open it, for the links in mails.
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_TLS": "starttls",
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_SENDER": None,
    "SMTP_TIMEOUT_SECONDS": 10.0,
    "BASE_URL": None,
    # Log lines at this level and above go to stderr (DEBUG, INFO, WARNING, ERROR).
    "LOG_LEVEL": "INFO",
    "DATABASE_URL": None,
    "SECRET_KEY": None,
    "ENCRYPTION_KEY": None,
    # werkzeug's default; the test suite sets a cheap method to stay fast.
    "PASSWORD_HASH_METHOD": "scrypt",
    "SESSION_COOKIE_HTTPONLY": True,
    # Set INYETT_SESSION_COOKIE_SECURE=true when the app is served over HTTPS.
    "SESSION_COOKIE_SECURE": False,
    # Logged out after this much inactivity; a page's automatic polls are not activity.
    "PERMANENT_SESSION_LIFETIME": 30 * 60,
    "LOGIN_LOCKOUT_SECONDS": 15 * 60,
    "LOGIN_MAX_FAILURES_PER_USER": 5,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Reverse proxies in front of the app whose X-Forwarded-For and X-Forwarded-Proto are
    # trusted; 0 reads neither. Behind one proxy every browser would otherwise share its
    # address, so one user's failed logins would lock out everyone.
    "TRUSTED_PROXIES": 0,
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    # Flask-WTF would look for Flask-Babel; the forms name their locale themselves.
    "WTF_I18N_ENABLED": False,
}

INSTALLATIONS = ("production", "test")
# Settings that are numbers, with the values that work (least, most): a value from the
# environment arrives as JSON, and one from instance/config.py may be a string.
NUMBERS = {
    "HTTP_TIMEOUT_SECONDS": (float, 0.1, None),
    "SEND_FIRST_RETRY_SECONDS": (float, 0.0, None),
    "SEND_CLAIM_SECONDS": (float, 0.1, None),
    "SEND_CONCURRENCY": (int, 1, None),
    "SEND_MAX_ATTEMPTS": (int, 1, None),
    "TRUSTED_PROXIES": (int, 0, None),
    "BATCH_EXISTS_STATUS": (int, 100, 599),  # an HTTP status
    "HEALTH_MAX_QUEUE_AGE_SECONDS": (float, 1.0, None),
    "HEALTH_MAX_FAILED_BATCHES": (int, 0, None),
    "HEALTH_MAX_HEARTBEAT_AGE_SECONDS": (float, 1.0, None),
    "SMTP_PORT": (int, 1, 65535),
    "SMTP_TIMEOUT_SECONDS": (float, 0.1, None),
}
DATABASE_BACKENDS = ("sqlite", "postgresql")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
SMTP_TLS_MODES = ("none", "starttls", "ssl")


class BrokenConfiguration(SystemExit):
    """The configuration has problems a server must not start with. A SystemExit, so that
    waitress-serve and `flask run` stop with the Swedish message and exit code 1, not a
    traceback."""

    def __init__(self, problems: list[str]):
        super().__init__(
            "Inyettkopplingen startar inte: konfigurationen har fel.\n"
            + describe_problems(problems)
            + "\nRätta felen och starta igen; `flask --app app inyett check` visar dem."
        )
        self.problems = problems


def describe_problems(problems: list[str]) -> str:
    return "\n".join(f"- {problem}" for problem in problems)


def refuse_to_serve_if_broken(app: Flask) -> None:
    """Stop a server from starting on a broken configuration (create_app calls this).

    A server would start and then fail at every turn: batches turning Fel "ValueError", a 500
    on Testa uppkoppling. The command line gets its app all the same, for `inyett check` and
    for the commands that repair things (rotate-encryption-key, db upgrade); the commands that
    send or serve refuse for themselves (cli.py). Without a usable database address not even
    they can run."""
    problems = app.config["CONFIG_PROBLEMS"]
    if problems and (_serving() or not database_url_is_usable(app.config)):
        raise BrokenConfiguration(problems)


def _serving() -> bool:
    # waitress-serve and other WSGI servers call create_app outside any command; `flask run`
    # loads the app inside its own command.
    command = click.get_current_context(silent=True)
    return command is None or command.info_name == "run"


def load_config(app: Flask, test_config: dict | None) -> None:
    """Fill `app.config` in the documented order and derive what the extensions need. What
    is wrong is listed in CONFIG_PROBLEMS (in Swedish) instead of stopping here, so that the
    commands that show and repair it still run."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    app.config.from_prefixed_env("INYETT")
    _normalise(app)
    app.config["CONFIG_PROBLEMS"] = configuration_problems(app.config)


def _normalise(app: Flask) -> None:
    config = app.config
    # from_prefixed_env parses values as JSON, so "3" arrives as an int.
    config["API_VERSION"] = str(config["API_VERSION"])
    config["INSTALLATION"] = str(config["INSTALLATION"]).strip().lower()
    for name, (kind, _least, _most) in NUMBERS.items():
        number = _number(config[name], kind)
        if number is not None:
            config[name] = number
    instance = Path(app.instance_path)
    config["SQLALCHEMY_DATABASE_URI"] = str(
        config["DATABASE_URL"] or f"sqlite:///{instance / 'inyettkopplingen.sqlite3'}"
    )
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Wait for a busy database instead of failing at once; the sender and requests write.
        config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = read_or_create(instance / "secret_key", secrets.token_hex(32))
    # Where the key came from is derived, not a setting: rotate-encryption-key may only rewrite
    # the key file when the app reads its key from there, and a problem names the place.
    config["ENCRYPTION_KEY_FROM_FILE"] = not config["ENCRYPTION_KEY"]
    if os.environ.get("INYETT_ENCRYPTION_KEY"):
        config["ENCRYPTION_KEY_SOURCE"] = "INYETT_ENCRYPTION_KEY"
    elif config["ENCRYPTION_KEY_FROM_FILE"]:
        config["ENCRYPTION_KEY_SOURCE"] = "instance/encryption.key"
        config["ENCRYPTION_KEY"] = read_or_create(
            instance / "encryption.key", Fernet.generate_key().decode()
        )
    else:
        config["ENCRYPTION_KEY_SOURCE"] = "ENCRYPTION_KEY i instance/config.py"


def _number(value, kind: type) -> int | float | None:
    """`value` as a number of `kind`, or None when it is not one (True is not a number)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    if kind is int and isinstance(value, float) and not value.is_integer():
        return None
    try:
        return kind(value)
    except ValueError:
        return None


def configuration_problems(config) -> list[str]:
    """Every problem in the deploy-time configuration, each in Swedish with what to fix."""
    problems = []
    if config["INSTALLATION"] not in INSTALLATIONS:
        problems.append(
            f"INSTALLATION är {config['INSTALLATION']!r}: ska vara production eller test "
            "(INYETT_INSTALLATION eller instance/config.py)."
        )
    for name, (kind, least, most) in NUMBERS.items():
        value = config[name]
        number = _number(value, kind)
        if number is None or number < least or (most is not None and number > most):
            what = "ett heltal" if kind is int else "ett tal"
            span = f"{_swedish(least)}–{most}" if most is not None else f"minst {_swedish(least)}"
            problems.append(
                f"{name} är {value!r}: ska vara {what}, {span} (INYETT_{name} eller "
                f"instance/config.py; standard {_swedish(DEFAULTS[name])})."
            )
    if str(config["LOG_LEVEL"]).upper() not in LOG_LEVELS:
        problems.append(
            f"LOG_LEVEL är {config['LOG_LEVEL']!r}: ska vara en av {', '.join(LOG_LEVELS)} "
            "(INYETT_LOG_LEVEL eller instance/config.py; standard INFO)."
        )
    problems.extend(_url_problems(config))
    problems.extend(smtp_problems(config))
    problems.extend(encryption_key_problems(config))
    return problems


def _swedish(number: float) -> str:
    return f"{number:g}".replace(".", ",")


def _url_problems(config) -> list[str]:
    problems = []
    for name in ("API_URL", "TEST_API_URL"):
        if not str(config[name]).startswith(("https://", "http://")):
            problems.append(
                f"{name} ska börja med https:// (eller http:// för simulatorn) "
                f"(INYETT_{name} eller instance/config.py)."
            )
    database_problem = _database_url_problem(config["SQLALCHEMY_DATABASE_URI"])
    if database_problem:
        problems.append(database_problem)
    return problems


def smtp_problems(config) -> list[str]:
    """What stops notices from being sent with the SMTP settings; nothing while SMTP_HOST is
    unset (notices off). The password is never repeated."""
    if not config["SMTP_HOST"]:
        return []
    where = "(INYETT_{name} eller instance/config.py)"
    problems = []
    if str(config["SMTP_TLS"]).lower() not in SMTP_TLS_MODES:
        problems.append(
            f"SMTP_TLS är {config['SMTP_TLS']!r}: ska vara none, starttls eller ssl "
            + where.format(name="SMTP_TLS")
            + "."
        )
    if "@" not in str(config["SMTP_SENDER"] or ""):
        problems.append(
            "SMTP_SENDER ska vara avsändaradressen för aviseringarna, till exempel "
            "inyett@bolaget.se " + where.format(name="SMTP_SENDER") + "."
        )
    if bool(config["SMTP_USER"]) != bool(config["SMTP_PASSWORD"]):
        problems.append(
            "SMTP_USER och SMTP_PASSWORD ska anges båda eller ingen av dem "
            + where.format(name="SMTP_USER, INYETT_SMTP_PASSWORD")
            + "."
        )
    if not str(config["BASE_URL"] or "").startswith(("https://", "http://")):
        problems.append(
            "BASE_URL ska vara appens adress som användarna öppnar den, till exempel "
            "https://inyett.bolaget.se, för länkarna i aviseringarna "
            + where.format(name="BASE_URL")
            + "."
        )
    return problems


def database_url_is_usable(config) -> bool:
    return _database_url_problem(config["SQLALCHEMY_DATABASE_URI"]) is None


def _database_url_problem(url: str) -> str | None:
    # The address itself is never repeated: it may hold the database password.
    fix = (
        "Skriv den som postgresql+psycopg://användare:lösenord@värd/databas, eller utelämna "
        "den för SQLite-filen i instance/ (INYETT_DATABASE_URL eller instance/config.py)."
    )
    try:
        parsed = make_url(url)
        parsed.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError):
        return f"DATABASE_URL går inte att tolka som en databasadress. {fix}"
    if parsed.get_backend_name() not in DATABASE_BACKENDS:
        return f"DATABASE_URL ska vara en PostgreSQL- eller SQLite-databas. {fix}"
    return None


def encryption_key_problems(config) -> list[str]:
    source = config["ENCRYPTION_KEY_SOURCE"]
    keys = [key.strip() for key in str(config["ENCRYPTION_KEY"] or "").split(",") if key.strip()]
    fix = (
        "En nyckel är 44 tecken base64 (som Fernet.generate_key() ger), flera åtskilda med "
        "komma och den nyaste först. Återställ den rätta nyckeln från säkerhetskopian; utan den "
        "går den sparade API-nyckeln inte att läsa och måste sparas på nytt under "
        "Systeminställningar › Tjänster och API:er › Inyett API."
    )
    if not keys:
        return [f"{source} innehåller ingen krypteringsnyckel. {fix}"]
    bad = [str(number) for number, key in enumerate(keys, start=1) if not _is_fernet_key(key)]
    if not bad:
        return []
    which = "" if len(keys) == 1 else f" (nyckel {', '.join(bad)} av {len(keys)})"
    return [f"{source} är ingen giltig krypteringsnyckel{which}. {fix}"]


def _is_fernet_key(key: str) -> bool:
    try:
        Fernet(key)
    except (ValueError, TypeError):
        return False
    return True
