"""Commands: `flask --app app create-user`, `flask --app app inyett ...`, `flask --app app demo`."""

import os
import sys
import threading
import time
from pathlib import Path
from typing import NoReturn

import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext
from flask_migrate import upgrade

from inyett import key_files
from inyett import worker
from inyett.config import describe_problems
from inyett.config import encryption_key_problems
from inyett.models import ROLES
from inyett.services import users

inyett_group = AppGroup("inyett", help="Kopplingen till Inyett.")


@click.command("create-user")
# Neither is required to Click, whose own "Missing option" errors are in English.
@click.argument("username", required=False, default="")
@click.option("--role", default="", help="Användarens roll: admin, payer eller attester.")
@click.option("--name", "full_name", default="", help="Fullständigt namn (annars användarnamnet).")
@with_appcontext
def create_user_command(username: str, role: str, full_name: str) -> None:
    """Create a user; the password is asked for, or read from standard input when piped."""
    if not username or not role:
        _fail(
            "Ange användarnamn och roll: flask --app app create-user NAMN --role ROLL "
            "(roller: admin, payer, attester)."
        )
    if sys.stdin.isatty():
        password = click.prompt("Lösenord", hide_input=True)
        if click.prompt("Upprepa lösenordet", hide_input=True) != password:
            _fail("Lösenorden var inte lika. Ingen användare skapades.")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        # The issue's own command has no --name: the username then stands in for the name.
        user = users.create_user(username, role, password, full_name or username)
    except users.UserRejected as rejected:
        _fail(str(rejected))
    click.echo(f"Användaren {user.username} är skapad med rollen {ROLES[role]}.")


def _fail(message: str) -> NoReturn:
    # click.ClickException would prefix the Swedish message with the English "Error:".
    click.echo(message, err=True)
    sys.exit(1)


def _refuse_if_broken(consequence: str, problems: list[str] | None = None) -> None:
    """Stop a command that would act on a broken configuration, saying what is wrong."""
    if problems is None:
        problems = current_app.config["CONFIG_PROBLEMS"]
    if problems:
        _fail(f"Konfigurationen har fel. {consequence}\n{describe_problems(problems)}")


