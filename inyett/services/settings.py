"""The Inyett settings: reading them, saving an admin's changes, and testing the connection."""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from inyett import ids
from inyett import secret_box
from inyett.api_client import InyettClient
from inyett.api_client import InyettError
from inyett.api_client import NotConfigured
from inyett.api_client import new_http_session
from inyett.extensions import db
from inyett.models import InyettSettings
from inyett.models import utcnow
from inyett.services import audit
from inyett.services import notices

BATCH_REFERENCE_MAX_LENGTH = ids.REFERENCE_MAX_LENGTH

FIELD_LABELS = {
    "api_key": "API-nyckel",
    "use_test_environment": "Test- och utvecklingsmiljö",
    "batch_reference": "Batchreferens",
    "one_payment_per_batch": "Skicka en betalning per batch",
    "active": "Aktiv",
}


class SettingsRejected(Exception):
    """The change breaks a rule; `errors` maps a field name to a Swedish message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class SettingsChange:
    """What the admin submitted. `api_key` None or empty keeps the stored key."""

    api_key: str | None
    batch_reference: str
    one_payment_per_batch: bool
    active: bool
    use_test_environment: bool


@dataclass(frozen=True)
class ConnectionTestResult:
    ok: bool
    message: str
    at: datetime


STORED_KEY_UNREADABLE = (  # noqa: S105 - a message, not a password
    "Den sparade API-nyckeln kan inte läsas med serverns krypteringsnyckel. "
    "Klistra in API-nyckeln igen och spara."
)
UNSAVED_CHANGES_MESSAGE = (
    "Det finns osparade ändringar. Spara först, så testas de inställningar som gäller."
)


def is_test_installation() -> bool:
    return current_app.config["INSTALLATION"] == "test"


def get_settings() -> InyettSettings:
    """Return the installation's settings row, created with the declared defaults when missing."""
    settings = db.session.get(InyettSettings, 1)
    if settings is None:
        settings = InyettSettings(id=1)
        db.session.add(settings)
        db.session.flush()
    return settings


def differs_from_saved(settings: InyettSettings, change: SettingsChange) -> bool:
    """True when `change` would alter anything, i.e. the form holds unsaved changes."""
    return bool(_changed_fields(settings, _as_applied(settings, change)))


def save_settings(change: SettingsChange, *, actor: str) -> list[str]:
    """Store the change, audit it and return the names of the fields that changed."""
    settings = get_settings()
    change = _as_applied(settings, change)
    if change.active and not (change.api_key or settings.has_api_key):
        raise SettingsRejected({"active": "Lägg in en API-nyckel innan kopplingen kan vara aktiv."})
    changed = _changed_fields(settings, change)
    if not changed:
        return []
    audit.record("settings", actor, "Inyett API: " + "; ".join(changed.values()))
    if "api_key" in changed:
        settings.api_key_ciphertext = secret_box.encrypt(change.api_key)
        # A hint lets the admin recognise the key without revealing it; short keys get none.
        settings.api_key_hint = change.api_key[-4:] if len(change.api_key) >= 16 else None
    settings.batch_reference = change.batch_reference
    settings.one_payment_per_batch = change.one_payment_per_batch
    settings.active = change.active
    settings.use_test_environment = change.use_test_environment
    settings.updated_at = utcnow()
    settings.updated_by = actor
    db.session.commit()
    return list(changed)


def _as_applied(settings: InyettSettings, change: SettingsChange) -> SettingsChange:
    """The change as saving would apply it to `settings`."""
    if is_test_installation():
        return change
    # The switch is not on the page of a production installation, so the form posts it as off;
    # the stored value stays (and is ignored by uses_test_environment) instead.
    return _replace(change, use_test_environment=settings.use_test_environment)


