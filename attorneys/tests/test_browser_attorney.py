"""The attorneys' pages in a real Chromium, on a laptop and on a phone: the journey through the
list with the keyboard (tabs, sort, pages, bulk change, the way back from a lead), no sideways
scrolling at 390 px, and no axe-core violation on any attorney page.

Uses the browser of test_browser.py (Debian's Chromium through Playwright). Refreshes
docs/screenshots/attorney-list-phone.png.
"""

import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Permission
from django.utils import timezone

from leads import lifecycle
from leads.models import Activity, Lead
from leads.tests.browser import SCREENSHOTS
from leads.tests.factories import PASSWORD, AttorneyFactory, LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def sign_in(page, live_server):
    attorney = AttorneyFactory(username="attorney@firm.example", first_name="Alex")
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(attorney.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    return attorney


def make_leads(attorney):
    now = timezone.now()
    for n in range(60):
        lead = LeadFactory(
            first_name=f"Prospect{n:02d}",
            last_name=f"Surname{59 - n:02d}",
            email=f"a.rather.long.address.{n:02d}@an-immigration-client-domain.example",
            created_at=now - datetime.timedelta(days=n // 4, hours=n),
        )
        if n % 3 == 0:
            lifecycle.move_lead(
                lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
            )


def assert_fits_and_accessible(page, what):
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{what} scrolls"
    results = Axe().run(page)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def press(page, locator):
    """Reach a control by keyboard focus and press Enter on it, as a keyboard user would."""
    locator.focus()
    page.keyboard.press("Enter")


@pytest.mark.parametrize("size", SIZES)
def test_the_attorney_journey_at_both_sizes(live_server, page, size):
    page.set_viewport_size(SIZES[size])
    attorney = sign_in(page, live_server)
    make_leads(attorney)

    page.goto(live_server.url + "/dashboard/")
    assert_fits_and_accessible(page, f"dashboard, {size}")

    page.goto(live_server.url + "/leads/")
    assert_fits_and_accessible(page, f"list, {size}")
    # Three key presses to the first lead (it took 20 Tabs): the list's own skip link.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "first-lead"
    if size == "phone":  # what fits on the screen, for the README
        page.screenshot(path=SCREENSHOTS / "attorney-list-phone.png")

    # On a phone the choices are folded behind one button; on a laptop they show.
    pending_tab = page.get_by_role("link", name=re.compile(r"^Pending \d+"))
    if size == "phone":
        assert not pending_tab.is_visible()
        press(page, page.get_by_text("Filters and search"))
    assert pending_tab.is_visible()
    # The tabs, the column headers and the pages work from the keyboard.
    press(page, pending_tab)
    page.wait_for_url(re.compile(r"state=PENDING"))
    if size == "phone":  # the choice made shows on the folded button
        assert page.get_by_text("Filters and search: Pending").is_visible()
    press(page, page.get_by_role("link", name="Name", exact=True))
    page.wait_for_url(re.compile(r"ordering=last_name"))
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("Name")
    press(page, page.get_by_role("link", name="Page 2"))
    page.wait_for_url(re.compile(r"page=2"))
    assert_fits_and_accessible(page, f"list, pending, by name, page 2, {size}")
    list_url = page.url

    # A lead, then back to the same list.
    first = page.locator("tbody tr").first.get_by_role("link")
    name = first.inner_text()
    press(page, first)
    page.wait_for_url(re.compile(r"/leads/\d+/\?"))
    assert_fits_and_accessible(page, f"lead, {size}")
    assert page.get_by_role("link", name="Next lead").is_visible()
    press(page, page.get_by_role("link", name="← Back to the list"))
    page.wait_for_url(list_url)
    assert page.locator("tbody tr").first.get_by_role("link").inner_text() == name

    # Tick two leads with the space bar, mark them reached out, then undo.
    for row in range(2):
        page.locator("tbody tr").nth(row).get_by_role("checkbox").focus()
        page.keyboard.press("Space")
    press(page, page.get_by_role("button", name="Mark reached out"))
    page.wait_for_selector("text=2 leads marked as reached out.")
    assert page.url == list_url
    assert Lead.objects.filter(state="REACHED_OUT").count() == 22
    assert_fits_and_accessible(page, f"list after a bulk change, {size}")
    press(page, page.get_by_role("button", name="Undo"))
    page.wait_for_selector("text=Undone: 2 leads back as before.")
    assert Lead.objects.filter(state="REACHED_OUT").count() == 20

    lead = Lead.objects.first()
    for path, what in [(f"/leads/{lead.pk}/edit/", "edit"), ("/leads/new/", "new lead")]:
        page.goto(live_server.url + path)
        assert_fits_and_accessible(page, f"{what}, {size}")


def test_erasing_a_person_from_their_page(live_server, page):
    attorney = sign_in(page, live_server)
    attorney.user_permissions.add(Permission.objects.get(codename="erase_lead"))
    lead = LeadFactory(first_name="Zebulon", email="zebulon@example.com")

    page.goto(f"{live_server.url}/leads/{lead.pk}/")
    press(page, page.get_by_role("link", name="Erase this person…"))
    page.wait_for_url(re.compile(r"/erase/$"))
    assert_fits_and_accessible(page, "erasure")

    page.get_by_label("The person's email address").fill("someone.else@example.com")
    press(page, page.get_by_role("button", name="Erase this person"))
    page.wait_for_selector("text=That is not this person's email address")
    assert page.title().startswith("Error:")
    assert_fits_and_accessible(page, "erasure, wrong email")
    assert Lead.objects.filter(pk=lead.pk).exists()

    page.get_by_label("The person's email address").fill("Zebulon@example.com")
    press(page, page.get_by_role("button", name="Erase this person"))
    page.wait_for_selector(f"text=Lead {lead.pk} erased.")
    assert not Lead.objects.filter(pk=lead.pk).exists()
