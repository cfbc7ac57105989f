"""The start page says what waits for the person logged in, each line a link to the list."""

import re

from inyett.extensions import db
from inyett.models import InyettBatch
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import utcnow
from inyett.services.payments import undo_payment
from inyett.services.settings import get_settings
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file
from tests.test_attestation import many_answered_files
from tests.test_attestation import queries_for
from tests.test_payment_views import file_with_failed_payment


def waiting_lines(html: str) -> dict[str, str]:
    """The start page's "Väntar på dig" lines: their text to their link."""
    block = html[html.index("waiting-work") : html.index("Genvägar")]
    found = re.findall(r'<a href="([^"]+)">([^<]+)</a>', block)
    return {" ".join(text.split()): href.replace("&amp;", "&") for href, text in found}


def test_an_attester_sees_the_payments_waiting_and_how_many_have_warnings(app, client, auth):
    with app.app_context():
        many_answered_files(files=2, invoices_per_file=3)  # every third payment warns
    auth.login("attestant")
    lines = waiting_lines(client.get("/").get_data(as_text=True))
    assert lines == {
        "6 betalningar väntar på attest": "/attest",
        "2 av dem har varningar från Inyett": "/attest?filter=varningar",
    }
    # The link shows the very payments the line counts.
    listed = client.get("/attest?filter=varningar").get_data(as_text=True)
    assert listed.count('class="payment-row') == 2


def test_a_payer_sees_files_with_fel_or_removed_and_files_not_downloaded(app, client, auth):
    with app.app_context():
        troubled_id, _, _ = file_with_failed_payment()
        clean = create_file(add_invoices()[:1])
        clean_name = clean.message_id
        # Borttagen hos Inyett after a shared batch's undo waits for the payer as Fel does.
        create_file(add_invoices()[:1]).payments[0].inyett_state = "removed"
        db.session.commit()
        troubled_name = db.session.get(PaymentFile, troubled_id).message_id
    auth.login("betalare")
    lines = waiting_lines(client.get("/").get_data(as_text=True))
    assert lines == {
        "2 betalfiler har en betalning med Fel eller som är borttagen hos Inyett": (
            "/betalningar/filer?visa=fel"
        ),
        "3 betalfiler är inte nedladdade för banken": "/betalningar/filer?visa=ej-nedladdade",
    }
    listed = client.get("/betalningar/filer?visa=fel").get_data(as_text=True)
    assert troubled_name in listed and clean_name not in listed
    assert 'aria-current="page">Fel eller borttagna hos Inyett' in listed


def test_a_file_whose_failed_payment_was_undone_no_longer_waits_for_the_payer(app, client, auth):
    with app.app_context():
        _, failed_id, _ = file_with_failed_payment()
        undo_payment(db.session.get(Payment, failed_id), actor="betalare")
    auth.login("betalare")
    lines = waiting_lines(client.get("/").get_data(as_text=True))
    assert "0 betalfiler har en betalning med Fel eller som är borttagen hos Inyett" in lines
    listed = client.get("/betalningar/filer?visa=fel").get_data(as_text=True)
    assert "Ingen betalfil har en betalning med Fel eller som är borttagen hos Inyett." in listed


def test_an_admin_sees_the_queue_and_the_last_connection_test(app, client, auth):
    with app.app_context():
        activate_inyett()
        create_file(add_invoices()[:3])  # three batches queued
        failed = db.session.scalars(db.select(InyettBatch)).first()
        failed.state = "failed"
        settings = get_settings()
        settings.last_test_at = utcnow()
        settings.last_test_ok = False
        settings.last_test_message = "Inyett svarade inte inom 10 sekunder."
        db.session.commit()
    auth.login("admin")
    lines = waiting_lines(client.get("/").get_data(as_text=True))
    assert (
        lines["Kö till Inyett: 2 batchar på väg, 1 batch med Fel"]
        == "/systeminstallningar/inyett-ko"
    )
    test_line = next(text for text in lines if text.startswith("Senaste uppkopplingstest"))
    assert test_line.endswith("misslyckades – Inyett svarade inte inom 10 sekunder.")
    # An admin stands in for the others, so their lines are there too.
    assert "3 betalningar väntar på attest" in lines
    assert "1 betalfil är inte nedladdad för banken" in lines


def test_an_admin_is_told_when_the_connection_was_never_tested(app, client, auth):
    auth.login("admin")
    lines = waiting_lines(client.get("/").get_data(as_text=True))
    assert "Uppkopplingen till Inyett har inte testats" in lines
    assert "Kö till Inyett: 0 batchar på väg, 0 batchar med Fel" in lines


def test_the_start_page_takes_as_many_queries_for_many_payments_as_for_few(app, client, auth):
    with app.app_context():
        many_answered_files(files=1, invoices_per_file=2)
    auth.login("admin")
    for_few = queries_for(app, client, "/")
    with app.app_context():
        many_answered_files(files=4, invoices_per_file=10)
    assert queries_for(app, client, "/") == for_few
