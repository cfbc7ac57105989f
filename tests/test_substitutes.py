"""Ersättare: during a period someone attests with the rights of a user who is away."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.services import attest_rights
from inyett.services import attestation
from inyett.services import users
from inyett.services.attest_rights import RightRejected
from inyett.services.payments import PaymentRejected
from tests.conftest import PASSWORD
from tests.test_attest_rights import the_test_company
from tests.test_attestation import answered_file
from tests.test_attestation import user

START, END = date(2026, 7, 1), date(2026, 7, 21)
LARGE = 0  # 18 450,00 SEK


@pytest.fixture
def away(app, swedish_today):
    """Anna Attestant may attest any amount in Testbolaget AB; Bo Ersättare only up to 1 000
    SEK, and stands in for Anna 2026-07-01–2026-07-21."""
    with app.app_context():
        admin = user("admin")
        users.create_user("anna", "attester", PASSWORD, "Anna Attestant")
        users.create_user("bo", "attester", PASSWORD, "Bo Ersättare")
        attest_rights.set_all_companies(user("bo"), False, actor=admin)
        attest_rights.grant(user("bo"), the_test_company(), "SEK", Decimal("1000"), actor=admin)
        attest_rights.set_substitute(user("anna"), user("bo"), START, END, actor=admin)
        yield answered_file().payments[LARGE]


@pytest.mark.parametrize("today", [START, END], ids=["first day", "last day"])
def test_the_substitute_attests_with_the_owners_rights_during_the_period(
    away, swedish_today, today
):
    swedish_today.set(today)
    attestation.attest(away, user=user("bo"), acknowledged=False)
    assert away.status == "attested"
    summary = db.session.scalars(
        select(AuditEntry.summary).where(AuditEntry.kind == "attest")
    ).one()
    assert summary.endswith(
        "; attesträtt: alla bolag utan beloppsgräns, attesterad av Bo Ersättare för Anna Attestant"
    )


@pytest.mark.parametrize(
    "today", [date(2026, 6, 30), date(2026, 7, 22)], ids=["day before", "day after"]
)
def test_outside_the_period_only_the_substitutes_own_rights_count(away, swedish_today, today):
    swedish_today.set(today)
    assert attestation.why_not_attestable(away, user("bo")) == (
        "Över din attestgräns 1\xa0000,00 SEK."
    )
    with pytest.raises(PaymentRejected, match="Över din attestgräns"):
        attestation.attest(away, user=user("bo"), acknowledged=False)


def test_a_payer_cannot_be_a_substitute_for_attestation(app):
    with app.app_context(), pytest.raises(RightRejected, match="inte attestant"):
        attest_rights.set_substitute(
            user("attestant"), user("betalare"), START, END, actor=user("admin")
        )


def test_an_admin_names_a_substitute_on_anvandare(app, client, auth):
    with app.app_context():
        owner_id, substitute_id = user("attestant").id, user("admin").id
    auth.login("admin")
    page = f"/systeminstallningar/anvandare/{owner_id}"
    refused = auth.post(
        f"{page}/ersattare",
        {"substitute": substitute_id, "fran": "2026-07-21", "till": "2026-07-01"},
        token_from=page,
    )
    assert refused.status_code == 422
    assert "Till och med kan inte vara före Från och med." in refused.get_data(as_text=True)
    auth.post(
        f"{page}/ersattare",
        {"substitute": substitute_id, "fran": "2026-07-01", "till": "2026-07-21"},
        token_from=page,
    )
    html = client.get(page).get_data(as_text=True)
    assert "admin är ersättare för attestant." in html
    assert "2026-07-01 – 2026-07-21" in html
    with app.app_context():
        assert attest_rights.substitutions_of(user("attestant"))[0].substitute.username == "admin"
        substitution_id = attest_rights.substitutions_of(user("attestant"))[0].id
    auth.post(f"{page}/ersattare/{substitution_id}/ta-bort", token_from=page)
    with app.app_context():
        assert attest_rights.substitutions_of(user("attestant")) == []
