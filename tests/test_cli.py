import click.testing
import pytest
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import User
from tests.conftest import Auth

NEW_PASSWORD = "ett-nytt-långt-lösenord"


def stored_user(app, username):
    with app.app_context():
        return db.session.scalar(select(User).where(User.username == username))


def test_create_user_reads_the_password_from_standard_input(app, runner):
    result = runner.invoke(
        args=["create-user", "kalle", "--role", "payer", "--name", "Kalle"],
        input=NEW_PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Användaren kalle är skapad med rollen Betalningsansvarig." in result.output
    user = stored_user(app, "kalle")
    assert user.role == "payer"
    assert NEW_PASSWORD not in user.password_hash
    assert Auth(app.test_client()).login("kalle", NEW_PASSWORD).status_code == 302


@pytest.fixture
def at_a_terminal(monkeypatch):
    """Standard input as an interactive terminal (CliRunner's input is a pipe otherwise)."""
    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda self: True)


def test_create_user_asks_for_the_password_twice_at_a_terminal(app, runner, at_a_terminal):
    result = runner.invoke(
        args=["create-user", "berit", "--role", "attester", "--name", "Berit"],
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Lösenord: \nUpprepa lösenordet: \nAnvändaren berit är skapad" in result.output
    assert NEW_PASSWORD not in result.output
    assert stored_user(app, "berit").role == "attester"
    assert Auth(app.test_client()).login("berit", NEW_PASSWORD).status_code == 302


def test_create_user_stops_when_the_two_passwords_differ(app, runner, at_a_terminal):
    result = runner.invoke(
        args=["create-user", "berit", "--role", "attester", "--name", "Berit"],
        input=f"{NEW_PASSWORD}\nannat-lösenord\n",
    )
    assert result.exit_code == 1
    assert "Lösenorden var inte lika. Ingen användare skapades." in result.output
    assert stored_user(app, "berit") is None


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["create-user", "kalle", "--role", "payer", "--name", "Kalle"], "kort", "minst 10 tecken"),
        (
            ["create-user", "admin", "--role", "admin", "--name", "Admin"],
            NEW_PASSWORD,
            "finns redan",
        ),
        (
            ["create-user", "kalle", "--role", "chef", "--name", "Kalle"],
            NEW_PASSWORD,
            "Okänd roll 'chef'",
        ),
        (["create-user", "ADMIN", "--role", "admin", "--name", "A"], NEW_PASSWORD, "heter admin."),
        (["create-user", "kalle", "--role", "payer"], NEW_PASSWORD, "Fyll i namnet"),
        (["create-user", "kalle k", "--role", "payer", "--name", "K"], NEW_PASSWORD, "mellanslag"),
    ],
)
def test_create_user_refuses_with_a_reason(app, runner, args, password, message):
    result = runner.invoke(args=args, input=password + "\n")
    assert result.exit_code == 1
    assert message in result.output
    assert "Error" not in result.output
    assert stored_user(app, "kalle") is None


def test_create_user_tells_every_problem_at_once_and_stores_the_name_in_lower_case(app, runner):
    result = runner.invoke(args=["create-user", "Admin", "--role", "chef"], input="kort\n")
    assert result.exit_code == 1
    for message in ("heter admin.", "Fyll i namnet", "Okänd roll 'chef'", "minst 10 tecken"):
        assert message in result.output
    result = runner.invoke(
        args=["create-user", "Kalle.Ek", "--role", "payer", "--name", "Kalle Ek"],
        input=NEW_PASSWORD + "\n",
    )
    assert "Användaren kalle.ek är skapad" in result.output
    assert Auth(app.test_client()).login("KALLE.EK", NEW_PASSWORD).status_code == 302
