"""Every page at every width and by keyboard: actions in view, reflow at 320 px (400 % zoom),
focus and announcements after htmx swaps, the undo dialog, and axe-core's WCAG 2.2 A/AA."""

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from inyett.extensions import db
from inyett.models import Payment
from inyett.models import User
from tests.browser.conftest import login
from tests.browser.test_attest_browser import payments_in_file
from tests.browser.test_attest_browser import row

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIZES = {
    "small-laptop": (1280, 800),
    "laptop": (1366, 768),
    "desktop": (1920, 1080),
    "phone": (390, 844),
}
# 1280 CSS px at 400 % zoom is a 320 px wide viewport (WCAG 1.4.10 Reflow).
ZOOMED = (320, 640)

# Whatever scrolls sideways, the page or a box inside it: a table scrolling in its panel hides
# its last column just as well.
SIDEWAYS_SCROLLERS = """() => {
  const over = [];
  if (document.documentElement.scrollWidth > window.innerWidth) over.push("html");
  for (const el of document.querySelectorAll("body *")) {
    const style = getComputedStyle(el);
    if (["auto", "scroll"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      over.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + el.className);
    }
  }
  return over;
}"""


def resize(page, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})


def assert_in_view_without_scrolling(page, locator):
    box = locator.bounding_box()
    assert box is not None, locator
    width = page.evaluate("window.innerWidth")
    assert 0 <= box["x"] and box["x"] + box["width"] <= width, (box, width)


def assert_no_sideways_scroll(page):
    assert page.evaluate(SIDEWAYS_SCROLLERS) == [], page.url


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        (v["id"], [node["target"] for node in v["nodes"]][:5]) for v in results["violations"]
    ]


def assert_accessible(page):
    assert axe_violations(page) == [], page.url


def first_and_last(page):
    rows = page.locator("#payment-list tr.payment-row")
    return rows.first, rows.last


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_attest_and_undo_of_the_first_and_last_rows_are_in_view(page, live, size):
    payments_in_file(live, warned=True)
    resize(page, size)
    login(page, "attestant")
    page.goto("/attest")
    for payment_row in first_and_last(page):
        for name in ("Attestera", "Ångra"):
            assert_in_view_without_scrolling(page, payment_row.get_by_role("button", name=name))
    assert_no_sideways_scroll(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"attest-{size[0]}x{size[1]}.png", full_page=True)


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_the_status_of_every_payment_file_is_in_view(page, live, size):
    payments_in_file(live)
    resize(page, size)
    login(page, "betalare")
    page.goto("/betalningar/filer")
    assert_in_view_without_scrolling(page, page.locator("tbody td[data-label=Status]").last)
    assert_no_sideways_scroll(page)
    page.locator("tbody a").first.click()
    assert_in_view_without_scrolling(page, page.get_by_role("button", name="Ångra").last)
    assert_no_sideways_scroll(page)
