"""Attesting in volume: bulk attest with Inyett's warnings after one review, per-payment
outcomes and audit, and warnings that say what they mean (never Inyett's raw codes)."""

import threading

import pytest
import requests
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import Payment
from inyett.models import PaymentWarning
from inyett.models import User
from inyett.services import attestation
from inyett.services.attestation import Reviewed
from inyett.services.payments import PaymentRejected
from inyett.warning_texts import CATALOGUE
from tests.conftest import CSRF_PATTERN
from tests.conftest import PASSWORD
from tests.live_server import serve
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file
from tests.test_payment_views import row_of

HTMX = {"HX-Request": "true"}
CONFIRMATION = "Jag har granskat varningarna för de markerade betalningarna"


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def user(name):
    return db.session.scalar(select(User).where(User.username == name))


def warning(code, name="Inyett name", description="Inyett description"):
    return PaymentWarning(code=code, name=name, description=description, category="Transaction")


def answered(actor="betalare", warnings=None):
    """A file of four answered payments; `warnings` maps a payment's position to its codes."""
    activate_inyett()
    payment_file = create_file(add_invoices(), actor=actor)
    for number, payment in enumerate(payment_file.payments):
        payment.inyett_state = "answered"
        payment.warnings = [warning(code) for code in (warnings or {}).get(number, [])]
        payment.warning_count = len(payment.warnings)
    db.session.commit()
    return payment_file.payments


def as_reviewed(payments):
    return [Reviewed(p.id, p.version) for p in payments]


def attest_entries():
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.kind == "attest").order_by(AuditEntry.id)
    ).all()


# The service


def test_one_confirmation_attests_payments_with_warnings_and_each_is_audited_on_its_own(ctx):
    payments = answered(
        warnings={0: ["LimitAmount"], 2: ["GiroInactive", "DeviatingAmountPattern"]}
    )
    outcome = attestation.attest_reviewed(
        as_reviewed(payments), user=user("attestant"), acknowledged=True
    )
    assert outcome.refused == []
    assert [p.status for p in payments] == ["attested"] * 4
    assert [p.warnings_acknowledged for p in payments] == [True, False, True, False]
    entries = attest_entries()
    assert [e.actor for e in entries] == ["attestant"] * 4
    for payment, entry in zip(payments, entries, strict=True):
        assert payment.external_id in entry.summary
    assert entries[0].summary.endswith("; granskade varningarna: Beloppsgräns")
    assert entries[2].summary.endswith(
        "; granskade varningarna: Avregistrerat giro, Avvikande belopp"
    )
    assert "granskade" not in entries[1].summary
    assert not any(code in e.summary for e in entries for code in CATALOGUE)


def test_a_single_attest_audits_the_warnings_by_their_swedish_names(ctx):
    payment = answered(warnings={0: ["LimitAmount"]})[0]
    attestation.attest(payment, user=user("attestant"), acknowledged=True)
    assert attest_entries()[0].summary.endswith("; granskade varningarna: Beloppsgräns")


def test_without_the_confirmation_nothing_with_warnings_is_attested(ctx):
    payments = answered(warnings={1: ["LimitAmount"]})
    with pytest.raises(PaymentRejected, match=f"^Bekräfta: {CONFIRMATION}.$"):
        attestation.attest_reviewed(
            as_reviewed(payments), user=user("attestant"), acknowledged=False
        )
    assert {p.status for p in payments} == {"awaiting_attest"}
    # Payments without warnings need no confirmation.
    outcome = attestation.attest_reviewed(
        as_reviewed([payments[0], payments[2]]), user=user("attestant"), acknowledged=False
    )
    assert [p.status for p in outcome.attested] == ["attested", "attested"]


def test_nothing_selected_says_what_to_do(ctx):
    with pytest.raises(PaymentRejected, match="^Markera de betalningar som ska attesteras.$"):
        attestation.attest_reviewed([], user=user("attestant"), acknowledged=True)


def test_the_creators_own_payments_are_refused_one_by_one_and_the_others_attested(ctx):
    own = answered(actor="admin", warnings={0: ["LimitAmount"]})
    others = answered(actor="betalare")
    outcome = attestation.attest_reviewed(
        as_reviewed(own[:2] + others[:2]), user=user("admin"), acknowledged=True
    )
    assert outcome.attested == others[:2]
    assert [(p, reason) for p, reason in outcome.refused] == [
        (own[0], "Du skapade betalningen och kan inte attestera den själv."),
        (own[1], "Du skapade betalningen och kan inte attestera den själv."),
    ]
    assert [p.status for p in own[:2]] == ["awaiting_attest"] * 2
    assert len(attest_entries()) == 2


