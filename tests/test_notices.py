"""E-mail notices, delivered to a real SMTP server (aiosmtpd) that the tests start on a free
port: who gets what, in Swedish, and that a mail server that is down neither blocks anything
nor loses a notice."""

import re
import socket
import threading
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
import responses
from aiosmtpd.controller import Controller
from sqlalchemy import select

from inyett.config import configuration_problems
from inyett.extensions import db
from inyett.formatting import STOCKHOLM
from inyett.models import Company
from inyett.models import InyettBatch
from inyett.models import Notice
from inyett.models import User
from inyett.models import utcnow
from inyett.services import attest_notices
from inyett.services import attest_rights
from inyett.services import attestation
from inyett.services import notices
from inyett.services import settings as settings_service
from inyett.services import users
from inyett.services.payments import undo_payment
from tests.conftest import INYETT_URL
from tests.conftest import PASSWORD
from tests.conftest import Auth
from tests.conftest import make_app
from tests.payments_helpers import activate_inyett
from tests.payments_helpers import add_company
from tests.payments_helpers import add_invoices
from tests.payments_helpers import create_file
from tests.payments_helpers import drain
from tests.payments_helpers import its_own_answer
from tests.payments_helpers import stored_batch_id
from tests.test_attest_rights import limit_attester
from tests.test_attestation import user

BATCHES = f"{INYETT_URL}/3/SE/payment-control/batches"
BASE_URL = "https://inyett.bolaget.se"
# What a subject must never show: the test invoices' amounts and every account number in play.
# Each must start a word, so a file name stamped with the clock (…-20261201234704-…) is not one.
AMOUNTS_AND_ACCOUNTS = re.compile(
    r"(?<![\w-])(?:18\s?450|999,50|1\s?234|0,10|50501055|5050-1055|1234566|50001234560|SE4550|"
    r"6000123456789|55555551|5555-5551)"
)


class Mailbox:
    """Collects what the SMTP server receives."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's name
        message = message_from_bytes(envelope.original_content, policy=default_policy)
        with self._lock:
            self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address: str) -> list:
        return [message for rcpts, message in self.messages if address in rcpts]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def mailbox(smtp_port):
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield box
    controller.stop()


def notices_app(tmp_path, port: int):
    app = make_app(
        tmp_path,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_TLS="none",
        SMTP_SENDER="inyett@bolaget.se",
        BASE_URL=BASE_URL,
    )
    with app.app_context():
        users.create_user("attestant2", "attester", PASSWORD, "Attestant Två")
        users.create_user("admin2", "admin", PASSWORD, "Admin Två")
        for user in db.session.scalars(select(User)):
            user.email = f"{user.username}@bolaget.se"
        db.session.scalar(select(User).where(User.username == "attestant2")).notices_enabled = False
        db.session.commit()
    return app


@pytest.fixture
def app(tmp_path, smtp_port):
    return notices_app(tmp_path, smtp_port)


def summary_sent_today(app) -> None:
    """Tests of other notices run at any hour: keep today's summary out of their mailbox."""
    app.extensions["inyett_summary_day"] = {
        "day": utcnow().astimezone(STOCKHOLM).date().isoformat()
    }


@pytest.fixture
def ctx(app):
    summary_sent_today(app)
    with app.app_context():
        yield app


def body(message) -> str:
    return message.get_content()


def answer_every_batch():
    """Inyett takes every batch and answers it without warnings; the outbox runs."""
    responses.post(BATCHES, json={"code": 200})
    for batch in db.session.scalars(select(InyettBatch)):
        responses.get(
            f"{BATCHES}/{stored_batch_id(batch.id)}/warnings", json=its_own_answer(batch.id)
        )
    drain()


