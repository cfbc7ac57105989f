"""The last step to the bank: a file goes with a date the bank executes, is re-dated when its
date has passed, and a second download is a decision someone confirms."""

import re
from datetime import date

from sqlalchemy import select

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import Payment
from inyett.models import PaymentFile
from inyett.models import User
from inyett.services import attestation
from inyett.services import bank_delivery
from inyett.services.payments import undo_payment
from tests.payments_helpers import PAYMENT_DATE
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file
from tests.test_attestation import HTMX
from tests.test_attestation import answered_file

SATURDAY = date(2026, 11, 28)  # after PAYMENT_DATE, with no bank day between
MONDAY = date(2026, 11, 30)  # the next bank day after it
CHRISTMAS_EVE = date(2026, 12, 24)  # a Thursday: a weekday, but no bank day in Sweden


def attested_file(app) -> int:
    """A file of four payments answered by Inyett and attested, not yet downloaded."""
    with app.app_context():
        payment_file = answered_file()
        attester = db.session.scalar(select(User).where(User.username == "attestant"))
        for payment in payment_file.payments:
            attestation.attest(payment, user=attester, acknowledged=False)
        return payment_file.id


def login_payer(auth, name="Betty Betalare"):
    with auth.client.application.app_context():
        db.session.scalar(select(User).where(User.username == "betalare")).full_name = name
        db.session.commit()
    auth.login("betalare")


def download(auth, file_id, seen_date=PAYMENT_DATE, seen_downloads=0, headers=None, **form):
    page = f"/betalningar/filer/{file_id}"
    data = {"seen_date": seen_date.isoformat(), "seen_downloads": str(seen_downloads), **form}
    return auth.post(f"{page}/pain001.xml", data=data, headers=headers, token_from=page)


def redate(auth, file_id, new_date, seen_date=PAYMENT_DATE, headers=None):
    page = f"/betalningar/filer/{file_id}"
    data = {"seen_date": seen_date.isoformat(), "payment_date": new_date.isoformat()}
    return auth.post(f"{page}/betaldatum", data=data, headers=headers, token_from=page)


def stored(app, file_id):
    with app.app_context():
        payment_file = db.session.get(PaymentFile, file_id)
        payment_dates = {p.payment_date for p in payment_file.payments}
        execution_dates = re.findall(rb"<ReqdExctnDt>(?:<Dt>)?([\d-]+)", payment_file.xml)
        return payment_file.payment_date, payment_dates, set(execution_dates)


def audit_summaries(app, kind):
    with app.app_context():
        return [
            (e.actor, e.summary)
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.kind == kind).order_by(AuditEntry.id)
            )
        ]


def test_a_file_whose_date_has_passed_is_not_downloaded_with_that_date(
    app, client, auth, swedish_today
):
    file_id = attested_file(app)
    login_payer(auth)
    swedish_today.set(SATURDAY)
    response = download(auth, file_id)
    assert response.status_code == 302
    assert b"<?xml" not in response.data
    html = client.get(f"/betalningar/filer/{file_id}").get_data(as_text=True)
    assert "Betaldatum 2026-11-26 har passerat." in html
    assert "Ändra till 2026-11-30?" in html
    with app.app_context():
        assert db.session.get(PaymentFile, file_id).download_count == 0
    assert audit_summaries(app, "download") == []


def test_a_file_dated_on_a_day_that_is_no_longer_a_bank_day_offers_the_next_one(
    app, client, auth, swedish_today
):
    file_id = attested_file(app)
    with app.app_context():
        # Dated before the calendar knew julafton, as a file made by an earlier version was.
        db.session.get(PaymentFile, file_id).payment_date = CHRISTMAS_EVE
        db.session.commit()
    login_payer(auth)
    response = download(auth, file_id, seen_date=CHRISTMAS_EVE, headers=HTMX)
    assert response.status_code == 409
    assert "Betaldatum 2026-12-24 är inte en bankdag i Sverige." in response.get_data(as_text=True)
    html = client.get(f"/betalningar/filer/{file_id}").get_data(as_text=True)
    assert "Ändra till 2026-12-28?" in html


