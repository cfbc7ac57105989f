import re

import pytest
from sqlalchemy import func
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import AuditEntry
from inyett.models import User
from inyett.services import users
from inyett.services.users import UserRejected
from tests.conftest import PASSWORD
from tests.conftest import Auth

USERS = "/systeminstallningar/anvandare"
NEW_PASSWORD = "ett-helt-nytt-lösenord"


def user(username) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def user_id(app, username) -> int:
    with app.app_context():
        return user(username).id


def stored(app, username):
    with app.app_context():
        found = user(username)
        return None if found is None else (found.role, found.is_enabled, found.password_hash)


def audit_summaries(app, kind="user") -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (e.actor, e.summary)
            for e in db.session.scalars(
                select(AuditEntry).where(AuditEntry.kind == kind).order_by(AuditEntry.id)
            )
        ]


@pytest.fixture
def admin(client):
    auth = Auth(client)
    auth.login("admin")
    return auth


# The service


def test_the_last_enabled_admin_can_be_neither_demoted_nor_disabled(app):
    with app.app_context():
        admin, second = user("admin"), users.create_user("chef", "admin", PASSWORD, "Chef")
        users.set_enabled(second, False, actor=admin)
        # `second` is disabled, so `admin` is the only enabled admin left.
        with pytest.raises(UserRejected, match="den enda aktiva administratören"):
            users.change_role(admin, "payer", actor=second)
        with pytest.raises(UserRejected, match="den enda aktiva administratören"):
            users.set_enabled(admin, False, actor=second)
        assert users.change_role(second, "payer", actor=admin) is True
        assert (admin.role, admin.is_enabled) == ("admin", True)


def test_an_admin_cannot_demote_or_disable_themself_even_with_other_admins(app):
    with app.app_context():
        admin = user("admin")
        users.create_user("chef", "admin", PASSWORD, "Chef")
        with pytest.raises(UserRejected, match="din egen administratörsroll"):
            users.change_role(admin, "attester", actor=admin)
        with pytest.raises(UserRejected, match="stänga av dig själv"):
            users.set_enabled(admin, False, actor=admin)


@pytest.mark.parametrize(
    ("password", "message"),
    [("kort", "minst 10 tecken"), ("x" * 201, "högst 200 tecken")],
)
def test_a_new_password_follows_the_same_rules_as_a_new_user(app, password, message):
    with app.app_context():
        with pytest.raises(UserRejected, match=message):
            users.change_password(user("betalare"), password, actor=user("admin"))
        with pytest.raises(UserRejected, match=message):
            users.create_user("kalle", "payer", password, "Kalle")


def test_unchanged_role_or_status_changes_and_logs_nothing(app):
    with app.app_context():
        admin = user("admin")
        assert users.change_role(user("betalare"), "payer", actor=admin) is False
        assert users.set_enabled(user("betalare"), True, actor=admin) is False
    assert audit_summaries(app) == [
        ("system", "Användaren admin skapad med rollen Administratör"),
        ("system", "Användaren betalare skapad med rollen Betalningsansvarig"),
        ("system", "Användaren attestant skapad med rollen Attestant"),
    ]


# The pages


def test_the_users_page_lists_everyone_with_role_status_and_last_login(app, client, admin):
    with app.app_context():
        users.set_enabled(user("attestant"), False, actor=user("admin"))
    html = client.get(USERS).get_data(as_text=True)
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("</tr>")
    admin_row = next(row for row in rows if '<td data-label="Användarnamn">admin</td>' in row)
    attester_row = next(
        row for row in rows if '<td data-label="Användarnamn">attestant</td>' in row
    )
    assert "Administratör" in admin_row and "Aktiv" in admin_row and "aldrig" not in admin_row
    assert "Attestant" in attester_row and "Avstängd" in attester_row
    assert "aldrig" in attester_row
    assert 'aria-current="page">Användare</a>' in html


