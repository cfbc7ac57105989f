from decimal import Decimal
from types import SimpleNamespace

import pytest

from inyett import simulator
from inyett import warning_texts

KEY = "sim-nyckel"
TEST_KEY = "sim-test-nyckel"
AUTH = {"Authorization": f"Bearer {KEY}"}
URL = "/3/SE/payment-control/batches"


@pytest.fixture
def sim():
    app = simulator.create_app(
        {
            "INYETT_SIMULATOR_API_KEY": KEY,
            "INYETT_SIMULATOR_TEST_API_KEY": TEST_KEY,
            "INYETT_SIMULATOR_ANALYSIS_SECONDS": "0",
        }
    )
    return app.test_client()


def tx(external_id, **fields):
    base = {
        "externalId": external_id,
        "amount": "1000.00",
        "currency": "SEK",
        "creditorAccountType": "BGNR",
        "creditorAccount": "50501055",
        "creditorOrgNr": "5560473521",
        "ocr": "1234567806",
        "paymentdate": "2026-11-26T00:00:00",
    }
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


def send(sim, batch_id, *transactions, debtor="55555551"):
    return sim.post(
        URL,
        headers=AUTH,
        json={"externalId": batch_id, "debtorAccount": debtor, "transactions": list(transactions)},
    )


def warnings(sim, batch_id):
    body = sim.get(f"{URL}/{batch_id}/warnings", headers=AUTH).get_json()
    return {t["externalId"]: [w["code"] for w in t["warnings"]] for t in body["transactions"]}


def test_keys_are_checked_per_environment(sim):
    assert sim.post(URL, json={}).status_code == 401
    assert sim.post(URL, headers={"Authorization": "Bearer fel"}, json={}).status_code == 401
    response = sim.get(f"/test{URL}/x/warnings", headers=AUTH)
    assert response.status_code == 403
    assert "test environment" in response.get_json()["message"]
    test_auth = {"Authorization": f"Bearer {TEST_KEY}"}
    assert sim.get(f"/test{URL}/x/warnings", headers=test_auth).status_code == 404


def test_create_duplicate_delete_and_unknown(sim):
    assert send(sim, "B1", tx("T1")).get_json() == {"code": 200, "externalBatchId": "B1"}
    assert send(sim, "B1", tx("T1")).status_code == 409
    assert sim.delete(f"{URL}/B1", headers=AUTH).status_code == 200
    assert sim.delete(f"{URL}/B1", headers=AUTH).status_code == 404
    assert sim.get(f"{URL}/B1/warnings", headers=AUTH).status_code == 404
    assert sim.get("/_simulator/batches").get_json()["production"][0]["deleted"] is True


@pytest.mark.parametrize(
    "bad",
    [
        tx("T", amount="1000"),
        tx("T", amount="10,00"),
        tx("T", currency="kr"),
        tx("T", creditorAccount=None),
    ],
)
def test_bad_transactions_get_400_with_the_field(sim, bad):
    response = send(sim, "B", bad)
    assert response.status_code == 400
    assert "transactions[0]" in response.get_json()["message"]


def test_pending_until_analysed():
    app = simulator.create_app(
        {"INYETT_SIMULATOR_API_KEY": KEY, "INYETT_SIMULATOR_ANALYSIS_SECONDS": "60"}
    )
    client = app.test_client()
    send(client, "B1", tx("T1"))
    body = client.get(f"{URL}/B1/warnings", headers=AUTH).get_json()
    assert body["status"] == "Pending" and body["transactions"] == []


def test_a_clean_payment_has_no_warnings(sim):
    send(sim, "B1", tx("T1"))
    assert warnings(sim, "B1") == {"T1": []}


@pytest.mark.parametrize(
    ("first", "second", "code"),
    [
        (tx("T1"), tx("T2"), "DuplicatePaymentSameDay"),
        (tx("T1"), tx("T2", paymentdate="2026-11-27T00:00:00"), "DuplicatePaymentDifferentDays"),
        (tx("T1"), tx("T2", amount="1050.00"), "DuplicatePaymentReminder"),
        (
            tx("T1"),
            tx("T2", creditorAccount="1609908", ocr=None, invoiceNr="X"),
            "DeviatingAccountPattern",
        ),
        (tx("T1"), tx("T2", amount="10000.01", ocr=None, invoiceNr="X"), "DeviatingAmountPattern"),
        (tx("T1", amount="20000.00"), tx("T2", ocr=None, invoiceNr="X"), "DeviatingAmountPattern"),
        (tx("T1"), tx("T2", currency="EUR", ocr=None, invoiceNr="X"), "DeviatingCurrencyPattern"),
    ],
)
def test_rules_comparing_with_earlier_batches(sim, first, second, code):
    send(sim, "B1", first)
    send(sim, "B2", second)
    assert code in warnings(sim, "B2")["T2"]


@pytest.mark.parametrize(
    ("transaction", "code"),
    [
        (tx("T", ocr="1234567807"), "InvalidPaymentNumber"),
        (tx("T", amount="100000.01"), "LimitAmount"),
        (tx("T", currency="USD"), "LimitCurrency"),
        (
            tx("T", creditorAccountType="BBAN", creditorAccount="50001234560", creditorOrgNr=None),
            "LimitPrivateBankAccount",
        ),
        (tx("T", creditorAccount="99999997"), "GiroInactive"),
        (tx("T", creditorOrgNr="5599999991"), "SwedishCompanyWarningList"),
        (tx("T", creditorOrgNr="999999980"), "NorwegianCompanyWarningList"),
        (tx("T", creditorAccountType="CASH", creditorAccount="-"), "LimitCash"),
        # Inyett knows the account other customers pay this payee to, and it is another one.
        (tx("T", creditorOrgNr="5561122333"), "DeviatingAccountPattern"),
    ],
)
def test_rules_on_the_payment_itself(sim, transaction, code):
    send(sim, "B1", transaction)
    assert warnings(sim, "B1")["T"] == [code]


