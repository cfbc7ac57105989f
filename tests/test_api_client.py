import json
from datetime import UTC
from datetime import datetime

import pytest
import requests
import responses
from responses import matchers

from inyett import api_client
from inyett.api_client import InyettClient

BASE = "https://inyett.example"
KEY = "hemlig-nyckel-1234567890"
BATCHES = f"{BASE}/3/SE/payment-control/batches"
AUTH = {"Authorization": f"Bearer {KEY}"}
BATCH = {
    "externalId": "Ref-1",
    "debtorAccount": "55555551",
    "transactions": [
        {
            "externalId": "P1",
            "amount": "18450.00",
            "currency": "SEK",
            "creditorAccountType": "BGNR",
            "creditorAccount": "50501055",
        }
    ],
}


@pytest.fixture
def client():
    return InyettClient(BASE, KEY, timeout=3)


@responses.activate
def test_create_batch_posts_the_batch_with_the_key_in_the_auth_header(client):
    responses.post(
        BATCHES,
        json={"code": 200},
        match=[matchers.json_params_matcher(BATCH), matchers.header_matcher(AUTH)],
    )
    assert client.create_batch("SE", BATCH) is True
    call = responses.calls[0]
    assert call.request.method == "POST"
    assert json.loads(call.request.body) == BATCH


@responses.activate
def test_create_batch_that_inyett_already_has_counts_as_delivered(client):
    responses.post(BATCHES, status=409, json={"code": 409, "message": "Batch already exists"})
    assert client.create_batch("SE", BATCH) is False


@responses.activate
def test_the_status_for_a_batch_inyett_already_has_is_configurable():
    client = InyettClient(BASE, KEY, batch_exists_status=422)
    responses.post(BATCHES, status=422, json={"code": 422, "message": "Batch already exists"})
    assert client.create_batch("SE", BATCH) is False
    responses.post(BATCHES, status=409, json={"code": 409, "message": "Conflict"})
    with pytest.raises(api_client.RequestRejected):
        client.create_batch("SE", BATCH)


@responses.activate
def test_delete_batch_uses_delete_with_the_batch_id_in_the_path(client):
    responses.delete(f"{BATCHES}/Ref-1", json={"code": 200}, match=[matchers.header_matcher(AUTH)])
    client.delete_batch("SE", "Ref-1")
    assert responses.calls[0].request.method == "DELETE"


@responses.activate
def test_batch_ids_are_escaped_in_the_path(client):
    responses.delete(f"{BATCHES}/a%2Fb%20c", json={"code": 200})
    client.delete_batch("SE", "a/b c")
    assert responses.calls[0].request.url == f"{BATCHES}/a%2Fb%20c"


@responses.activate
def test_warnings_are_parsed_per_transaction(client):
    responses.get(
        f"{BATCHES}/Ref-1/warnings",
        json={
            "externalBatchId": "Ref-1",
            "status": "Analysed",
            "transactions": [
                {
                    "externalId": "P1",
                    "warnings": [
                        {
                            "code": "DuplicatePaymentSameDay",
                            "name": "Duplicate (Same day)",
                            "description": "A similar payment the same day",
                            "category": "Transaction",
                        }
                    ],
                },
                {"externalId": "P2", "warnings": []},
            ],
        },
        match=[matchers.header_matcher(AUTH)],
    )
    answer = client.get_warnings("SE", "Ref-1")
    assert answer.analysed
    assert [w.code for w in answer.transactions["P1"]] == ["DuplicatePaymentSameDay"]
    assert answer.transactions["P2"] == []


@responses.activate
def test_pending_analysis_is_not_analysed(client):
    responses.get(
        f"{BATCHES}/Ref-1/warnings",
        json={"externalBatchId": "Ref-1", "status": "Pending", "transactions": []},
    )
    assert client.get_warnings("SE", "Ref-1").analysed is False


@responses.activate
def test_a_warnings_answer_of_another_shape_is_an_error_not_a_crash(client):
    responses.get(f"{BATCHES}/Ref-1/warnings", json=["unexpected"])
    with pytest.raises(api_client.UnexpectedAnswer):
        client.get_warnings("SE", "Ref-1")