@responses.activate
def test_attesters_are_told_once_when_inyett_has_answered_every_payment_of_a_file(ctx, mailbox):
    activate_inyett()
    payment_file = create_file(add_invoices())
    attest_notices.run_round()
    assert mailbox.messages == []  # Inyett has not answered yet

    answer_every_batch()
    assert attest_notices.run_round() == 3
    assert attest_notices.run_round() == 0

    recipients = sorted(rcpt for rcpts, _ in mailbox.messages for rcpt in rcpts)
    # Not the payer who made the file, not the attester who turned notices off; once each.
    assert recipients == ["admin2@bolaget.se", "admin@bolaget.se", "attestant@bolaget.se"]
    message = mailbox.to("attestant@bolaget.se")[0]
    assert message["Subject"] == "Betalningar att attestera: Testbolaget AB"
    assert message["From"] == "inyett@bolaget.se"
    text = body(message)
    assert f"Inyett har kontrollerat betalfil {payment_file.message_id} för Testbolaget AB" in text
    assert "4 betalningar väntar på attest" in text
    assert f"{BASE_URL}/attest?bolag={payment_file.company_id}&sortera=fil" in text
    for _rcpts, each in mailbox.messages:
        assert not AMOUNTS_AND_ACCOUNTS.search(each["Subject"])
        assert not AMOUNTS_AND_ACCOUNTS.search(body(each))


def test_the_rounds_wait_for_the_worker_and_never_talk_to_the_mail_server_in_a_request(
    ctx, mailbox
):
    # Inyett is off: the payments are attestable at once, but the mail goes only with a round.
    create_file(add_invoices())
    assert db.session.scalar(select(Notice.id)) is None  # found by the round, not the request
    attest_notices.run_round()
    assert len(mailbox.to("attestant@bolaget.se")) == 1


@responses.activate
def test_the_payer_and_the_admins_are_told_when_inyett_answers_fel(ctx, mailbox):
    activate_inyett()
    payment_file = create_file(add_invoices())
    responses.post(BATCHES, status=400, json={"code": 400, "message": "debtorAccount is bad"})
    drain()
    attest_notices.run_round()

    # Four batches failed: the payer hears once about the file, each admin once about the queue.
    payer_mail = mailbox.to("betalare@bolaget.se")
    assert len(payer_mail) == 1
    assert payer_mail[0]["Subject"] == "Fel hos Inyett: betalningar för Testbolaget AB"
    assert "Inyett kunde inte ta emot betalningar i betalfil" in body(payer_mail[0])
    assert f"{BASE_URL}/betalningar/filer/{payment_file.id}" in body(payer_mail[0])
    admin_mail = mailbox.to("admin@bolaget.se")
    assert [m["Subject"] for m in admin_mail] == ["Inyett-kön har batchar med Fel"]
    assert f"{BASE_URL}/systeminstallningar/inyett-ko" in body(admin_mail[0])
    assert len(mailbox.to("admin2@bolaget.se")) == 1
    assert mailbox.to("attestant@bolaget.se") == []  # nothing is ready for them


@responses.activate
def test_the_payer_is_told_when_an_undo_drops_their_payments_from_a_shared_batch(ctx, mailbox):
    activate_inyett(one_payment_per_batch=False)
    payment_file = create_file(add_invoices())
    answer_every_batch()
    attest_notices.run_round()
    mailbox.messages.clear()

    undo_payment(payment_file.payments[0], actor="attestant")
    attest_notices.run_round()

    mail = mailbox.to("betalare@bolaget.se")
    assert [m["Subject"] for m in mail] == ["Betalningar borttagna hos Inyett: Testbolaget AB"]
    text = body(mail[0])
    assert "När attestant ångrade betalningen till Skatteverket (faktura F-1001)" in text
    assert "3 betalningar i betalfil" in text
    assert "Borttagen hos Inyett" in text
    assert not AMOUNTS_AND_ACCOUNTS.search(text)


@responses.activate
def test_the_payer_who_undoes_is_not_told_what_the_confirmation_already_said(ctx, mailbox):
    activate_inyett(one_payment_per_batch=False)
    payment_file = create_file(add_invoices())
    answer_every_batch()
    undo_payment(payment_file.payments[0], actor="betalare")
    attest_notices.run_round()
    assert mailbox.to("betalare@bolaget.se") == []


def test_the_other_admins_are_told_when_the_connection_test_fails(ctx, mailbox):
    result = settings_service.test_connection(actor="admin")  # no API key saved
    assert not result.ok
    attest_notices.run_round()

    assert mailbox.to("admin@bolaget.se") == []  # saw it on the page
    (mail,) = mailbox.to("admin2@bolaget.se")
    assert mail["Subject"] == "Testa uppkoppling mot Inyett misslyckades"
    assert "admin testade uppkopplingen mot Inyett, och den fungerade inte" in body(mail)
    assert "Ingen API-nyckel är sparad" in body(mail)


