"""Ersättare: during a period someone attests with the rights of a user who is away."""

import threading
from datetime import date
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.services import attest_rights
from inyett.services import attestation
from inyett.services import users
from inyett.services.attest_rights import RightRejected
from inyett.services.payments import PaymentRejected
from tests.conftest import PASSWORD
from tests.conftest import Auth
from tests.e2e.conftest import Browserless
from tests.live_server import serve
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
        swedish_today.set(START)  # a period that has ended cannot be set
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


def test_an_admin_names_a_substitute_on_anvandare(app, client, auth, swedish_today):
    swedish_today.set(START)
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


def test_a_substitute_borrows_nothing_from_an_owner_who_is_no_longer_an_attester(
    away, swedish_today
):
    # A payer attests "all companies" by default: that must not become the substitute's right.
    users.change_role(user("anna"), "payer", actor=user("admin"))
    assert (
        attestation.why_not_attestable(away, user("bo")) == "Över din attestgräns 1\xa0000,00 SEK."
    )
    with pytest.raises(PaymentRejected, match="Över din attestgräns"):
        attestation.attest(away, user=user("bo"), acknowledged=False)
    assert away.status == "awaiting_attest"


def test_a_payer_cannot_lend_rights_to_a_substitute(app):
    with app.app_context(), pytest.raises(RightRejected, match="betalare är inte attestant"):
        attest_rights.set_substitute(
            user("betalare"), user("attestant"), START, END, actor=user("admin")
        )


MINE = "/konto/ersattare"


def substitutes_page(client) -> str:
    return client.get(MINE).get_data(as_text=True)


def user_id(app, username: str) -> int:
    with app.app_context():
        return user(username).id


def audited(app, text: str) -> list[tuple[str, str]]:
    """The audit entries (who, what) whose summary contains `text`."""
    with app.app_context():
        return [
            (entry.actor, entry.summary)
            for entry in db.session.scalars(select(AuditEntry))
            if text in entry.summary
        ]


@pytest.mark.parametrize("username", ["attestant", "admin"])
def test_an_attester_or_admin_names_and_removes_their_own_substitute(app, auth, username):
    other = "admin" if username == "attestant" else "attestant"
    auth.login(username)
    assert "Du har ingen ersättare." in substitutes_page(auth.client)
    response = auth.post(
        MINE,
        {"substitute": user_id(app, other), "fran": "2026-12-21", "till": "2027-01-06"},
        token_from=MINE,
    )
    assert response.status_code == 302
    page = substitutes_page(auth.client)
    assert f"{other.capitalize()} är din ersättare 2026-12-21–2027-01-06." in page
    assert f"{other.capitalize()} ({other})</td>" in page
    assert "2026-12-21 – 2027-01-06" in page
    set_by = f"{other.capitalize()} ({other}) är ersättare för {username.capitalize()} ({username})"
    assert audited(app, set_by) == [(username, f"{set_by} 2026-12-21–2027-01-06")]

    # The substitute sees for whom they stand in.
    substitute = Auth(app.test_client())
    substitute.login(other)
    assert f"{username.capitalize()} ({username}) 2026-12-21 – 2027-01-06" in substitutes_page(
        substitute.client
    )

    with app.app_context():
        (substitution,) = attest_rights.substitutions_of(user(username))
    auth.post(f"{MINE}/{substitution.id}/ta-bort", token_from=MINE)
    assert "Ersättaren är borttagen." in substitutes_page(auth.client)
    with app.app_context():
        assert attest_rights.substitutions_of(user(username)) == []
    removed = f"{other} är inte längre ersättare för {username} 2026-12-21–2027-01-06"
    assert audited(app, removed) == [(username, removed)]
    # A second click finds it gone and says so.
    auth.post(f"{MINE}/{substitution.id}/ta-bort", token_from=MINE)
    assert "Ersättaren var redan borttagen." in substitutes_page(auth.client)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"fran": "2026-12-21", "till": "2026-12-20"},
            "Till och med kan inte vara före Från och med.",
        ),
        ({"substitute": "attestant"}, "Välj någon annan än dig själv som ersättare."),
        ({"substitute": "betalare"}, "betalare är inte attestant och kan inte vara ersättare"),
        (
            {"fran": "2026-11-01", "till": "2026-11-23"},
            "Perioden slutade 2026-11-23, före i dag (2026-11-24). Ange en period som inte redan",
        ),
        ({"substitute": 999}, "Användaren finns inte. Välj en ersättare i listan."),
        ({"substitute": str(10**40)}, "Välj en ersättare."),
        ({"substitute": ""}, "Välj en ersättare."),
        ({"fran": "21/12"}, "ska skrivas ÅÅÅÅ-MM-DD, t.ex. 2026-03-05."),
        ({"till": "2026-02-30"}, "2026-02-30 finns inte i kalendern."),
    ],
    ids=[
        "till before från",
        "oneself",
        "a payer",
        "past",
        "unknown id",
        "huge id",
        "none",
        "shape",
        "no such day",
    ],
)
def test_a_substitute_that_cannot_be_is_told_in_swedish_and_nothing_is_stored(
    app, auth, fields, message
):
    form = {"substitute": "admin", "fran": "2026-12-21", "till": "2027-01-06", **fields}
    if form["substitute"] in ("admin", "attestant", "betalare"):
        form["substitute"] = user_id(app, form["substitute"])
    auth.login("attestant")
    response = auth.post(MINE, form, token_from=MINE)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert attest_rights.substitutions_of(user("attestant")) == []
    assert audited(app, "är ersättare för") == []


