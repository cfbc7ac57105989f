"""Attesträtt: which companies and amounts an attester may attest, set by admins on Användare."""

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy import update

from inyett.extensions import db
from inyett.models import AttestRight
from inyett.models import AuditEntry
from inyett.models import Company
from inyett.models import Payment
from inyett.services import attest_rights
from inyett.services import attestation
from inyett.services import audit
from inyett.services.attest_rights import RightRejected
from inyett.services.payments import PaymentRejected
from tests.payments_helpers import add_company
from tests.test_attestation import HTMX
from tests.test_attestation import answered_file
from tests.test_attestation import many_answered_files
from tests.test_attestation import queries_for
from tests.test_attestation import user
from tests.test_payment_views import row_of

# answered_file's payments, in order: 18 450,00, 999,50, 1 234,00 and 0,10 SEK.
LARGE, SMALL, AT_LIMIT, TINY = range(4)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def the_test_company():
    return db.session.scalar(select(Company).where(Company.name == "Testbolaget AB"))


def limit_attester(company=None, currency="SEK", max_amount=None, username="attestant"):
    """Limit the user to their listed rights, giving them one if a company is named."""
    attester, admin = user(username), user("admin")
    attest_rights.set_all_companies(attester, False, actor=admin)
    if company is not None:
        attest_rights.grant(attester, company, currency, max_amount, actor=admin)
    return attester


def lower_every_limit_meanwhile(max_amount):
    """An admin's change committed by another connection while this session holds the rights
    it loaded before."""
    with db.engine.begin() as connection:
        connection.execute(update(AttestRight).values(max_amount=max_amount))


def audit_summaries(kind):
    return list(db.session.scalars(select(AuditEntry.summary).where(AuditEntry.kind == kind)))


def test_every_attester_attests_every_company_until_an_admin_limits_them(ctx):
    payments = answered_file().payments
    assert user("attestant").attests_all_companies
    attestation.attest(payments[LARGE], user=user("attestant"), acknowledged=False)
    assert payments[LARGE].status == "attested"


def test_a_payment_at_or_below_the_limit_is_attested_and_one_above_is_refused(ctx):
    payments = answered_file().payments
    attester = limit_attester(the_test_company(), "SEK", Decimal("1234.00"))
    assert attestation.why_not_attestable(payments[LARGE], attester) == (
        "Över din attestgräns 1\xa0234,00 SEK."
    )
    with pytest.raises(PaymentRejected, match="Över din attestgräns"):
        attestation.attest(payments[LARGE], user=attester, acknowledged=False)
    for index in (AT_LIMIT, SMALL):
        attestation.attest(payments[index], user=attester, acknowledged=False)
        assert payments[index].status == "attested"
    assert payments[LARGE].status == "awaiting_attest"


def test_a_right_without_a_limit_covers_any_amount_in_its_currency(ctx):
    payments = answered_file().payments
    attester = limit_attester(the_test_company(), "SEK", None)
    attestation.attest(payments[LARGE], user=attester, acknowledged=False)
    assert payments[LARGE].status == "attested"


def test_a_right_in_another_company_does_not_cover_this_one(ctx):
    payments = answered_file().payments
    other = add_company("Demo Eiendom AS", "5560473521")
    db.session.commit()
    attester = limit_attester(other, "SEK", None)
    assert attestation.why_not_attestable(payments[TINY], attester) == (
        "Du har ingen attesträtt för Testbolaget AB."
    )
    with pytest.raises(PaymentRejected, match="ingen attesträtt för Testbolaget AB"):
        attestation.attest(payments[TINY], user=attester, acknowledged=False)


def test_a_limit_is_per_currency_and_compared_in_the_payments_own_currency(ctx):
    payments = answered_file().payments
    attester = limit_attester(the_test_company(), "EUR", Decimal("1000.00"))
    assert attestation.why_not_attestable(payments[TINY], attester) == (
        "Du har ingen attesträtt för betalningar i SEK i Testbolaget AB."
    )
    # The same 999,50 in euro is within the euro limit, 1 234,00 in euro is not.
    for payment in payments:
        payment.currency = "EUR"
    db.session.commit()
    attestation.attest(payments[SMALL], user=attester, acknowledged=False)
    assert payments[SMALL].status == "attested"
    with pytest.raises(PaymentRejected, match="Över din attestgräns 1\xa0000,00 EUR"):
        attestation.attest(payments[AT_LIMIT], user=attester, acknowledged=False)


def test_a_limited_attester_with_no_rights_attests_nothing(ctx):
    payments = answered_file().payments
    attester = limit_attester()
    assert "ingen attesträtt" in attestation.why_not_attestable(payments[TINY], attester)


