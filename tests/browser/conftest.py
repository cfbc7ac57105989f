from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from inyett import simulator
from tests.conftest import PASSWORD
from tests.live_server import live_app
from tests.live_server import serve

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Table rules axe files as experimental or best practice, so not under the tags: a cell without a
# header, or an empty header, leaves a screen reader naming nothing.
AXE_RULES = ["td-has-header", "empty-table-header"]
SIMULATOR_KEY = "browser-nyckel-123456"
ABORTED_BY_SYNC = {"htmx:sendAbort", "htmx:afterRequest"}
# As root, Debian's chromium needs --no-sandbox; the rest keeps it off the (closed) network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def simulator_url():
    app = simulator.create_app(
        {"INYETT_SIMULATOR_API_KEY": SIMULATOR_KEY, "INYETT_SIMULATOR_ANALYSIS_SECONDS": "1.5"}
    )
    with serve(app) as url:
        yield url


@pytest.fixture
def live(tmp_path, simulator_url):
    with live_app(tmp_path, simulator_url) as served:
        yield served


@pytest.fixture
def page(browser, live):
    """A fresh browser context (no shared cookies or storage) on the live app."""
    context = browser.new_context(base_url=live[1], viewport={"width": 1400, "height": 900})
    page = context.new_page()
    # Script errors and CSP violations; an HTTP 422 the page expects is not one, nor a row's
    # poll that a click in the row took the place of (hx-sync: htmx logs the aborted request
    # as these two events; a failed request logs htmx:responseError or htmx:sendError).
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text)
            if message.type == "error"
            and not message.text.startswith("Failed to load resource")
            and message.text not in ABORTED_BY_SYNC
            else None
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def login(page, username):
    page.goto("/logga-in")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def axe_violations(page):
    # Evaluated rather than added as a <script>: the app's CSP (rightly) refuses inline scripts.
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    found = []
    for run_only in ({"type": "tag", "values": AXE_TAGS}, {"type": "rule", "values": AXE_RULES}):
        results = page.evaluate("runOnly => axe.run(document, {runOnly})", run_only)
        found += [(v["id"], [n["target"] for n in v["nodes"]][:5]) for v in results["violations"]]
    return found