def test_re_dating_rebuilds_the_file_and_its_payments_and_is_audited(
    app, client, auth, swedish_today
):
    file_id = attested_file(app)
    with app.app_context():
        batches = {p.batch.external_id: p.batch.state for p in db.session.scalars(select(Payment))}
    login_payer(auth)
    swedish_today.set(SATURDAY)
    response = redate(auth, file_id, MONDAY, headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Betaldatum ändrat från 2026-11-26 till 2026-11-30." in html
    assert "Ladda ner betalfil för banken" in html
    assert stored(app, file_id) == (MONDAY, {MONDAY}, {b"2026-11-30"})
    [(actor, summary)] = audit_summaries(app, "redate")
    assert actor == "betalare"
    assert "från 2026-11-26 till 2026-11-30" in summary and "har passerat" in summary
    with app.app_context():
        # Inyett checked the payments with the date they had; nothing is sent to it again.
        after = {p.batch.external_id: p.batch.state for p in db.session.scalars(select(Payment))}
    assert after == batches
    response = download(auth, file_id, seen_date=MONDAY)
    assert response.status_code == 200
    assert b"2026-11-30" in response.data and b"2026-11-26" not in response.data


def test_a_re_date_to_a_day_the_bank_does_not_execute_is_refused(app, auth, swedish_today):
    file_id = attested_file(app)
    login_payer(auth)
    swedish_today.set(SATURDAY)
    refusals = {
        date(2026, 11, 26): "Betaldatum kan inte ligga bakåt i tiden.",
        date(2026, 11, 28): "2026-11-28 är inte en bankdag i Sverige. Närmaste bankdag är "
        "2026-11-30.",
        date(2027, 11, 29): "Betaldatum kan ligga högst ett år fram i tiden, senast 2027-11-28.",
    }
    for new_date, message in refusals.items():
        response = redate(auth, file_id, new_date, headers=HTMX)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert stored(app, file_id)[0] == PAYMENT_DATE
    assert audit_summaries(app, "redate") == []


def test_a_file_whose_date_still_holds_is_not_re_dated(app, auth):
    file_id = attested_file(app)
    login_payer(auth)
    response = redate(auth, file_id, MONDAY, headers=HTMX)
    assert response.status_code == 409
    assert "Betaldatum 2026-11-26 gäller fortfarande" in response.get_data(as_text=True)
    assert stored(app, file_id)[0] == PAYMENT_DATE


def test_a_re_date_from_a_page_that_showed_another_date_loses(app, auth, swedish_today):
    file_id = attested_file(app)
    login_payer(auth)
    swedish_today.set(SATURDAY)
    assert redate(auth, file_id, MONDAY).status_code == 302
    response = redate(auth, file_id, date(2026, 12, 1), headers=HTMX)
    assert response.status_code == 409
    assert "Betaldatum hann ändras till 2026-11-30" in response.get_data(as_text=True)
    assert stored(app, file_id)[0] == MONDAY
    # A download from a page still showing the old date does not get a file of another date.
    response = download(auth, file_id, seen_date=PAYMENT_DATE, headers=HTMX)
    assert response.status_code == 409
    assert b"<?xml" not in response.data


def test_after_a_download_the_pages_say_when_and_by_whom(app, client, auth):
    file_id = attested_file(app)
    login_payer(auth)
    assert download(auth, file_id).status_code == 200
    with app.app_context():
        when = db.session.get(PaymentFile, file_id).last_downloaded_at
    from inyett.formatting import local_datetime

    said = f"Nedladdad {local_datetime(when)} av Betty Betalare"
    assert said in client.get(f"/betalningar/filer/{file_id}").get_data(as_text=True)
    assert said in client.get("/betalningar/filer").get_data(as_text=True)


def test_a_second_download_needs_a_confirmation_naming_the_first(app, client, auth):
    file_id = attested_file(app)
    login_payer(auth)
    first = download(auth, file_id).data
    with app.app_context():
        from inyett.formatting import local_datetime

        when = local_datetime(db.session.get(PaymentFile, file_id).last_downloaded_at)
    warning = (
        f"Filen laddades ner {when} av Betty Betalare. Ladda ner igen bara om banken inte fick "
        "den; annars betalas fakturorna två gånger."
    )
    assert warning in client.get(f"/betalningar/filer/{file_id}").get_data(as_text=True)
    # The same page once more, as a second click or a second tab would send it.
    response = download(auth, file_id, headers=HTMX)
    assert response.status_code == 409
    assert warning in response.get_data(as_text=True)
    # Confirmed, but on a page that had not seen the first download: asked again.
    response = download(auth, file_id, headers=HTMX, confirmed_again="y")
    assert response.status_code == 409
    assert b"<?xml" not in response.data
    # Without the tick, from a page that did see it: refused.
    response = download(auth, file_id, seen_downloads=1, headers=HTMX)
    assert response.status_code == 409
    response = download(auth, file_id, seen_downloads=1, confirmed_again="y")
    assert response.status_code == 200
    assert response.data == first
    with app.app_context():
        payment_file = db.session.get(PaymentFile, file_id)
        assert payment_file.download_count == 2
    summaries = audit_summaries(app, "download")
    assert [actor for actor, _ in summaries] == ["betalare", "betalare"]
    assert (
        "gång 2" in summaries[1][1]
        and f"nedladdningen {when} av Betty Betalare" in (summaries[1][1])
    )


def test_betalfiler_shows_and_filters_the_files_not_yet_downloaded(app, client, auth):
    downloaded = attested_file(app)
    with app.app_context():
        waiting = answered_file().id
        names = {f.id: f.message_id for f in db.session.scalars(select(PaymentFile))}
    login_payer(auth)
    download(auth, downloaded)
    html = client.get("/betalningar/filer").get_data(as_text=True)
    assert "Ej nedladdad" in html and "Nedladdad " in html
    html = client.get("/betalningar/filer?visa=ej-nedladdade").get_data(as_text=True)
    assert names[waiting] in html and names[downloaded] not in html
    assert 'aria-current="page"' in html


def test_an_undo_after_a_re_date_it_did_not_see_builds_the_file_with_the_new_date(
    app, swedish_today
):
    swedish_today.set(SATURDAY)
    with app.app_context():
        activate_inyett(active=False)  # no batch to hold: nothing else reads the file again
        payment_file = create_file(add_invoices())
        mine = payment_file.payments[0]
        assert mine.payment_file.payment_date == PAYMENT_DATE  # as this user's page showed it
        with app.app_context():
            bank_delivery.redate(
                db.session.get(PaymentFile, payment_file.id),
                MONDAY,
                actor="admin",
                seen_date=PAYMENT_DATE,
            )
        undo_payment(mine, actor="betalare")
        file_id = payment_file.id
    day, payment_dates, execution_dates = stored(app, file_id)
    assert (day, payment_dates, execution_dates) == (MONDAY, {MONDAY}, {b"2026-11-30"})