def test_a_payment_whose_answer_changed_after_the_review_is_not_attested(ctx):
    payments = answered(warnings={0: ["LimitAmount"]})
    reviewed = as_reviewed(payments[:2])
    with ctx.app_context():  # meanwhile: sent again, and Inyett now answers another warning
        changed = db.session.get(Payment, payments[1].id)
        changed.warnings = [warning("SwedishCompanyWarningList")]
        changed.warning_count = 1
        db.session.commit()
    outcome = attestation.attest_reviewed(reviewed, user=user("attestant"), acknowledged=True)
    assert outcome.attested == [payments[0]]
    assert outcome.refused == [
        (
            payments[1],
            "Betalningen har ändrats sedan du granskade den och attesterades inte. "
            "Raden visar nu hur den ser ut: granska den igen.",
        )
    ]
    assert payments[1].status == "awaiting_attest"


def test_a_payment_someone_else_attested_meanwhile_is_told_and_the_rest_go_through(ctx):
    payments = answered()
    reviewed = as_reviewed(payments)
    with ctx.app_context():
        attestation.attest(
            db.session.get(Payment, payments[2].id), user=user("admin"), acknowledged=False
        )
    outcome = attestation.attest_reviewed(reviewed, user=user("attestant"), acknowledged=True)
    assert outcome.attested == [payments[0], payments[1], payments[3]]
    assert outcome.refused == [(payments[2], "admin hann attestera betalningen före dig.")]
    assert [e.actor for e in attest_entries()] == ["admin"] + ["attestant"] * 3


# The views


def review_of(auth, client, ids):
    return client.get("/attest/granska-markerade", query_string={"payment_ids": ids}, headers=HTMX)


def reviewed_form(app, ids, acknowledged=True):
    with app.app_context():
        versions = [db.session.get(Payment, i).version for i in ids]
    form = {"reviewed": [f"{i}:{v}" for i, v in zip(ids, versions, strict=True)]}
    return {**form, "acknowledged": "y"} if acknowledged else form


def test_the_review_lists_each_selected_payment_with_its_warnings_and_one_confirmation(
    app, client, auth
):
    with app.app_context():
        ids = [p.id for p in answered(warnings={0: ["LimitAmount"], 1: ["UnheardOfCheck"]})]
    auth.login("attestant")
    response = review_of(auth, client, ids[:3])
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<dialog" in html and "Granska 3 markerade betalningar" in html
    for name in ("Skatteverket", "Plusgirobolaget AB", "Bankbolaget AB"):
        assert name in html
    assert "Iban AB" not in html  # not selected
    assert "Beloppsgräns" in html and "Inyett name" in html  # an unknown code: Inyett's words
    assert "LimitAmount" not in html and "UnheardOfCheck" not in html
    assert html.count(CONFIRMATION) == 1
    with app.app_context():
        versions = [db.session.get(Payment, i).version for i in ids[:3]]
    for payment_id, version in zip(ids, versions, strict=False):
        assert f'name="reviewed" value="{payment_id}:{version}"' in html
    assert "Attestera 3 betalningar" in html


def test_the_review_without_warnings_asks_no_confirmation_and_names_the_creators_rows(
    app, client, auth
):
    with app.app_context():
        own = [p.id for p in answered(actor="admin")]
    auth.login("admin")
    html = review_of(auth, client, own[:1]).get_data(as_text=True)
    assert CONFIRMATION not in html
    assert "Du skapade betalningen och kan inte attestera den själv." in html
    nothing = review_of(auth, client, [])
    assert nothing.status_code == 409
    assert "Markera de betalningar som ska attesteras." in nothing.get_data(as_text=True)