def test_the_database_checks_the_right_as_it_is_when_attesting(ctx):
    """An admin lowers the limit after the attester's page (and rights) were loaded: the attest
    UPDATE checks the stored right and refuses, with the new limit."""
    payments = answered_file().payments
    attester = limit_attester(the_test_company(), "SEK", None)
    assert attestation.why_not_attestable(payments[AT_LIMIT], attester) is None
    lower_every_limit_meanwhile(Decimal("100.00"))
    with pytest.raises(PaymentRejected, match="Över din attestgräns 100,00 SEK"):
        attestation.attest(payments[AT_LIMIT], user=attester, acknowledged=False)
    assert db.session.get(Payment, payments[AT_LIMIT].id).status == "awaiting_attest"
    assert not audit_summaries("attest")


def test_bulk_attest_refuses_each_payment_over_the_limit_on_its_own(ctx):
    payments = answered_file().payments
    attester = limit_attester(the_test_company(), "SEK", Decimal("1234.00"))
    reviewed = [attestation.Reviewed(p.id, p.version) for p in payments]
    outcome = attestation.attest_reviewed(reviewed, user=attester, acknowledged=True)
    assert sorted(p.id for p in outcome.attested) == sorted(
        payments[i].id for i in (SMALL, AT_LIMIT, TINY)
    )
    assert [(p.id, reason) for p, reason in outcome.refused] == [
        (payments[LARGE].id, "Över din attestgräns 1\xa0234,00 SEK.")
    ]


def test_bulk_attest_checks_the_stored_right_per_row(ctx):
    payments = answered_file().payments
    attester = limit_attester(the_test_company(), "SEK", None)
    assert attestation.why_not_attestable(payments[LARGE], attester) is None  # as the page had it
    lower_every_limit_meanwhile(Decimal("1000.00"))
    reviewed = [attestation.Reviewed(p.id, p.version) for p in payments]
    outcome = attestation.attest_reviewed(reviewed, user=attester, acknowledged=True)
    refused = {p.id: reason for p, reason in outcome.refused}
    assert refused == {
        payments[LARGE].id: "Över din attestgräns 1\xa0000,00 SEK.",
        payments[AT_LIMIT].id: "Över din attestgräns 1\xa0000,00 SEK.",
    }


def test_every_change_to_a_right_is_audited(ctx):
    company = the_test_company()
    attester, admin = user("attestant"), user("admin")
    attest_rights.set_all_companies(attester, False, actor=admin)
    attest_rights.grant(attester, company, "SEK", Decimal("50000"), actor=admin)
    right = attest_rights.grant(attester, company, "SEK", None, actor=admin)
    attest_rights.revoke(attester, right.id, actor=admin)
    assert audit_summaries("user")[-4:] == [
        "Användaren attestant attesterar nu bara enligt sina attesträtter",
        "Attesträtt för attestant: Testbolaget AB, SEK: högst 50\xa0000,00 SEK",
        "Attesträtt för attestant: Testbolaget AB, SEK: ingen beloppsgräns "
        "(var Testbolaget AB, SEK: högst 50\xa0000,00 SEK)",
        "Attesträtt borttagen för attestant: Testbolaget AB, SEK: ingen beloppsgräns",
    ]


def test_a_payer_cannot_be_given_attest_rights(ctx):
    with pytest.raises(RightRejected, match="inte attestant"):
        attest_rights.grant(user("betalare"), the_test_company(), "SEK", None, actor=user("admin"))


def test_the_row_shows_the_reason_instead_of_the_action(app, client, auth):
    with app.app_context():
        payments = answered_file().payments
        large, small = payments[LARGE].id, payments[SMALL].id
        limit_attester(the_test_company(), "SEK", Decimal("50000"))
        db.session.execute(update(AttestRight).values(max_amount=Decimal("1000.00")))
        db.session.commit()
    auth.login("attestant")
    html = client.get("/attest").get_data(as_text=True)
    assert "Över din attestgräns 1\xa0000,00 SEK." in row_of(html, large)
    assert f'hx-post="/attest/{large}/attestera"' not in html
    assert 'name="payment_ids"' not in row_of(html, large)
    assert f'hx-post="/attest/{small}/attestera"' in html
    response = auth.post(f"/attest/{large}/attestera", headers=HTMX, token_from="/attest")
    assert response.status_code == 409
    assert "Över din attestgräns" in response.get_data(as_text=True)


def test_a_limited_attesters_list_takes_as_many_queries_for_fifty_rows_as_for_two(
    app, client, auth
):
    # Each row without the attester's right asks whether someone they stand in for has it.
    with app.app_context():
        many_answered_files(files=1, invoices_per_file=2)
        limit_attester()
    auth.login("attestant")
    for_two = queries_for(app, client, "/attest")
    with app.app_context():
        many_answered_files(files=3, invoices_per_file=20)
    html = client.get("/attest").get_data(as_text=True)
    assert html.count("Du har ingen attesträtt för Testbolaget AB.") == 2 * 50  # title and text
    assert queries_for(app, client, "/attest") == for_two