def stockholm(hour: int, minute: int) -> datetime:
    # 2026-11-24 is in winter time: Stockholm is UTC+1.
    return datetime(2026, 11, 24, hour - 1, minute, tzinfo=UTC)


def test_each_attester_gets_one_summary_a_day_from_seven_oclock(ctx, app, mailbox):
    app.extensions.pop("inyett_summary_day")
    create_file(add_invoices())
    attest_notices.tell_about_ready_files(utcnow())  # the file's own notice, not the summary
    db.session.execute(Notice.__table__.delete())
    db.session.commit()

    attest_notices.send_daily_summaries(stockholm(6, 59))
    assert db.session.scalar(select(Notice.id)) is None
    attest_notices.send_daily_summaries(stockholm(7, 1))
    # A second process (its own memory of the day) writes no second summary either.
    app.extensions.pop("inyett_summary_day")
    attest_notices.send_daily_summaries(stockholm(9, 0))
    notices.deliver_due()

    (mail,) = mailbox.to("attestant@bolaget.se")
    assert mail["Subject"] == "Att attestera 2026-11-24: 4 betalningar"
    assert "4 betalningar väntar på din attest" in body(mail)
    assert f"- Testbolaget AB: 4 betalningar, {BASE_URL}/attest?bolag=1" in body(mail)
    assert mailbox.to("betalare@bolaget.se") == []  # no attester
    assert mailbox.to("attestant2@bolaget.se") == []  # turned off


def test_a_user_who_turns_notices_off_before_the_mail_goes_gets_none(ctx, mailbox):
    create_file(add_invoices())
    attest_notices.tell_about_ready_files(utcnow())
    attester = db.session.scalar(select(User).where(User.username == "attestant"))
    users.set_notices(attester, "attestant@bolaget.se", False, actor=attester)
    attest_notices.run_round()
    assert mailbox.to("attestant@bolaget.se") == []
    assert len(mailbox.to("admin@bolaget.se")) == 1


def test_a_dead_mail_server_blocks_no_attestation_and_loses_no_notice(tmp_path):
    port = free_port()  # nothing listens here
    app = notices_app(tmp_path, port)
    summary_sent_today(app)
    auth = Auth(app.test_client())
    with app.app_context():
        payment = create_file(add_invoices()).payments[0]
        payment_id = payment.id
        assert attest_notices.run_round() == 0
        waiting = db.session.scalars(select(Notice)).all()
        assert waiting and all(n.state == "pending" and n.attempts == 1 for n in waiting)
        assert "E-postservern svarade inte" in waiting[0].last_error

    auth.login("attestant")
    response = auth.post(f"/attest/{payment_id}/attestera", token_from="/attest")
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(type(payment), payment_id).status == "attested"

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with app.app_context():
            # Nothing before the back-off has passed, then everything once.
            assert attest_notices.run_round() == 0
            assert attest_notices.run_round(utcnow() + timedelta(hours=1)) == 3
            assert attest_notices.run_round(utcnow() + timedelta(hours=2)) == 0
    finally:
        controller.stop()
    assert len(box.to("attestant@bolaget.se")) == 1


@pytest.mark.parametrize("round_number", range(5))
def test_two_workers_at_once_send_each_notice_once(ctx, app, mailbox, round_number):
    everyone = notices.recipients()
    for number in range(10):
        notices.queue(everyone, "test", f"Avisering {round_number}-{number}", "Text")
    create_file(add_invoices())  # both find it ready: its three notices go once too
    expected = len(everyone) * 10 + 3
    barrier = threading.Barrier(2)
    sent = []

    def worker():
        with app.app_context():
            barrier.wait()
            try:
                sent.append(attest_notices.run_round())
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(sent) == expected
    delivered = [(tuple(rcpts), m["Subject"]) for rcpts, m in mailbox.messages]
    assert len(delivered) == expected == len(set(delivered))