@pytest.fixture
def annas_substitute(app):
    """Anna Attestant has Bo Ersättare as her substitute; the id of that substitution."""
    with app.app_context():
        users.create_user("anna", "attester", PASSWORD, "Anna Attestant")
        users.create_user("bo", "attester", PASSWORD, "Bo Ersättare")
        return attest_rights.set_substitute(
            user("anna"), user("bo"), date(2026, 12, 21), date(2027, 1, 6), actor=user("admin")
        ).id


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_nobody_removes_another_users_substitute_by_posting_its_id(
    app, auth, annas_substitute, htmx
):
    for username in ("attestant", "bo"):  # not even the substitute themself
        client = app.test_client()
        Auth(client).login(username)
        response = Auth(client).post(
            f"{MINE}/{annas_substitute}/ta-bort",
            headers={"HX-Request": "true"} if htmx else {},
            token_from=MINE,
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 403, username
        assert "Ersättaren hör till en annan användare och togs inte bort." in html
        assert "Du kan bara ta bort dina egna ersättare." in html
        assert ("<html" in html) is not htmx
    with app.app_context():
        assert [s.id for s in attest_rights.substitutions_of(user("anna"))] == [annas_substitute]
    assert audited(app, "inte längre ersättare") == []


def test_an_admin_cannot_remove_a_substitute_through_another_users_page(
    app, auth, annas_substitute
):
    auth.login("admin")
    page = f"/systeminstallningar/anvandare/{user_id(app, 'attestant')}"
    auth.post(f"{page}/ersattare/{annas_substitute}/ta-bort", token_from=page)
    html = auth.client.get(page).get_data(as_text=True)
    assert "Ersättaren hör till en annan användare och togs inte bort." in html
    with app.app_context():
        assert len(attest_rights.substitutions_of(user("anna"))) == 1


def test_a_payer_has_no_substitutes_page(app, auth):
    auth.login("betalare")
    assert "Mina ersättare" not in auth.client.get("/").get_data(as_text=True)
    for response in (
        auth.client.get(MINE),
        auth.post(MINE, {"substitute": user_id(app, "attestant"), "fran": "2026-12-21"}),
    ):
        assert response.status_code == 403
        assert "Du har inte behörighet till den här sidan." in response.get_data(as_text=True)
    with app.app_context():
        assert attest_rights.substitutions_of(user("betalare")) == []


def test_the_substitutes_page_is_linked_beside_ones_name(app, auth):
    auth.login("attestant")
    assert f'href="{MINE}">Mina ersättare</a>' in auth.client.get("/").get_data(as_text=True)


ROUNDS = 5


def test_a_double_click_on_lagg_till_ersattare_stores_the_substitute_once(app):
    """Both clicks' requests of one browser session, released together against the app served
    over HTTP: one stores the substitute, the other is told it is there already."""
    admin_id = user_id(app, "admin")
    with serve(app) as url:
        first_click = Browserless(url)
        first_click.login("attestant")
        second_click = requests.Session()
        second_click.cookies.update(first_click.session.cookies)
        for round_number in range(ROUNDS):
            day = (date(2026, 12, 1) + timedelta(days=round_number)).isoformat()
            form = {"substitute": admin_id, "fran": day, "till": day}
            form["csrf_token"] = first_click.token(MINE)
            start, answers = threading.Barrier(2), []

            def click(session, form=form, start=start, answers=answers):
                start.wait(timeout=30)
                answers.append(
                    session.post(url + MINE, data=form, allow_redirects=False, timeout=30)
                )

            threads = [
                threading.Thread(target=click, args=(session,))
                for session in (first_click.session, second_click)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert sorted(answer.status_code for answer in answers) == [302, 422]
            refused = next(answer for answer in answers if answer.status_code == 422)
            assert f"Admin är redan din ersättare {day}–{day}." in refused.text
        first_click.close()
        second_click.close()
    with app.app_context():
        assert len(attest_rights.substitutions_of(user("attestant"))) == ROUNDS
    assert len(audited(app, "är ersättare för Attestant")) == ROUNDS
