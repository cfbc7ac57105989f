"""The log a person reads: one line per event with time, level, request id and user, and no
secrets or payment data."""

import io
import logging
import re

import pytest
from flask_migrate import stamp
from sqlalchemy import text

from inyett import logs
from inyett.extensions import db
from inyett.logs import redact

LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4} (?P<level>[A-Z]+) "
    r"\[(?P<request_id>\S+) (?P<user>\S+) (?P<request_line>[^\]]+)\] "
    r"(?P<name>\S+): (?P<message>.*)$"
)
ACCOUNT = "50001234560"


@pytest.fixture
def log_output(app):
    """What the app's log handler writes, as the lines a person would read on stderr."""
    stream = io.StringIO()
    logs.handler().setStream(stream)
    return stream


@pytest.fixture
def failing_app(app):
    @app.get("/_test/fel")
    def failing_query():
        # A failed write of a payee's account, as a bug in a view might make it.
        db.session.execute(
            text("INSERT INTO finns_inte (konto) VALUES (:konto)"), {"konto": ACCOUNT}
        )

    return app


def test_an_unexpected_error_is_logged_with_request_id_and_user_but_not_the_querys_values(
    failing_app, auth, log_output
):
    auth.login()
    response = auth.client.get("/_test/fel")
    assert response.status_code == 500
    request_id = response.headers[logs.REQUEST_ID_HEADER]

    output = log_output.getvalue()
    first = LINE.match(output.splitlines()[0])
    assert first, output
    assert first["level"] == "ERROR"
    assert first["request_id"] == request_id
    assert first["user"] == "admin"
    assert first["request_line"] == "GET /_test/fel"
    assert "finns_inte" in output  # the traceback follows, so a developer can find the bug
    assert ACCOUNT not in output


def test_every_response_carries_a_request_id_and_only_a_trusted_proxys_is_kept(app):
    client = app.test_client()
    first = client.get("/logga-in").headers[logs.REQUEST_ID_HEADER]
    second = client.get("/logga-in").headers[logs.REQUEST_ID_HEADER]
    assert re.fullmatch(r"[0-9a-f]{16}", first) and first != second
    offered = {logs.REQUEST_ID_HEADER: "proxy-4711"}
    assert client.get("/logga-in", headers=offered).headers[logs.REQUEST_ID_HEADER] != "proxy-4711"

    app.config["TRUSTED_PROXIES"] = 1
    assert client.get("/logga-in", headers=offered).headers[logs.REQUEST_ID_HEADER] == "proxy-4711"
    broken = {logs.REQUEST_ID_HEADER: "a b] admin GET /"}
    assert (
        client.get("/logga-in", headers=broken).headers[logs.REQUEST_ID_HEADER]
        != broken[logs.REQUEST_ID_HEADER]
    )


def test_keys_passwords_and_authorization_headers_never_reach_the_log(app, log_output):
    logger = logging.getLogger("inyett.test")
    logger.warning("headers %s", {"Authorization": "Bearer hemlig-nyckel-123"})
    logger.warning("api_key=hemlig-nyckel-456 password: 'hemligt-lösen'")
    logger.warning("krypteringsnyckel %s", app.config["ENCRYPTION_KEY"])
    logger.warning("rad ett\nrad två")

    lines = log_output.getvalue().splitlines()
    assert len(lines) == 4  # one line per event, also the one with a newline in it
    output = "\n".join(lines)
    for secret in (
        "hemlig-nyckel-123",
        "hemlig-nyckel-456",
        "hemligt-lösen",
        app.config["ENCRYPTION_KEY"],
    ):
        assert secret not in output
    assert all(LINE.match(line)["request_id"] == "-" for line in lines)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def", "Authorization: Bearer [dolt]"),
        ("{'X-Api-Key': 'abc'}", "{'X-Api-Key': '[dolt]'}"),
        ("Inyett svarar inte", "Inyett svarar inte"),
    ],
)
def test_redact_hides_what_follows_a_secrets_name(text, expected):
    assert redact(text) == expected


def test_migrating_the_database_leaves_the_apps_log_lines_as_they_were(app):
    # `flask demo` migrates in the process that then serves; alembic.ini would take over stderr.
    with app.app_context():
        stamp(revision="head", purge=True)
    assert logs.handler() in logging.getLogger().handlers
    assert logging.getLogger().level == logging.INFO