def test_an_admin_adds_a_user_who_can_then_log_in(app, client, admin):
    response = admin.post(
        USERS,
        {
            "username": " kalle ",
            "full_name": "Kalle Anka",
            "role": "attester",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
        token_from=USERS,
    )
    assert response.status_code == 302
    page = client.get(USERS).get_data(as_text=True)
    assert "Användaren kalle är skapad med rollen Attestant." in page
    assert "Kalle Anka" in page
    assert Auth(app.test_client()).login("kalle", NEW_PASSWORD).status_code == 302
    assert ("admin", "Användaren kalle skapad med rollen Attestant") in audit_summaries(app)
    with app.app_context():
        everything_logged = " ".join(db.session.scalars(select(AuditEntry.summary)))
    assert NEW_PASSWORD not in everything_logged


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"username": ""}, "Fyll i ett användarnamn."),
        ({"username": "admin"}, "Det finns redan en användare som heter admin."),
        ({"username": "x" * 200}, "Användarnamnet får ha högst 80 tecken; det här har 200."),
        ({"username": "BETALARE"}, "Det finns redan en användare som heter betalare."),
        ({"username": "Karin Ek"}, "Användarnamnet får inte innehålla mellanslag."),
        ({"username": "karin@ek"}, "bindestreck (-), inte @."),
        ({"username": "ka\u200brin"}, "Användarnamnet innehåller ett osynligt tecken"),
        ({"full_name": ""}, "Fyll i namnet, så att andra ser vem användaren är."),
        ({"username": "två\trader"}, "får inte innehålla tabb eller radbrytning"),
        ({"full_name": "N" * 121}, "Namnet får ha högst 120 tecken"),
        ({"role": "chef"}, "Välj en roll i listan."),
        ({"role": ""}, "Välj en roll."),
        ({"password": "kort", "password_again": "kort"}, "Lösenordet ska ha minst 10 tecken."),
        ({"password_again": "något-annat-lösenord"}, "Lösenorden är inte lika."),
        ({"password": "", "password_again": ""}, "Fyll i ett lösenord."),
    ],
)
def test_a_bad_new_user_is_a_swedish_message_and_nothing_is_created(
    app, client, admin, form, message
):
    data = {
        "username": "kalle",
        "full_name": "Kalle",
        "role": "payer",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
        **form,
    }
    response = admin.post(USERS, data, token_from=USERS)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert NEW_PASSWORD not in html
    assert stored(app, "kalle") is None
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 3  # only conftest's users