@responses.activate
def test_warnings_of_a_batch_inyett_does_not_have_raise_batch_not_found(client):
    responses.get(f"{BATCHES}/Ref-9/warnings", status=404, json={"code": 404})
    with pytest.raises(api_client.BatchNotFound, match="Batchen Ref-9 finns inte hos Inyett"):
        client.get_warnings("SE", "Ref-9")


@responses.activate
def test_deleting_a_batch_inyett_does_not_have_raises_batch_not_found(client):
    responses.delete(f"{BATCHES}/Ref-9", status=404, json={"code": 404})
    with pytest.raises(api_client.BatchNotFound) as raised:
        client.delete_batch("SE", "Ref-9")
    assert raised.value.batch_id == "Ref-9"
    assert not raised.value.retryable


@responses.activate
def test_check_connection_treats_404_for_the_made_up_batch_as_success(client):
    responses.get(
        f"{BATCHES}/{api_client.CONNECTION_TEST_BATCH_ID}/warnings",
        status=404,
        json={"code": 404},
        match=[matchers.header_matcher(AUTH)],
    )
    client.check_connection("SE")


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (401, api_client.KeyRefused, "godtog inte API-nyckeln"),
        (403, api_client.AccessDenied, "behörighet"),
        (500, api_client.ServerError, "tillfälligt fel (HTTP 500)"),
        (503, api_client.ServerError, "HTTP 503"),
        (400, api_client.RequestRejected, "avvisade anropet (HTTP 400): amount is invalid"),
    ],
)
@responses.activate
def test_http_errors_become_swedish_typed_errors_without_the_key(client, status, error, words):
    responses.post(BATCHES, status=status, json={"code": status, "message": "amount is invalid"})
    with pytest.raises(error) as raised:
        client.create_batch("SE", BATCH)
    assert words in str(raised.value)
    assert KEY not in str(raised.value)


@responses.activate
def test_403_on_the_test_environment_says_the_key_lacks_access_to_it():
    client = InyettClient(BASE, KEY, test_environment=True)
    responses.get(f"{BATCHES}/{api_client.CONNECTION_TEST_BATCH_ID}/warnings", status=403)
    with pytest.raises(api_client.AccessDenied, match="testmiljö"):
        client.check_connection("SE")


@responses.activate
def test_429_carries_retry_after(client):
    responses.post(BATCHES, status=429, headers={"Retry-After": "7"})
    with pytest.raises(api_client.RateLimited) as raised:
        client.create_batch("SE", BATCH)
    assert raised.value.retry_after == 7.0
    assert raised.value.retryable


def test_retry_after_as_an_http_date():
    now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
    assert api_client.retry_after_seconds("Tue, 24 Nov 2026 12:00:30 GMT", now) == 30.0
    assert api_client.retry_after_seconds("nonsense", now) is None


@responses.activate
def test_timeout_and_connection_errors_are_retryable_and_swedish(client):
    responses.post(BATCHES, body=requests.Timeout())
    with pytest.raises(api_client.TimedOut, match="tidsgränsen \\(3 sekunder\\)") as raised:
        client.create_batch("SE", BATCH)
    assert raised.value.retryable
    responses.replace(responses.POST, BATCHES, body=requests.ConnectionError("refused"))
    with pytest.raises(api_client.Unreachable, match="Inyett svarar inte"):
        client.create_batch("SE", BATCH)


def test_the_client_repr_does_not_show_the_key(client):
    assert KEY not in repr(client)


@responses.activate
def test_the_auth_header_name_and_scheme_are_configurable():
    client = InyettClient(BASE, KEY, auth_header="X-Api-Key", auth_scheme="")
    responses.post(BATCHES, json={"code": 200}, match=[matchers.header_matcher({"X-Api-Key": KEY})])
    client.create_batch("SE", BATCH)


@responses.activate
def test_the_api_version_is_part_of_the_path():
    client = InyettClient(BASE, KEY, api_version="2")
    responses.post(f"{BASE}/2/NO/payment-control/batches", json={"code": 200})
    client.create_batch("NO", BATCH)