def test_an_admin_sets_the_rights_on_anvandare(app, client, auth):
    with app.app_context():
        attester_id, company_id = user("attestant").id, the_test_company().id
    auth.login("admin")
    page = f"/systeminstallningar/anvandare/{attester_id}"
    assert "Alla bolag, utan beloppsgräns" in client.get(page).get_data(as_text=True)
    auth.post(f"{page}/attestratt/omfattning", {"scope": "listed"}, token_from=page)
    html = client.get(page).get_data(as_text=True)
    assert "har ingen attesträtt och kan inte attestera något" in html
    refused = auth.post(
        f"{page}/attestratt",
        {"company": company_id, "currency": "SEK", "max_amount": "1.000"},
        token_from=page,
    )
    assert refused.status_code == 422
    assert "kan läsas på två sätt" in refused.get_data(as_text=True)
    granted = auth.post(
        f"{page}/attestratt",
        {"company": company_id, "currency": "SEK", "max_amount": "50 000"},
        token_from=page,
    )
    assert granted.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "attestant har attesträtt för Testbolaget AB, SEK: högst 50\xa0000,00 SEK." in html
    with app.app_context():
        right = db.session.scalars(select(AttestRight)).one()
        assert (right.max_amount, right.currency) == (Decimal("50000.00"), "SEK")
        right_id = right.id
    auth.post(f"{page}/attestratt/{right_id}/ta-bort", token_from=page)
    with app.app_context():
        assert db.session.scalars(select(AttestRight)).all() == []


def test_the_audit_log_says_under_which_right_a_payment_was_attested(ctx):
    payments = answered_file().payments
    attestation.attest(payments[TINY], user=user("attestant"), acknowledged=False)
    attester = limit_attester(the_test_company(), "SEK", Decimal("1234.00"))
    attestation.attest(payments[AT_LIMIT], user=attester, acknowledged=False)
    first, second = audit_summaries("attest")
    assert first.endswith("; attesträtt: alla bolag utan beloppsgräns")
    assert second.endswith("; attesträtt: Testbolaget AB, SEK: högst 1\xa0234,00 SEK")


def trail_rows(response):
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return parsed(body.decode("utf-8-sig"))


def parsed(text):
    """The cells as Excel reads them with `;` between them."""
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_the_auditor_downloads_the_attestation_trail_for_a_date_range(app, client, auth):
    with app.app_context():
        payment_file = answered_file()
        first, second = payment_file.payments[0].id, payment_file.payments[1].id
    auth.login("attestant")
    for payment_id in (first, second):
        auth.post(
            f"/attest/{payment_id}/attestera", {"version": ""}, headers=HTMX, token_from="/attest"
        )
    auth.post("/logga-ut")
    auth.login("admin")
    response = client.get("/systeminstallningar/logg/attestspar.csv")
    assert response.mimetype == "text/csv"
    assert 'filename="attestspar.csv"' in response.headers["Content-Disposition"]
    rows = trail_rows(response)
    assert rows[0] == ["Tid", "Typ", "Användare", "Händelse"]
    assert [row[1:3] for row in rows[1:]] == [["Attest", "attestant"], ["Attest", "attestant"]]
    assert rows[1][3].startswith("Attesterade ")
    assert rows[1][3].endswith("; attesträtt: alla bolag utan beloppsgräns")
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.kind == "attest")).first()
        day = entry.at.date()
    before = client.get(
        "/systeminstallningar/logg/attestspar.csv",
        query_string={"fran": "2020-01-01", "till": str(day.replace(year=day.year - 1))},
    )
    assert trail_rows(before) == [["Tid", "Typ", "Användare", "Händelse"]]
    assert 'filename="attestspar-2020-01-01-' in before.headers["Content-Disposition"]


def test_cells_that_excel_would_run_as_a_formula_get_an_apostrophe(ctx):
    for actor in ("=SUM(A1)", "+1", "-1", "@A1", "\tx", "\rx", "anna"):
        db.session.add(AuditEntry(kind="attest", actor=actor, summary="Attesterade P-1"))
    db.session.commit()
    text = audit.attestation_trail_csv(None, None)
    actors = [row[2] for row in parsed(text.removeprefix("\ufeff"))[1:]]
    assert actors == ["'=SUM(A1)", "'+1", "'-1", "'@A1", "'\tx", "'\rx", "anna"]


def test_a_bad_date_range_is_told_not_downloaded(app, client, auth):
    auth.login("admin")
    response = client.get(
        "/systeminstallningar/logg/attestspar.csv",
        query_string={"fran": "2026-03-05", "till": "2026-03-01"},
    )
    assert response.status_code == 422
    assert "Till och med kan inte vara före Från och med." in response.get_data(as_text=True)