def _changed_fields(settings: InyettSettings, change: SettingsChange) -> dict[str, str]:
    """Map each changed field to an audit description; the key only ever as "ändrad"."""
    changed = {}
    if change.api_key:
        changed["api_key"] = f"{FIELD_LABELS['api_key']} ändrad"
    for name in ("batch_reference", "one_payment_per_batch", "active", "use_test_environment"):
        before, after = getattr(settings, name), getattr(change, name)
        if before != after:
            changed[name] = f"{FIELD_LABELS[name]}: {_shown(before)} → {_shown(after)}"
    return changed


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "på" if value else "av"
    return f'"{value}"'


def _replace(change: SettingsChange, **fields) -> SettingsChange:
    return SettingsChange(**{**change.__dict__, **fields})


def reencrypt_secrets(*, actor: str) -> int:
    """Re-encrypt stored secrets with the newest encryption key; return how many."""
    settings = get_settings()
    if not settings.has_api_key:
        return 0
    settings.api_key_ciphertext = secret_box.reencrypt(settings.api_key_ciphertext)
    audit.record("settings", actor, "API-nyckeln krypterades om med en ny krypteringsnyckel")
    db.session.commit()
    return 1


def uses_test_environment(settings: InyettSettings) -> bool:
    """True when calls go to Inyett's test environment (only ever on a test installation)."""
    return is_test_installation() and settings.use_test_environment


def make_client(settings: InyettSettings, *, test_environment: bool | None = None) -> InyettClient:
    """Return a client for the saved key and the deploy-time addresses; by default for the
    environment the settings choose, or for the one a stored batch was sent to."""
    config = current_app.config
    if test_environment is None:
        test_environment = uses_test_environment(settings)
    return InyettClient(
        config["TEST_API_URL"] if test_environment else config["API_URL"],
        secret_box.decrypt(settings.api_key_ciphertext),
        api_version=config["API_VERSION"],
        auth_header=config["AUTH_HEADER"],
        auth_scheme=config["AUTH_SCHEME"],
        timeout=float(config["HTTP_TIMEOUT_SECONDS"]),
        batch_exists_status=config["BATCH_EXISTS_STATUS"],
        test_environment=test_environment,
        session=_http_session(),
    )


def client_for_batch(batch) -> InyettClient:
    """A client for the environment the batch was made for; raises NotConfigured without a key."""
    settings = get_settings()
    if not settings.has_api_key:
        raise NotConfigured("Ingen API-nyckel är sparad i Systeminställningar › Inyett API.")
    try:
        return make_client(settings, test_environment=batch.test_environment)
    except secret_box.SecretUnreadable as exc:
        raise NotConfigured(STORED_KEY_UNREADABLE) from exc


def _http_session():
    # One session per app keeps connections to Inyett alive between calls, with room in the
    # pool for every parallel sender.
    session = current_app.extensions.get("inyett_http_session")
    if session is None:
        session = new_http_session(max(10, int(current_app.config["SEND_CONCURRENCY"])))
        current_app.extensions["inyett_http_session"] = session
    return session


def test_connection(*, actor: str) -> ConnectionTestResult:
    """Test the saved settings against Inyett, store the outcome and return it."""
    settings = get_settings()
    if not settings.has_api_key:
        ok, message = False, "Ingen API-nyckel är sparad. Klistra in nyckeln och spara först."
    else:
        try:
            make_client(settings).check_connection(current_app.config["CONNECTION_TEST_COUNTRY"])
        except InyettError as exc:
            ok, message = False, str(exc)
        except secret_box.SecretUnreadable:
            ok, message = False, STORED_KEY_UNREADABLE
        else:
            ok, message = True, "Uppkoppling OK!"
    settings.last_test_at = utcnow()
    settings.last_test_ok = ok
    settings.last_test_message = message
    audit.record("connection_test", actor, message)
    if not ok:
        notices.connection_test_failed(message, actor)
    db.session.commit()
    return ConnectionTestResult(ok=ok, message=message, at=settings.last_test_at)