def test_notices_are_off_until_a_mail_server_is_configured(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        create_file(add_invoices())
        attest_notices.run_round()
        assert db.session.scalar(select(Notice.id)) is None


def smtp_config(**changes):
    config = {
        "SMTP_HOST": "smtp.bolaget.se",
        "SMTP_TLS": "starttls",
        "SMTP_SENDER": "inyett@bolaget.se",
        "SMTP_USER": None,
        "SMTP_PASSWORD": None,
        "BASE_URL": BASE_URL,
    }
    return {**config, **changes}


def test_the_configuration_check_names_what_the_mail_settings_lack(app):
    config = {**app.config, **smtp_config()}
    assert configuration_problems(config) == []
    broken = {
        **app.config,
        **smtp_config(
            SMTP_TLS="tls", SMTP_SENDER="", SMTP_PASSWORD="hemligt-lösen", BASE_URL="inyett"
        ),
    }
    problems = configuration_problems(broken)
    assert any(p.startswith("SMTP_TLS är 'tls': ska vara none, starttls") for p in problems)
    assert any(p.startswith("SMTP_SENDER ska vara avsändaradressen") for p in problems)
    assert any(p.startswith("SMTP_USER och SMTP_PASSWORD ska anges båda") for p in problems)
    assert any(p.startswith("BASE_URL ska vara appens adress") for p in problems)
    assert not any("hemligt-lösen" in p for p in problems)
    assert configuration_problems({**app.config, "SMTP_HOST": None, "SMTP_TLS": "tls"}) == []


def test_an_admin_sets_a_users_address_and_turns_notices_off(app):
    auth = Auth(app.test_client())
    auth.login("admin")
    with app.app_context():
        attester_id = db.session.scalar(select(User.id).where(User.username == "attestant"))
    page = f"/systeminstallningar/anvandare/{attester_id}"
    response = auth.post(f"{page}/aviseringar", {"email": "karin.ek"}, token_from=page)
    assert response.status_code == 422
    assert "Skriv en e-postadress som karin.ek@bolaget.se." in response.get_data(as_text=True)

    response = auth.post(f"{page}/aviseringar", {"email": " karin.ek@bolaget.se "}, token_from=page)
    assert response.status_code == 302
    with app.app_context():
        attester = db.session.get(User, attester_id)
        assert (attester.email, attester.notices_enabled) == ("karin.ek@bolaget.se", False)
    assert "Aviseringar av för användaren attestant, till karin.ek@bolaget.se" in (
        auth.client.get("/systeminstallningar/logg").get_data(as_text=True)
    )


def test_cron_send_pending_sends_the_notices_too(app, mailbox):
    summary_sent_today(app)
    with app.app_context():
        create_file(add_invoices())
    result = app.test_cli_runner().invoke(args=["inyett", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "3 aviseringar skickade per e-post." in result.output
    assert len(mailbox.to("attestant@bolaget.se")) == 1


def test_every_user_turns_their_own_notices_on_and_off(app):
    auth = Auth(app.test_client())
    auth.login("betalare")
    page = auth.client.get("/konto/aviseringar").get_data(as_text=True)
    assert 'value="betalare@bolaget.se"' in page
    response = auth.post(
        "/konto/aviseringar", {"email": "betalare@bolaget.se"}, token_from="/konto/aviseringar"
    )
    assert response.status_code == 302
    assert "Dina aviseringar är sparade." in auth.client.get("/konto/aviseringar").get_data(
        as_text=True
    )
    with app.app_context():
        payer = db.session.scalar(select(User).where(User.username == "betalare"))
        assert payer.notices_enabled is False
    assert auth.post("/konto/aviseringar", {"email": "ingen adress"}).status_code == 422


def limited(username: str, max_amount: str | None = None, company_name="Testbolaget AB"):
    """Limit the user to one right in the named company (SEK), up to max_amount."""
    company = db.session.scalar(select(Company).where(Company.name == company_name))
    limit = None if max_amount is None else Decimal(max_amount)
    return limit_attester(company, "SEK", limit, username=username)


def test_a_ready_file_is_told_only_to_those_whose_rights_cover_a_payment_with_their_count(
    ctx, mailbox
):
    add_company("Andra bolaget AB", "2021005448")
    limited("attestant", company_name="Andra bolaget AB")  # no right in Testbolaget AB
    limited("admin2", "0.05")  # below every payment (the smallest is 0,10)
    limited("admin", "1000")  # covers 999,50 and 0,10 of the four
    db.session.commit()
    payment_file = create_file(add_invoices())
    attest_notices.run_round()

    told = {rcpts[0]: body(message) for rcpts, message in mailbox.messages}
    assert sorted(told) == ["admin@bolaget.se"]  # attestant2 attests all but turned notices off
    assert "2 betalningar väntar på attest" in told["admin@bolaget.se"]
    assert f"betalfil {payment_file.message_id} för Testbolaget AB" in told["admin@bolaget.se"]


def test_the_daily_summary_counts_only_what_each_person_may_attest(ctx, app, mailbox):
    app.extensions.pop("inyett_summary_day")
    add_company("Andra bolaget AB", "2021005448")
    limited("attestant", company_name="Andra bolaget AB")
    limited("admin2", "0.05")
    limited("admin", "1000")
    db.session.commit()
    create_file(add_invoices())
    attest_notices.tell_about_ready_files(utcnow())
    db.session.execute(Notice.__table__.delete())
    db.session.commit()

    attest_notices.send_daily_summaries(stockholm(7, 1))
    notices.deliver_due()

    assert sorted(rcpt for rcpts, _ in mailbox.messages for rcpt in rcpts) == ["admin@bolaget.se"]
    (mail,) = mailbox.to("admin@bolaget.se")
    assert mail["Subject"] == "Att attestera 2026-11-24: 2 betalningar"
    assert f"- Testbolaget AB: 2 betalningar, {BASE_URL}/attest?bolag=1" in body(mail)


def test_the_summary_leaves_out_a_payment_whose_first_of_two_attestations_was_theirs(
    ctx, app, mailbox
):
    app.extensions.pop("inyett_summary_day")
    company = db.session.scalar(select(Company).where(Company.name == "Testbolaget AB"))
    attest_rights.set_dual_limit(company, "SEK", Decimal("10000"), actor=user("admin"))
    large = create_file(add_invoices()).payments[0]  # 18 450,00 SEK: needs two
    attestation.attest(large, user=user("attestant"), acknowledged=False)
    attest_notices.send_daily_summaries(stockholm(7, 1))
    notices.deliver_due()

    assert "3 betalningar väntar på din attest" in body(mailbox.to("attestant@bolaget.se")[0])
    assert "4 betalningar väntar på din attest" in body(mailbox.to("admin@bolaget.se")[0])


@pytest.mark.parametrize(
    ("today", "told"),
    [
        (date(2026, 11, 19), False),
        (date(2026, 11, 20), True),
        (date(2026, 11, 24), True),
        (date(2026, 11, 25), False),
    ],
    ids=["day before", "first day", "last day", "day after"],
)
def test_a_substitute_is_told_with_the_owners_rights_only_during_the_period(
    ctx, mailbox, swedish_today, today, told
):
    users.create_user("bo", "attester", PASSWORD, "Bo Ersättare")
    bo = limit_attester(username="bo")  # no right at all of his own
    bo.email = "bo@bolaget.se"
    swedish_today.set(date(2026, 11, 19))
    attest_rights.set_substitute(
        user("attestant"), bo, date(2026, 11, 20), date(2026, 11, 24), actor=user("admin")
    )
    swedish_today.set(today)
    create_file(add_invoices())
    attest_notices.run_round()

    mail = mailbox.to("bo@bolaget.se")
    assert len(mail) == told
    if told:
        assert "4 betalningar väntar på attest" in body(mail[0])


def test_an_admin_who_made_the_file_is_not_told_about_it_nor_counts_it_in_the_summary(
    ctx, app, mailbox
):
    app.extensions.pop("inyett_summary_day")
    create_file(add_invoices(), actor="admin")  # an admin standing in for the payer
    create_file(add_invoices())  # the payer's
    attest_notices.tell_about_ready_files(utcnow())
    attest_notices.send_daily_summaries(stockholm(7, 1))
    notices.deliver_due()

    subjects = [mail["Subject"] for mail in mailbox.to("admin@bolaget.se")]
    assert subjects == [
        "Betalningar att attestera: Testbolaget AB",
        "Att attestera 2026-11-24: 4 betalningar",
    ]
    assert "8 betalningar väntar på din attest" in body(mailbox.to("admin2@bolaget.se")[-1])