def test_the_payment_that_breaks_a_payees_pattern_is_the_one_warned(sim):
    send(sim, "B1", tx("T1"))
    send(sim, "B2", tx("T2", amount="10000.00", ocr=None, invoiceNr="X"))
    send(sim, "B3", tx("T3", amount="50000.00", currency="EUR", ocr=None, invoiceNr="Y"))
    send(sim, "B4", tx("T4", creditorOrgNr="5561122333", creditorAccount="53501045"))
    assert warnings(sim, "B1") == {"T1": []}
    assert warnings(sim, "B2") == {"T2": []}  # ten times is still within the pattern
    assert warnings(sim, "B3") == {"T3": ["DeviatingCurrencyPattern"]}
    assert warnings(sim, "B4") == {"T4": []}


def test_deleted_batches_are_left_out_of_duplicate_checks(sim):
    send(sim, "B1", tx("T1"))
    sim.delete(f"{URL}/B1", headers=AUTH)
    send(sim, "B2", tx("T2"))
    assert warnings(sim, "B2") == {"T2": []}


def test_reset_forgets_everything(sim):
    send(sim, "B1", tx("T1"))
    sim.post("/_simulator/reset")
    assert sim.get("/_simulator/batches").get_json() == {"production": [], "test": []}


def set_faults(sim, **faults):
    response = sim.post("/_simulator/faults", json=faults)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def held_batches(sim):
    return {b["externalId"] for b in sim.get("/_simulator/batches").get_json()["production"]}


def test_server_errors_come_before_and_after_the_call_takes_effect(sim):
    set_faults(sim, error_rate=1, seed=7)
    answers = [send(sim, f"B{n}", tx(f"P{n}")).status_code for n in range(20)]
    assert set(answers) == {500}
    held = held_batches(sim)
    # The client cannot tell these apart, so the simulator must produce both.
    assert 0 < len(held) < 20


def test_rate_limiting_answers_429_with_retry_after_and_takes_no_effect(sim):
    set_faults(sim, rate_limit_rate=1, retry_after_seconds=3)
    response = send(sim, "B1", tx("P1"))
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "3"
    assert held_batches(sim) == set()


def test_a_dropped_connection_is_an_answer_cut_short(sim):
    set_faults(sim, drop_rate=1)
    response = send(sim, "B1", tx("P1"))
    assert response.headers["Connection"] == "close"
    assert int(response.headers["Content-Length"]) > len(response.get_data())


def test_a_slow_answer_comes_after_the_timeout_seconds(sim):
    set_faults(sim, timeout_rate=1, timeout_seconds=0.01, seed=1)
    answers = {send(sim, f"B{n}", tx(f"P{n}")).status_code for n in range(10)}
    assert answers == {200, 504}


def test_an_outage_answers_503_until_it_ends_and_reset_ends_it(sim):
    state = set_faults(sim, outage_seconds=60)
    assert 59 < state["outage_seconds"] <= 60
    assert send(sim, "B1", tx("P1")).status_code == 503
    assert sim.get("/_simulator/faults").get_json()["outage_seconds"] > 0
    sim.post("/_simulator/reset")
    assert send(sim, "B1", tx("P1")).status_code == 200


def test_create_calls_are_counted_per_batch_including_repeats(sim):
    send(sim, "B1", tx("P1"))
    assert send(sim, "B1", tx("P1")).status_code == 409
    [batch] = sim.get("/_simulator/batches").get_json()["production"]
    assert batch["createCalls"] == 2


@pytest.mark.parametrize(
    "faults",
    [{"error_rate": 2}, {"error_rate": "många"}, {"latency_ms": -1}, {"hacka": 1}, {"seed": True}],
)
def test_bad_fault_settings_are_refused(sim, faults):
    response = sim.post("/_simulator/faults", json=faults)
    assert response.status_code == 400
    assert sim.get("/_simulator/faults").get_json()["error_rate"] == 0


def test_faults_can_be_set_at_start():
    app = simulator.create_app(
        {"INYETT_SIMULATOR_API_KEY": KEY, "INYETT_SIMULATOR_ERROR_RATE": "1"}
    )
    assert send(app.test_client(), "B1", tx("P1")).status_code == 500


def test_the_amount_limit_warning_names_the_limit_and_the_list_says_it_in_swedish(sim):
    send(sim, "B1", tx("T", amount="150000.00"))
    body = sim.get(f"{URL}/B1/warnings", headers=AUTH).get_json()
    (limit,) = [w for w in body["transactions"][0]["warnings"] if w["code"] == "LimitAmount"]
    assert limit["description"] == "The amount is above the set limit of 100000.00."
    payment = SimpleNamespace(amount=Decimal("150000.00"), currency="SEK")
    assert warning_texts.describe(SimpleNamespace(**limit), payment).explanation == (
        "Beloppet 150\xa0000,00 SEK är över gränsen 100\xa0000,00 SEK."
    )
