"""Deploy-time configuration: defaults, then `instance/config.py` (or a test config), then
`INYETT_*` environment variables. Admin-editable settings live in the database instead."""

import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from flask import Flask

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


def load_config(app: Flask, test_config: dict | None) -> None:
    """Fill `app.config` in the documented order and derive what the extensions need."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    app.config.from_prefixed_env("INYETT")
    _normalise(app)


def _normalise(app: Flask) -> None:
    config = app.config
    # from_prefixed_env parses values as JSON, so "3" arrives as an int.
    config["API_VERSION"] = str(config["API_VERSION"])
    config["BATCH_EXISTS_STATUS"] = int(config["BATCH_EXISTS_STATUS"])
    config["INSTALLATION"] = str(config["INSTALLATION"]).strip().lower()
    if config["INSTALLATION"] not in INSTALLATIONS:
        raise RuntimeError(
            f"INSTALLATION must be one of {', '.join(INSTALLATIONS)}, "
            f"not {config['INSTALLATION']!r}"
        )
    proxies = config["TRUSTED_PROXIES"]
    if isinstance(proxies, bool) or not isinstance(proxies, int) or proxies < 0:
        raise RuntimeError(f"TRUSTED_PROXIES must be a whole number, 0 or more, not {proxies!r}")
    instance = Path(app.instance_path)
    config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"] or (
        f"sqlite:///{instance / 'inyettkopplingen.sqlite3'}"
    )
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Wait for a busy database instead of failing at once; the sender and requests write.
        config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = read_or_create(instance / "secret_key", secrets.token_hex(32))
    # Where the key came from is derived, not a setting: rotate-encryption-key may only rewrite
    # the key file when the app reads its key from there.
    config["ENCRYPTION_KEY_FROM_FILE"] = not config["ENCRYPTION_KEY"]
    if not config["ENCRYPTION_KEY"]:
        config["ENCRYPTION_KEY"] = read_or_create(
            instance / "encryption.key", Fernet.generate_key().decode()
        )