def test_every_problem_with_a_new_user_is_shown_at_once(app, client, admin):
    response = admin.post(
        USERS,
        {
            "username": "Betalare",
            "full_name": "",
            "role": "payer",
            "password": NEW_PASSWORD,
            "password_again": "något-annat-lösenord",
        },
        token_from=USERS,
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Det finns redan en användare som heter betalare." in html
    assert "Fyll i namnet" in html
    assert "Lösenorden är inte lika." in html
    assert html.count('class="field-error"') == 3


def test_usernames_are_one_user_in_any_case_and_the_list_is_alphabetical(app, client, admin):
    for username in ("Örjan", "Åsa", "Ärla", "Zeta"):
        with app.app_context():
            users.create_user(username, "payer", PASSWORD, username)
    with app.app_context():
        # Stored before usernames were lower-cased: still sorted among the others.
        db.session.add(User(username="Bertil", role="payer", full_name="B", password_hash="-"))
        db.session.commit()
    html = client.get(USERS).get_data(as_text=True)
    listed = re.findall(r'<td data-label="Användarnamn">([^<]+)</td>', html)
    assert listed == [
        "admin", "attestant", "Bertil", "betalare", "zeta", "åsa", "ärla", "örjan"
    ]  # fmt: skip
    assert Auth(app.test_client()).login("ÅSA").status_code == 302
    assert Auth(app.test_client()).login("BETALARE").status_code == 302


def test_an_admin_changes_a_role_and_the_user_sees_it_at_once(app, client, admin):
    payer = app.test_client()
    Auth(payer).login("betalare")
    assert payer.get("/attest").status_code == 403
    page = f"{USERS}/{user_id(app, 'betalare')}"
    response = admin.post(f"{page}/roll", {"role": "attester"}, token_from=page)
    assert response.status_code == 302
    assert "betalare har nu rollen Attestant." in client.get(page).get_data(as_text=True)
    assert payer.get("/attest").status_code == 200
    assert (
        "admin",
        "Användaren betalare har nu rollen Attestant (var Betalningsansvarig)",
    ) in audit_summaries(app)


def test_a_disabled_users_open_session_stops_at_the_next_request(app, client, admin):
    payer = app.test_client()
    Auth(payer).login("betalare")
    assert payer.get("/reskontra").status_code == 200
    page = f"{USERS}/{user_id(app, 'betalare')}"
    assert admin.post(f"{page}/stang-av", token_from=page).status_code == 302
    assert "betalare är avstängd" in client.get(page).get_data(as_text=True)

    htmx = payer.get("/reskontra", headers={"HX-Request": "true"})
    assert htmx.status_code == 401
    assert "Ditt konto har stängts av. Kontakta en administratör." in htmx.get_data(as_text=True)
    response = payer.get("/reskontra")
    assert response.status_code == 302
    login_page = payer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ditt konto har stängts av. Kontakta en administratör." in login_page
    assert "Logga in för att fortsätta." not in login_page
    # The right password is told the account is off; a guess learns nothing more than usual.
    again = Auth(app.test_client()).login("betalare")
    assert "Kontot är avstängt. Kontakta en administratör." in again.get_data(as_text=True)
    guess = Auth(app.test_client()).login("betalare", "fel-lösenord-123")
    assert "Fel användarnamn eller lösenord." in guess.get_data(as_text=True)
    assert "avstängt" not in guess.get_data(as_text=True)

    assert admin.post(f"{page}/aktivera", token_from=page).status_code == 302
    assert Auth(app.test_client()).login("betalare").status_code == 302
    assert audit_summaries(app)[-2:] == [
        ("admin", "Användaren betalare avstängd"),
        ("admin", "Användaren betalare aktiverad igen"),
    ]


def test_an_admin_cannot_disable_or_demote_themself_from_the_page(app, client, admin):
    page = f"{USERS}/{user_id(app, 'admin')}"
    html = client.get(page).get_data(as_text=True)
    assert "Det här är du." in html and "Stäng av admin" not in html
    before = stored(app, "admin")
    refused = admin.post(f"{page}/stang-av", token_from=page)
    assert "Du kan inte stänga av dig själv." in client.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    admin.post(f"{page}/roll", {"role": "payer"}, token_from=page)
    assert "Du kan inte ta bort din egen administratörsroll." in client.get(page).get_data(
        as_text=True
    )
    assert stored(app, "admin") == before
    assert client.get(USERS).status_code == 200


def test_with_two_admins_one_may_demote_the_other(app, client, admin):
    with app.app_context():
        users.create_user("chef", "admin", PASSWORD, "Chef")
    page = f"{USERS}/{user_id(app, 'chef')}"
    assert admin.post(f"{page}/roll", {"role": "payer"}, token_from=page).status_code == 302
    assert stored(app, "chef")[0] == "payer"


def test_an_admin_sets_a_new_password(app, client, admin):
    page = f"{USERS}/{user_id(app, 'betalare')}"
    mismatch = admin.post(
        f"{page}/losenord",
        {"password": NEW_PASSWORD, "password_again": "inte-samma-lösenord"},
        token_from=page,
    )
    assert mismatch.status_code == 422
    assert "Lösenorden är inte lika." in mismatch.get_data(as_text=True)
    short = admin.post(
        f"{page}/losenord", {"password": "kort", "password_again": "kort"}, token_from=page
    )
    assert "Lösenordet ska ha minst 10 tecken." in short.get_data(as_text=True)
    assert Auth(app.test_client()).login("betalare", PASSWORD).status_code == 302

    saved = admin.post(
        f"{page}/losenord",
        {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        token_from=page,
    )
    assert saved.status_code == 302
    assert Auth(app.test_client()).login("betalare", PASSWORD).status_code == 422
    assert Auth(app.test_client()).login("betalare", NEW_PASSWORD).status_code == 302
    assert ("admin", "Nytt lösenord satt för användaren betalare") in audit_summaries(app)
    with app.app_context():
        everything_logged = " ".join(db.session.scalars(select(AuditEntry.summary)))
    assert NEW_PASSWORD not in everything_logged


def test_the_edit_page_says_roll_once(app, client, admin):
    html = client.get(f"{USERS}/{user_id(app, 'betalare')}").get_data(as_text=True)
    form = html.split("/roll")[1].split("</form>")[0]
    assert "<h2>Roll</h2>" in form
    assert '<label class="visually-hidden" for="role">Roll</label>' in form


def test_an_unknown_user_is_a_404(client, admin):
    assert client.get(f"{USERS}/999").status_code == 404
    assert admin.post(f"{USERS}/999/stang-av", token_from=USERS).status_code == 404


@pytest.mark.parametrize("username", ["betalare", "attestant"])
def test_only_admins_reach_the_users_pages(app, username):
    client = app.test_client()
    Auth(client).login(username)
    assert client.get(USERS).status_code == 403
    assert Auth(client).post(f"{USERS}/1/stang-av").status_code == 403
    assert stored(app, "admin")[1] is True
