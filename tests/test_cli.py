import click.testing
import pytest
from sqlalchemy import select

from inyett.cli import point_at_simulator
from inyett.config import DEFAULTS
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


def test_create_user_without_a_name_uses_the_username_for_it(app, runner):
    result = runner.invoke(
        args=["create-user", "kalle", "--role", "payer"], input=NEW_PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert stored_user(app, "kalle").full_name == "kalle"


@pytest.mark.parametrize("args", [["create-user", "kalle"], ["create-user", "--role", "payer"]])
def test_create_user_without_a_username_or_role_says_so_in_swedish(app, runner, args):
    result = runner.invoke(args=args, input=NEW_PASSWORD + "\n")
    assert result.exit_code == 1
    assert "Ange användarnamn och roll: flask --app app create-user NAMN --role ROLL" in (
        result.output
    )
    assert "Missing" not in result.output


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
        (["create-user", "kalle k", "--role", "payer", "--name", "K"], NEW_PASSWORD, "mellanslag"),
    ],
)
def test_create_user_refuses_with_a_reason(app, runner, args, password, message):
    result = runner.invoke(args=args, input=password + "\n")
    assert result.exit_code == 1
    assert message in result.output
    assert "Error" not in result.output
    assert stored_user(app, "kalle") is None


def test_demo_points_the_app_at_its_own_simulator_port(app, monkeypatch):
    monkeypatch.delenv("INYETT_API_URL", raising=False)
    monkeypatch.delenv("INYETT_TEST_API_URL", raising=False)
    config = {"API_URL": DEFAULTS["API_URL"], "TEST_API_URL": DEFAULTS["TEST_API_URL"]}
    point_at_simulator(config, 5101)
    assert config == {
        "API_URL": "http://127.0.0.1:5101",
        "TEST_API_URL": "http://127.0.0.1:5101/test",
    }


def test_demo_keeps_an_inyett_address_the_user_set(app, monkeypatch):
    monkeypatch.setenv("INYETT_API_URL", "https://api.example.se")
    monkeypatch.delenv("INYETT_TEST_API_URL", raising=False)
    config = {
        "API_URL": "https://api.example.se",
        "TEST_API_URL": "https://test.example.se",  # from instance/config.py
    }
    point_at_simulator(config, 5101)
    assert config == {
        "API_URL": "https://api.example.se",
        "TEST_API_URL": "https://test.example.se",
    }


def test_demo_starts_the_simulator_on_the_port_the_app_calls(app, runner, monkeypatch):
    """The QA walkthrough: --simulator-port 5101 and Testa uppkoppling called 5001."""
    import waitress

    from inyett import cli
    from inyett import demo

    monkeypatch.delenv("INYETT_API_URL", raising=False)
    monkeypatch.delenv("INYETT_TEST_API_URL", raising=False)
    app.config["API_URL"] = DEFAULTS["API_URL"]
    app.config["TEST_API_URL"] = DEFAULTS["TEST_API_URL"]
    started = []

    class Server:
        def __init__(self, wsgi_app, host, port, **kwargs):
            started.append(port)

        def run(self):
            pass

    monkeypatch.setattr(waitress, "create_server", Server)
    monkeypatch.setattr(cli, "upgrade", lambda: None)
    monkeypatch.setattr(demo, "seed", lambda: [])
    monkeypatch.setattr(cli.worker, "notify", lambda app: None)
    with app.app_context():  # as the flask command gives every command
        result = runner.invoke(args=["demo", "--port", "5100", "--simulator-port", "5101"])
    assert result.exit_code == 0, result.output
    assert 5101 in started
    assert app.config["API_URL"] == "http://127.0.0.1:5101"
    assert app.config["TEST_API_URL"] == "http://127.0.0.1:5101/test"


def test_create_user_tells_every_problem_at_once_and_stores_the_name_in_lower_case(app, runner):
    result = runner.invoke(args=["create-user", "Admin", "--role", "chef"], input="kort\n")
    assert result.exit_code == 1
    for message in ("heter admin.", "Okänd roll 'chef'", "minst 10 tecken"):
        assert message in result.output
    result = runner.invoke(
        args=["create-user", "Kalle.Ek", "--role", "payer", "--name", "Kalle Ek"],
        input=NEW_PASSWORD + "\n",
    )
    assert "Användaren kalle.ek är skapad" in result.output
    assert Auth(app.test_client()).login("KALLE.EK", NEW_PASSWORD).status_code == 302
