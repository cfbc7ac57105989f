"""A broken configuration is found when the app starts, told in Swedish with what to fix, and
keeps a server from starting; the commands that repair things still run."""

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from cryptography.fernet import Fernet

from inyett import create_app
from inyett.config import BrokenConfiguration
from tests.conftest import make_app

PROJECT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")
WAITRESS = str(Path(sys.executable).parent / "waitress-serve")
# Looks like a Fernet key to a glance, but is one character short.
MALFORMED_KEY = Fernet.generate_key().decode()[:-2] + "="


def broken_environment(tmp_path, **variables) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INYETT_")}
    env.update(
        INYETT_DATABASE_URL=f"sqlite:///{tmp_path / 'check.sqlite3'}",
        INYETT_SECRET_KEY="test-secret",
        INYETT_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        INYETT_OUTBOX_WORKER="false",
    )
    env.update(variables)
    return env


def run(args, env):
    return subprocess.run(
        args, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_inyett_check_lists_every_problem_in_swedish_and_fails(tmp_path):
    env = broken_environment(
        tmp_path,
        INYETT_ENCRYPTION_KEY=MALFORMED_KEY,
        INYETT_HTTP_TIMEOUT_SECONDS="tio",
        INYETT_INSTALLATION="prod",
        INYETT_LOG_LEVEL="pratig",
        INYETT_HEALTH_MAX_FAILED_BATCHES="inga",
    )
    result = run([FLASK, "--app", "app", "inyett", "check"], env)
    assert result.returncode == 1, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "INYETT_ENCRYPTION_KEY är ingen giltig krypteringsnyckel" in output
    assert "HTTP_TIMEOUT_SECONDS" in output and "tio" in output
    assert "INSTALLATION" in output and "production eller test" in output
    assert "LOG_LEVEL är 'pratig'" in output
    assert "HEALTH_MAX_FAILED_BATCHES är 'inga'" in output
    assert MALFORMED_KEY not in output  # even a broken secret stays out of the output
    assert "Traceback" not in output


def test_inyett_check_says_a_good_configuration_is_good(tmp_path):
    result = run([FLASK, "--app", "app", "inyett", "check"], broken_environment(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Konfigurationen är i ordning." in result.stdout


def test_a_database_url_that_cannot_be_read_is_told_without_its_password(tmp_path):
    env = broken_environment(tmp_path, INYETT_DATABASE_URL="postgres://inyett:hemligt@/@@")
    result = run([FLASK, "--app", "app", "inyett", "check"], env)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "DATABASE_URL" in output and "hemligt" not in output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    "command",
    [
        [WAITRESS, "--host", "127.0.0.1", "--port", "0", "--call", "app:create_app"],
        [FLASK, "--app", "app", "run", "--port", "0"],
    ],
)
def test_a_server_refuses_to_start_on_a_broken_configuration(tmp_path, command):
    env = broken_environment(tmp_path, INYETT_ENCRYPTION_KEY=MALFORMED_KEY)
    result = run(command, env)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Inyettkopplingen startar inte" in output
    assert "INYETT_ENCRYPTION_KEY är ingen giltig krypteringsnyckel" in output


def test_create_app_for_a_server_refuses_a_broken_configuration(tmp_path):
    with pytest.raises(BrokenConfiguration) as refused:
        make_app(tmp_path, SEND_CONCURRENCY=0, ENCRYPTION_KEY="nyckel")
    assert refused.value.code != 0
    message = str(refused.value)
    assert "SEND_CONCURRENCY" in message and "ENCRYPTION_KEY i instance/config.py" in message


def app_for_a_command(tmp_path, **config):
    """The app as `flask --app app COMMAND` builds it: inside the command line's context."""
    with click.Context(click.Command("flask")):
        return make_app(tmp_path, **config)


def test_repairing_commands_run_on_a_broken_configuration_and_sending_does_not(tmp_path):
    app = app_for_a_command(tmp_path, HTTP_TIMEOUT_SECONDS="tio", ENCRYPTION_KEY=None)
    app.instance_path = str(tmp_path / "instance")
    (tmp_path / "instance").mkdir()
    runner = app.test_cli_runner()
    rotated = runner.invoke(args=["inyett", "rotate-encryption-key"])
    assert rotated.exit_code == 0, rotated.output
    sending = runner.invoke(args=["inyett", "send-pending"])
    assert sending.exit_code == 1
    assert "HTTP_TIMEOUT_SECONDS" in sending.output and "Inget skickades" in sending.output


def test_a_test_app_with_a_good_configuration_starts(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "TESTING": True,
            "OUTBOX_WORKER": False,
        }
    )
    assert app.config["CONFIG_PROBLEMS"] == []
