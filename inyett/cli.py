"""Commands: `flask --app app create-user`, `flask --app app inyett ...`, `flask --app app demo`."""

import sys
import threading
import time

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from inyett.models import ROLES
from inyett.services import users

inyett_group = AppGroup("inyett", help="Kopplingen till Inyett.")


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(list(ROLES)), required=True, help="Användarens roll.")
@click.option("--name", "full_name", default="", help="Fullständigt namn.")
def create_user_command(username: str, role: str, full_name: str) -> None:
    """Create a user; the password is asked for, or read from standard input when piped."""
    if sys.stdin.isatty():
        password = click.prompt("Lösenord", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        users.create_user(username, role, password, full_name)
    except users.UserRejected as rejected:
        raise click.ClickException(str(rejected)) from rejected
    click.echo(f"Användaren {username} är skapad med rollen {ROLES[role]}.")


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

    upgrade()
    for line in demo.seed():
        click.echo(line)
    simulator_server = create_server(
        simulator.create_app(), host="127.0.0.1", port=simulator_port, threads=8
    )
    threading.Thread(target=simulator_server.run, daemon=True).start()
    click.echo(f"Inyett-simulatorn svarar på http://127.0.0.1:{simulator_port}")
    click.echo(f"Inyettkopplingen: öppna http://127.0.0.1:{port} i webbläsaren (Ctrl+C avslutar).")
    create_server(current_app._get_current_object(), host="127.0.0.1", port=port).run()


@inyett_group.command("send-pending")
@click.option(
    "--wait",
    default=0.0,
    show_default=True,
    help="Sekunder att vänta på Inyetts svar innan kommandot slutar.",
)
def send_pending_command(wait: float) -> None:
    """Send queued batches to Inyett, fetch answers and delete undone batches (for cron)."""
    from inyett.services import outbox
    from inyett.services.settings import client_for_batch

    deadline = time.monotonic() + wait
    handled = outbox.process_due(client_for_batch)
    while outbox.unfinished_count() and time.monotonic() < deadline:
        time.sleep(0.5)
        handled += outbox.process_due(client_for_batch)
    click.echo(
        f"{handled} steg utförda hos Inyett; {outbox.unfinished_count()} batchar är inte klara."
    )


def register(app) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(inyett_group)