@inyett_group.command("check")
def check_command() -> None:
    """Check the configuration: every problem in Swedish with what to fix (exit code 1)."""
    _refuse_if_broken("Rätta felen nedan och kör kommandot igen.")
    click.echo("Konfigurationen är i ordning.")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo companies, users and settings (only into an empty database)."""
    from inyett import demo

    upgrade()
    for line in demo.seed():
        click.echo(line)


@click.command("demo")
@click.option("--port", default=5000, show_default=True, help="Appens port.")
@click.option("--simulator-port", default=5001, show_default=True, help="Simulatorns port.")
def demo_command(port: int, simulator_port: int) -> None:
    """Run the app with demo data and the built-in Inyett simulator on this machine."""
    from waitress import create_server

    from inyett import demo
    from inyett import simulator

    _refuse_if_broken("Demon startar inte.")
    upgrade()
    for line in demo.seed():
        click.echo(line)
    point_at_simulator(current_app.config, simulator_port)
    simulator_server = create_server(
        simulator.create_app(), host="127.0.0.1", port=simulator_port, threads=8
    )
    threading.Thread(target=simulator_server.run, daemon=True).start()
    click.echo(f"Inyett-simulatorn svarar på http://127.0.0.1:{simulator_port}")
    click.echo(f"Inyettkopplingen: öppna http://127.0.0.1:{port} i webbläsaren (Ctrl+C avslutar).")
    # As a server started by waitress-serve does at start-up (inyett/worker.py): send what the
    # last run left in the queue, now that the database and the simulator are up.
    worker.notify(current_app)
    create_server(current_app._get_current_object(), host="127.0.0.1", port=port).run()


def point_at_simulator(config, simulator_port: int) -> None:
    """Send the app's Inyett calls to the demo's own simulator, test environment included.

    The defaults name the simulator on port 5001, so with --simulator-port the app would
    otherwise call a port nothing listens on. An address the user set (environment variable or
    instance/config.py) is left alone: they asked for it."""
    from inyett.config import DEFAULTS

    simulator_url = f"http://127.0.0.1:{simulator_port}"
    # The simulator serves Inyett's test environment under /test, as the defaults assume.
    for key, url in (("API_URL", simulator_url), ("TEST_API_URL", f"{simulator_url}/test")):
        if f"INYETT_{key}" not in os.environ and config[key] == DEFAULTS[key]:
            config[key] = url


@inyett_group.command("version")
def version_command() -> None:
    """Print the version that runs and whether the database has its schema."""
    from inyett.version import database_schema_state
    from inyett.version import running_version

    click.echo(f"Inyettkopplingen {running_version()}")
    click.echo(database_schema_state())


@inyett_group.command("send-pending")
@click.option(
    "--wait",
    default=0.0,
    show_default=True,
    help="Sekunder att vänta på Inyetts svar innan kommandot slutar.",
)
def send_pending_command(wait: float) -> None:
    """Send queued batches to Inyett, fetch answers and delete undone batches, then the e-mail
    notices that are due (for cron)."""
    from inyett.services import attest_notices
    from inyett.services import outbox
    from inyett.services.settings import client_for_batch

    _refuse_if_broken("Inget skickades.")
    concurrency = current_app.config["SEND_CONCURRENCY"]
    deadline = time.monotonic() + wait
    handled = outbox.process_due(client_for_batch, concurrency=concurrency)
    while outbox.unfinished_count() and time.monotonic() < deadline:
        time.sleep(0.5)
        handled += outbox.process_due(client_for_batch, concurrency=concurrency)
    click.echo(
        f"{handled} steg utförda hos Inyett; {outbox.unfinished_count()} batchar är inte klara."
    )
    # After Inyett's work: a mail server that is down must not delay a batch.
    if mailed := attest_notices.run_round():
        click.echo(f"{mailed} aviseringar skickade per e-post.")


@inyett_group.command("invoice-duplicates")
def invoice_duplicates_command() -> None:
    """List the invoices an earlier version stored twice, which the upgrade kept."""
    from inyett.services import ledger

    groups = ledger.historical_duplicates()
    if not groups:
        click.echo("Inga fakturor finns flera gånger från samma leverantör.")
        return
    click.echo(
        "Fakturor som en tidigare version sparade flera gånger från samma leverantör. "
        "Uppgraderingen behöll alla, eftersom de kan ha betalats; nya fakturor med samma nummer "
        "nekas. Kontrollera under Betalfiler att varje faktura bara betalas en gång."
    )
    for copies in groups:
        first = copies[0]
        click.echo(f"{first.company.name}: {first.supplier.name}, faktura {first.invoice_number}")
        for invoice in copies:
            click.echo(f"  {ledger.describe_copy(invoice)}")


@inyett_group.command("rotate-encryption-key")
def rotate_encryption_key_command() -> None:
    """Encrypt the stored API key with a new encryption key, and retire the old key."""
    from cryptography.fernet import Fernet

    from inyett.services import settings as settings_service

    if os.environ.get("INYETT_ENCRYPTION_KEY"):
        _fail(
            "Krypteringsnyckeln kommer från miljövariabeln INYETT_ENCRYPTION_KEY. Lägg den nya "
            "nyckeln först i variabeln, kommaseparerad före den gamla, kör kommandot "
            "reencrypt-secrets och ta sedan bort den gamla."
        )
    _refuse_if_broken("Ingenting ändrades.", encryption_key_problems(current_app.config))
    if not current_app.config["ENCRYPTION_KEY_FROM_FILE"]:
        # A new instance/encryption.key would be ignored at the next start, and the API key
        # encrypted with it unreadable.
        _fail(
            "Krypteringsnyckeln kommer från ENCRYPTION_KEY i instance/config.py, inte från "
            "instance/encryption.key, så en ny nyckelfil skulle inte läsas. Lägg den nya nyckeln "
            "först i ENCRYPTION_KEY, kommaseparerad före den gamla, kör kommandot "
            "reencrypt-secrets och ta sedan bort den gamla. Ingenting ändrades."
        )
    key_file = Path(current_app.instance_path) / "encryption.key"
    old_keys = current_app.config["ENCRYPTION_KEY"]
    new_key = Fernet.generate_key().decode()
    # Both keys stay readable until the database is re-encrypted, so a crash in between
    # loses nothing.
    key_files.replace(key_file, f"{new_key},{old_keys}")
    current_app.config["ENCRYPTION_KEY"] = f"{new_key},{old_keys}"
    count = settings_service.reencrypt_secrets(actor="cli")
    key_files.replace(key_file, new_key)
    click.echo(f"Ny krypteringsnyckel i {key_file}; {count} hemligheter krypterades om.")


@inyett_group.command("reencrypt-secrets")
def reencrypt_secrets_command() -> None:
    """Re-encrypt stored secrets with the first key in ENCRYPTION_KEY."""
    from inyett.services import settings as settings_service

    _refuse_if_broken("Ingenting ändrades.", encryption_key_problems(current_app.config))
    count = settings_service.reencrypt_secrets(actor="cli")
    click.echo(f"{count} hemligheter krypterades om med den första nyckeln.")


@inyett_group.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    """Write a consistent copy of the SQLite database to FILE while the app runs."""
    from inyett.services import backup

    try:
        backup.backup_to(file, actor="cli")
    except backup.BackupRefused as refused:
        _fail(str(refused))
    click.echo(f"Säkerhetskopian är skriven till {file} (bara den här användaren kan läsa den).")
    click.echo(backup.key_advice())


@inyett_group.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Appen och cron-jobbet är stoppade; fråga inte.")
def restore_command(file: Path, yes: bool) -> None:
    """Put the SQLite backup FILE in place of the database (app stopped); mark it restored."""
    from inyett.services import backup

    if backup.sqlite_file() is None:
        _fail(backup.POSTGRESQL_ADVICE)
    if not yes and not click.confirm(
        "Återställningen ersätter databasen med säkerhetskopian. Är appen och cron-jobbet "
        "inyett send-pending stoppade?"
    ):
        _fail("Ingenting ändrades. Stoppa appen och cron-jobbet och kör kommandot igen.")
    try:
        kept = backup.restore_from(file)
    except backup.BackupRefused as refused:
        _fail(str(refused))
    if backup.has_migration_history():
        # A backup from an earlier version gets this version's tables before it is marked.
        upgrade()
    click.echo(f"Databasen är återställd från {file}; den som fanns förut ligger i {kept}.")
    _echo_marks(backup.mark_restored(actor="cli"))


@inyett_group.command("mark-restored")
def mark_restored_command() -> None:
    """After pg_restore (or a database file put back by hand): mark the database restored."""
    from inyett.services import backup

    _echo_marks(backup.mark_restored(actor="cli"))


def _echo_marks(marks) -> None:
    click.echo(
        f"Installationen har fått det nya installations-id:t {marks.new_installation_id} "
        f"(förut {marks.old_installation_id}), så inget id till Inyett upprepar ett som skickats "
        f"efter säkerhetskopian. {marks.batches_to_check} batchar kontrolleras mot Inyett när "
        "appen startar, innan något visas som besvarat. Starta appen och cron-jobbet igen."
    )


def register(app) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(inyett_group)
