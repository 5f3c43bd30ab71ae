"""The public pages in a real Chromium: a prospect who makes a mistake recovers with the keyboard
alone and keeps their CV, and axe-core finds no accessibility violation on any public page.

Uses the browser of test_browser.py (Debian's Chromium through Playwright); axe-core is the copy
bundled with axe-playwright-python (no download). Refreshes docs/screenshots/intake-errors.png.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from leads.models import Lead
from leads.tests.browser import screenshot
from leads.tests.files import make_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CV = make_pdf("Intensive care nursing, Lagos University Teaching Hospital")


def focused(page):
    """The focused element: its id, or its class if it has no id."""
    return page.evaluate("document.activeElement.id || document.activeElement.className")


def tab_to(page, element_id, most=30):
    for _ in range(most):
        page.keyboard.press("Tab")
        if focused(page) == element_id:
            return
    raise AssertionError(f"#{element_id} never got the focus (last: {focused(page)!r})")


def assert_accessible(page, what):
    results = Axe().run(page)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def test_a_prospect_recovers_from_a_mistake_with_the_keyboard_alone(live_server, page):
    page.goto(live_server.url + "/")
    assert_accessible(page, "the intake form")
    tab_to(page, "id_first_name")
    page.keyboard.type("Amara")
    page.keyboard.press("Tab")
    page.keyboard.type("Okafor")
    page.keyboard.press("Tab")
    page.keyboard.type("amara.okafor@example")  # no top-level domain: a mistake
    tab_to(page, "id_cv")
    # Choosing the file opens the system's dialog, which is not the page's: set it directly.
    page.locator("#id_cv").set_input_files(
        files=[{"name": "amara-cv.pdf", "mimeType": "application/pdf", "buffer": CV}]
    )
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Send my information"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # Back with an error: the title says so, the summary has the focus and names the field.
    assert page.title().startswith("Error: ")
    assert focused(page) == "error-summary"
    assert page.locator(".held-cv").inner_text().startswith("Attached: amara-cv.pdf")
    assert page.locator("#id_first_name").input_value() == "Amara"
    assert_accessible(page, "the intake form with errors")
    screenshot(page, "intake-errors")

    page.keyboard.press("Tab")  # the summary's first link
    assert "Email" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    assert focused(page) == "id_email"
    page.keyboard.press("End")
    page.keyboard.type(".com")
    page.keyboard.press("Enter")  # submits the form

    page.wait_for_url(re.compile(r"/thanks/(#id_email)?$"))  # the browser keeps the anchor
    assert "amara.okafor@example.com" in page.locator("main").inner_text()
    assert_accessible(page, "the thank-you page")
    lead = Lead.objects.get()
    assert lead.email == "amara.okafor@example.com"
    assert lead.cv.read() == CV  # the CV chosen before the mistake


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/no-such-page/", "/leads/"], ids=["sign-in", "404", "redirect"]
)
def test_the_other_public_pages_are_accessible(live_server, page, path):
    page.goto(live_server.url + path)
    assert_accessible(page, path)
