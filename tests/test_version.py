"""Know what runs: the version in pyproject.toml, shown to admins and by a command."""

import tomllib
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import text

from inyett.extensions import db
from tests.conftest import Auth

VERSION = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"][
    "version"
]


def test_admins_see_the_version_in_the_footer_of_every_page(client, auth):
    auth.login("admin")
    for page in ("/", "/reskontra", "/systeminstallningar/anvandare"):
        assert f"Inyettkopplingen {VERSION}</footer>" in client.get(page).get_data(as_text=True)


def test_other_roles_and_the_login_page_do_not_show_the_version(app):
    for username in ("betalare", "attestant"):
        client = app.test_client()
        Auth(client).login(username)
        assert "app-version" not in client.get("/").get_data(as_text=True)
    assert "app-version" not in app.test_client().get("/logga-in").get_data(as_text=True)


def test_the_version_command_names_the_version_and_whether_the_database_needs_upgrading(
    app, runner
):
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    empty = runner.invoke(args=["inyett", "version"])
    assert empty.exit_code == 0, empty.output
    assert f"Inyettkopplingen {VERSION}\n" in empty.output
    assert "Databasen saknar schema: kör flask --app app db upgrade." in empty.output

    with app.app_context():
        upgrade(revision="5b7e2f0a9c41")
    behind = runner.invoke(args=["inyett", "version"]).output
    assert "Databasen har schema 5b7e2f0a9c41, den här versionen behöver" in behind
    assert "ta en säkerhetskopia och kör flask --app app db upgrade." in behind

    with app.app_context():
        upgrade()
    current = runner.invoke(args=["inyett", "version"]).output
    assert "Databasen har det schema den här versionen behöver" in current
