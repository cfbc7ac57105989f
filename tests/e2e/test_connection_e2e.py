import pytest

from tests.e2e.conftest import SIMULATOR_KEY

pytestmark = pytest.mark.e2e

PAGE = "/systeminstallningar/inyett-api"
TEST = "/systeminstallningar/inyett-api/testa-uppkoppling"
HTMX = {"HX-Request": "true"}


def save_key(client, key):
    form = {"api_key": key, "batch_reference": "E2E", "one_payment_per_batch": "y"}
    assert client.post(PAGE, form, token_from=PAGE).status_code == 200  # after the redirect


def run_connection_test(client):
    form = {"api_key": "", "batch_reference": "E2E", "one_payment_per_batch": "y"}
    return client.post(TEST, form, token_from=PAGE, headers=HTMX).text


def test_testa_uppkoppling_with_right_and_wrong_key_over_real_http(browserless):
    browserless.login("admin")
    save_key(browserless, SIMULATOR_KEY)
    assert "Uppkoppling OK!" in run_connection_test(browserless)
    save_key(browserless, "fel-nyckel-987654")
    answer = run_connection_test(browserless)
    assert "Inyett godtog inte API-nyckeln" in answer
    assert "fel-nyckel" not in answer


def test_testa_uppkoppling_when_inyett_is_down(tmp_path, browserless, live):
    app, _ = live
    app.config["API_URL"] = "http://127.0.0.1:9"  # nothing listens on the discard port
    browserless.login("admin")
    save_key(browserless, SIMULATOR_KEY)
    assert "Inyett svarar inte" in run_connection_test(browserless)
