import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_attest_browser import payments_in_file
from tests.browser.test_attest_browser import row

pytestmark = pytest.mark.browser


def test_a_waiting_rows_polls_are_marked_automatic_and_a_click_in_it_is_not(page, live):
    ids = payments_in_file(live, wait_for_answers=False)
    login(page, "attestant")
    marks = {}
    page.on(
        "request",
        lambda request: marks.setdefault(request.url, request.headers.get("x-inyett-poll")),
    )
    page.goto("/attest")
    expect(row(page, ids[0])).to_contain_text("Väntar på svar från Inyett")
    with page.expect_request(lambda request: request.url.endswith(f"/attest/{ids[0]}")):
        pass  # the row asks for itself within 2 s
    row(page, ids[0]).get_by_role("button", name="Ångra").click()
    expect(page.get_by_role("button", name="Ja, ångra")).to_be_visible()
    base = live[1]
    assert marks[f"{base}/attest/{ids[0]}"] == "true"
    assert marks[f"{base}/attest/{ids[0]}/angra"] is None
    assert marks[f"{base}/attest"] is None
    assert page.console_errors == []