def test_bulk_attest_with_warnings_needs_the_confirmation_and_answers_per_row(app, client, auth):
    with app.app_context():
        ids = [p.id for p in answered(warnings={0: ["LimitAmount"]})]
    auth.login("attestant")
    form = reviewed_form(app, ids[:3], acknowledged=False)
    refused = auth.post("/attest/attestera-markerade", form, headers=HTMX, token_from="/attest")
    assert refused.status_code == 409
    assert f"Bekräfta: {CONFIRMATION}." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Payment, ids[0]).status == "awaiting_attest"
    done = auth.post(
        "/attest/attestera-markerade",
        reviewed_form(app, ids[:3]),
        headers=HTMX,
        token_from="/attest",
    )
    html = done.get_data(as_text=True)
    assert done.status_code == 200
    assert "3 betalningar attesterade." in html
    for payment_id in ids[:3]:
        row = row_of(html, payment_id)
        assert 'hx-swap-oob="outerHTML"' in row and "Attesterad" in row
    assert "varningar granskade" in row_of(html, ids[0])
    assert '<div id="bulk-review" hx-swap-oob="outerHTML"></div>' in html  # the dialog goes
    assert done.headers["HX-Trigger"] == "payment-changed"


def test_a_bulk_with_the_creators_own_row_refuses_it_on_its_row(app, client, auth):
    with app.app_context():
        own = [p.id for p in answered(actor="admin")]
        others = [p.id for p in answered()]
    auth.login("admin")
    response = auth.post(
        "/attest/attestera-markerade",
        reviewed_form(app, [own[0], others[0]]),
        headers=HTMX,
        token_from="/attest",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 betalning attesterad. 1 betalning attesterades inte: skälet står på raden." in html
    assert "Attesterad" in row_of(html, others[0])
    own_row = row_of(html, own[0])
    assert 'role="alert">Du skapade betalningen och kan inte attestera den själv.' in own_row


def test_a_malformed_review_is_a_bad_request(app, client, auth):
    auth.login("attestant")
    response = auth.post(
        "/attest/attestera-markerade",
        {"reviewed": ["1:x"], "acknowledged": "y"},
        headers=HTMX,
        token_from="/attest",
    )
    assert response.status_code == 400


def test_the_list_offers_select_all_and_a_bulk_bar_for_rows_with_warnings(app, client, auth):
    with app.app_context():
        ids = [p.id for p in answered(warnings={0: ["LimitAmount"]})]
    auth.login("attestant")
    html = client.get("/attest").get_data(as_text=True)
    assert 'aria-label="Markera alla på sidan"' in html
    assert 'class="bulk-bar"' in html and 'aria-live="polite"' in html
    assert "0 markerade" in html
    first = row_of(html, ids[0])
    assert f'name="payment_ids" value="{ids[0]}"' in first  # warnings no longer one at a time
    assert 'data-amount="18450.00" data-currency="SEK"' in first


# Warnings that say what they mean


def every_known_code_and_an_unknown_one(app):
    with app.app_context():
        payments = answered()
        codes = [*CATALOGUE, "PayeeBankrupt"]
        for number, code in enumerate(codes):
            payment = payments[number % 4]
            payment.warnings.append(warning(code, name=f"Inyett {number}"))
            payment.warning_count = len(payment.warnings)
        db.session.commit()
        attestation.attest(payments[3], user=user("attestant"), acknowledged=True)
        return payments[0].payment_file_id, [p.id for p in payments]


def test_no_page_shows_an_inyett_code_raw(app, client, auth):
    file_id, ids = every_known_code_and_an_unknown_one(app)
    auth.login("admin")
    pages = {
        "attest list": client.get("/attest").get_data(as_text=True),
        "attested": client.get("/attest?status=attesterade").get_data(as_text=True),
        "row": client.get(f"/attest/{ids[0]}", headers=HTMX).get_data(as_text=True),
        "review": review_of(auth, client, ids).get_data(as_text=True),
        "file page": client.get(f"/betalningar/filer/{file_id}").get_data(as_text=True),
        "Händelselogg": client.get("/systeminstallningar/logg").get_data(as_text=True),
    }
    assert "Avvikande konto" in pages["attest list"] and "Beloppsgräns" in pages["file page"]
    assert "Inyett 14" in pages["attest list"]  # the unknown code by Inyett's own name
    assert "granskade varningarna: Dubbelbetalning samma dag" in pages["Händelselogg"]
    for where, html in pages.items():
        for code in [*CATALOGUE, "PayeeBankrupt"]:
            assert code not in html, f"{code} on {where}"


def test_explanations_are_open_and_say_the_limit_inyett_names(app, client, auth):
    with app.app_context():
        payment = answered()[0]
        payment.warnings = [
            warning(
                "LimitAmount",
                description="The amount is above the set limit of 10000.00 SEK.",
            )
        ]
        payment.warning_count = 1
        db.session.commit()
        payment_id = payment.id
    auth.login("attestant")
    row = row_of(client.get("/attest").get_data(as_text=True), payment_id)
    assert "<details" not in row
    assert "Beloppet 18\xa0450,00 SEK är över gränsen 10\xa0000,00 SEK." in row


def test_a_duplicate_warning_links_to_our_other_payment(app, client, auth):
    with app.app_context():
        earlier = answered()
        later = answered()
        later[2].warnings = [warning("DuplicatePaymentDifferentDays")]
        later[2].warning_count = 1
        later[0].warnings = [warning("DuplicatePaymentSameDay")]  # theirs, not ours
        later[0].warning_count = 1
        earlier[0].status = "undone"
        db.session.commit()
        other = earlier[2]
        link = f'href="/betalningar/filer/{other.payment_file_id}#payment-{other.id}"'
        later_ids = [later[0].id, later[2].id]
    auth.login("attestant")
    html = client.get("/attest").get_data(as_text=True)
    assert link in row_of(html, later_ids[1])
    assert "Den andra betalningen: Bankbolaget AB" in row_of(html, later_ids[1])
    # An undone payment is not paid: no link to it.
    assert "Den andra betalningen" not in row_of(html, later_ids[0])
    assert link in client.get(f"/attest/{later_ids[1]}", headers=HTMX).get_data(as_text=True)


# Against a real server: a bulk attest and a single attest of the same payment at once


class Browser:
    def __init__(self, url, username):
        self.url, self.session = url, requests.Session()
        self.post("/logga-in", {"username": username, "password": PASSWORD}, "/logga-in")

    def post(self, path, data, form_page="/attest"):
        page = self.session.get(self.url + form_page, timeout=30).text
        match = CSRF_PATTERN.search(page)
        data = {**data, "csrf_token": match.group(1) or match.group(2)}
        return self.session.post(self.url + path, data=data, headers=HTMX, timeout=60)


def at_once(*requests_to_send):
    """Each (browser, path, data) sent from a thread of its own at the same instant."""
    ready, answers = threading.Barrier(len(requests_to_send)), {}

    def send(number, browser, path, data):
        ready.wait(timeout=30)
        answers[number] = browser.post(path, data, form_page="/")

    threads = [
        threading.Thread(target=send, args=(number, *request))
        for number, request in enumerate(requests_to_send)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [answers[number] for number in range(len(requests_to_send))]


def test_a_bulk_and_a_single_attest_at_once_attest_each_payment_once(app):
    with serve(app) as url:
        bulk, single = Browser(url, "admin"), Browser(url, "attestant")
        for round_number in range(6):
            with app.app_context():
                payments = answered(warnings={1: ["LimitAmount"]})
                ids = [p.id for p in payments]
                reviewed = [f"{p.id}:{p.version}" for p in payments]
            contested = ids[round_number % 4]
            single_form = {"version": reviewed[ids.index(contested)].split(":")[1]}
            if contested == ids[1]:
                single_form["acknowledged"] = "y"
            bulk_answer, single_answer = at_once(
                (bulk, "/attest/attestera-markerade", {"reviewed": reviewed, "acknowledged": "y"}),
                (single, f"/attest/{contested}/attestera", single_form),
            )
            with app.app_context():
                stored = {i: db.session.get(Payment, i) for i in ids}
                attested_by = {i: p.attested_by for i, p in stored.items()}
                mentions = db.session.scalars(
                    select(AuditEntry).where(
                        AuditEntry.kind == "attest",
                        AuditEntry.summary.contains(stored[contested].external_id),
                    )
                ).all()
            assert {p.status for p in stored.values()} == {"attested"}
            assert {attested_by[i] for i in ids if i != contested} == {"admin"}
            assert len(mentions) == 1, f"round {round_number}"
            if attested_by[contested] == "attestant":
                assert single_answer.status_code == 200
                bulk_row = row_of(bulk_answer.text, contested)
                assert "attestant hann attestera betalningen före dig." in bulk_row
                assert "3 betalningar attesterade. 1 betalning attesterades inte" in (
                    bulk_answer.text
                )
            else:
                assert single_answer.status_code == 409
                assert "admin hann attestera betalningen före dig." in single_answer.text
                assert "4 betalningar attesterade." in bulk_answer.text
