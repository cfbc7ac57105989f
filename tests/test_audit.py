from collections import Counter
from datetime import UTC
from datetime import datetime

import pytest
import responses
from markupsafe import escape
from sqlalchemy import select

from inyett import api_client
from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import User
from inyett.services import attestation
from inyett.services import audit
from inyett.services import payments
from tests.conftest import INYETT_URL
from tests.conftest import PASSWORD
from tests.conftest import Auth
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file
from tests.payments_helpers import drain
from tests.payments_helpers import its_own_answer
from tests.payments_helpers import stored_batch_id

LOG = "/systeminstallningar/logg"
SETTINGS = "/systeminstallningar/inyett-api"
KEY = "granskad-nyckel-9876"
BATCHES = f"{INYETT_URL}/3/SE/payment-control/batches"
PROBE = f"{BATCHES}/{api_client.CONNECTION_TEST_BATCH_ID}/warnings"


def user(name):
    return db.session.scalar(select(User).where(User.username == name))


def entries():
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()


def add_entry(kind, at, summary):
    db.session.add(AuditEntry(kind=kind, actor="admin", summary=summary, at=at))
    db.session.commit()


def log_rows(client, **filters) -> str:
    response = client.get(LOG, query_string=filters)
    assert response.status_code == 200
    return response.get_data(as_text=True).split("<tbody>")[1].split("</tbody>")[0]


@responses.activate
def test_every_kind_of_event_is_logged_with_user_and_time_and_shown_by_kind(app):
    client = app.test_client()
    admin = Auth(client)
    assert admin.login("admin", "fel-lösenord").status_code == 422
    admin.login("admin", PASSWORD)
    admin.post(
        SETTINGS,
        {"api_key": KEY, "batch_reference": "Acme", "one_payment_per_batch": "y", "active": "y"},
    )
    responses.get(PROBE, status=404, json={"code": 404})
    admin.post(
        SETTINGS + "/testa-uppkoppling",
        {"batch_reference": "Acme", "one_payment_per_batch": "y", "active": "y"},
        token_from=SETTINGS,
    )
    responses.post(BATCHES, json={"code": 200})
    with app.app_context():
        first, second = create_file(add_invoices()[:2]).payments
        for number in (1, 2):
            responses.get(
                f"{BATCHES}/{stored_batch_id(number)}/warnings", json=its_own_answer(number)
            )
        responses.delete(f"{BATCHES}/{stored_batch_id(2)}", json={"code": 200})
        second_batch = stored_batch_id(2)
        drain()
        for payment in (first, second):
            db.session.refresh(payment)
        attestation.attest(first, user=user("attestant"), acknowledged=False)
        payments.undo_payment(second, actor="attestant")
        drain()
        counts = Counter(entry.kind for entry in entries())
        logged = {entry.kind: entry for entry in entries()}

    assert set(logged) >= {
        "login_failed",
        "login",
        "settings",
        "connection_test",
        "payment_file",
        "inyett_send",
        "attest",
        "undo",
        "inyett_delete",
    }
    assert all(entry.actor and entry.at for entry in logged.values())
    assert logged["login_failed"].actor == "admin"
    assert logged["settings"].actor == "admin"
    assert "Aktiv: av → på" in logged["settings"].summary
    assert "API-nyckel ändrad" in logged["settings"].summary
    assert logged["connection_test"].summary == "Uppkoppling OK!"
    assert logged["attest"].actor == "attestant"
    assert second_batch in logged["inyett_delete"].summary
    for kind, entry in logged.items():
        rows = log_rows(client, typ=kind)
        assert str(escape(entry.summary)) in rows, kind
        assert rows.count("<tr>") == counts[kind], kind
        other_labels = {label for k, label in audit.KINDS.items() if k != kind}
        assert not any(f'<td data-label="Typ">{label}</td>' in rows for label in other_labels), kind
    assert KEY not in client.get(LOG).get_data(as_text=True)


def test_the_log_is_filtered_by_swedish_days_and_shown_in_swedish_time(app, client, auth):
    with app.app_context():
        # 23:59 and 00:00 in Stockholm (UTC+1 in March), on either side of midnight.
        add_entry("settings", datetime(2026, 3, 4, 22, 59, tzinfo=UTC), "Kvällen före")
        add_entry("settings", datetime(2026, 3, 4, 23, 0, tzinfo=UTC), "Vid midnatt")
        add_entry("settings", datetime(2026, 3, 6, 12, 0, tzinfo=UTC), "Dagen efter")
    auth.login()
    day = log_rows(client, fran="2026-03-05", till="2026-03-05")
    assert "Vid midnatt" in day and "2026-03-05 00:00" in day
    assert "Kvällen före" not in day and "Dagen efter" not in day
    since = log_rows(client, fran="2026-03-05")
    assert "Vid midnatt" in since and "Dagen efter" in since and "Kvällen före" not in since
    until = log_rows(client, till="2026-03-04")
    assert "Kvällen före" in until and "2026-03-04 23:59" in until
    assert "Vid midnatt" not in until


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"fran": "2026-13-01"}, "Datumet 2026-13-01 finns inte i kalendern."),
        ({"till": "2026-02-30"}, "Datumet 2026-02-30 finns inte i kalendern."),
        ({"till": "5 mars"}, "Datumet ska skrivas ÅÅÅÅ-MM-DD, t.ex. 2026-03-05."),
        ({"fran": "20260305"}, "Datumet ska skrivas ÅÅÅÅ-MM-DD"),
        ({"fran": "2026-03-06", "till": "2026-03-05"}, "kan inte vara före Från och med"),
        ({"typ": "<script>alert(1)</script>"}, "Välj en typ i listan."),
        ({"sida": "0"}, "Sidan finns inte."),
    ],
)
def test_a_filter_that_makes_no_sense_is_a_message_on_its_field(client, auth, filters, message):
    auth.login()
    response = client.get(LOG, query_string=filters)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "Rätta filtret" in html
    assert "<script>alert(1)</script>" not in html


@pytest.mark.parametrize("page", ["-1", "0", "abc"])
def test_a_page_number_that_makes_no_sense_shows_no_pager_and_the_message_under_the_filter(
    client, auth, page
):
    auth.login()
    html = client.get(LOG, query_string={"sida": page, "fran": "x"}).get_data(as_text=True)
    assert "Äldre" not in html and "Nyare" not in html
    filters = html[html.index('<form method="get"') : html.index("</form>")]
    assert "Sidan finns inte" not in filters


def test_the_log_has_the_breadcrumb_of_the_other_settings_pages(client, auth):
    auth.login()
    html = client.get(LOG).get_data(as_text=True)
    assert "Systeminställningar › Säkerhet › Händelselogg" in html


def test_entries_can_be_read_but_not_changed_or_deleted(app, client, auth):
    auth.login()
    log_rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint == "settings.audit_log"]
    assert [sorted(rule.methods) for rule in log_rules] == [["GET", "HEAD", "OPTIONS"]]
    assert auth.post(LOG, {}).status_code == 405
    with app.app_context():
        entry = entries()[0]
        entry.summary = "Omskriven"
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(PermissionError):
            db.session.delete(entries()[0])
            db.session.commit()
        db.session.rollback()
        assert entries()[0].summary != "Omskriven"
