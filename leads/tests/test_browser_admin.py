"""The admin, the attorneys' back office, in a real Chromium at a laptop's size (1280x800) and a
phone's (390x844): axe-core finds no accessibility violation on any page an attorney uses,
signed in as an attorney or as a superuser; at 1280 px the lead list shows its columns without
scrolling sideways, and its attention column marks exactly the stale leads.

Uses the browser of test_browser.py (Debian's Chromium through Playwright) and the axe-core
bundled with axe-playwright-python. Refreshes docs/screenshots/admin-lead-list.png.
"""

import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from leads import lifecycle
from leads.models import Activity, Lead, Note
from leads.tasks import read_cv
from leads.tests.browser import screenshot
from leads.tests.factories import PASSWORD
from leads.tests.files import pdf_upload

from .factories import AttorneyFactory, LeadFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}

CSV = (
    b"first_name,last_name,email,resume\n"
    b"Ines,Moreau,ines.moreau@example.com,Civil engineer\n"
    b"Kofi,Mensah,not-an-email,Accountant\n"
)


@pytest.fixture
def back_office(settings):
    """34 leads, 5 of them stale (pending for longer than STALE_LEAD_DAYS) and 4 as old but
    handled; one with a history, a note and a resubmission; queued background tasks."""
    settings.STALE_LEAD_DAYS = 7
    attorney = AttorneyFactory(first_name="Alex", last_name="Counsel")
    # Given the erase permission: deleting a lead in the admin erases the person.
    attorney.user_permissions.add(Permission.objects.get(codename="erase_lead"))
    long_ago = timezone.now() - datetime.timedelta(days=10)
    stale = [LeadFactory(created_at=long_ago - datetime.timedelta(hours=n)) for n in range(5)]
    for n in range(4):  # as old, but handled: not stale
        handled = LeadFactory(created_at=long_ago - datetime.timedelta(hours=n))
        lifecycle.move_lead(
            handled, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
        )
    LeadFactory.create_batch(24)

    # With a CV: its link on the change page sits in a line of text.
    submitted = LeadFactory.build(
        first_name="Amara", last_name="Okafor", email="amara@example.com", cv=pdf_upload()
    )
    lead = lifecycle.submit_lead(submitted, source=Activity.Source.FORM, site_url="http://x/")
    lifecycle.move_lead(lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney)
    lifecycle.add_note(
        Note(lead=lead, author=attorney, body="Called her: consultation on Monday."),
        source=Activity.Source.PAGE,
    )
    again = LeadFactory.build(first_name="Amara", last_name="Okafor", email="Amara@example.com")
    lifecycle.submit_lead(again, source=Activity.Source.FORM, site_url="http://x/")
    task = read_cv.enqueue(lead.pk, "x.pdf")
    return {"attorney": attorney, "lead": lead, "stale": stale, "task_id": task.id}


def sign_in(page, url, user):
    page.goto(url + reverse("admin:login"))
    page.get_by_label("Email address").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def axe_violations(page):
    """axe-core's report on the page (every rule), or None if it found nothing."""
    results = Axe().run(page)
    return results.generate_report() if results.violations_count else None


@pytest.mark.parametrize("who", ["attorney", "superuser"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_back_office_pages_are_accessible(live_server, page, back_office, who, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    if who == "superuser":
        user = UserFactory(is_staff=True, is_superuser=True)
    else:
        user = back_office["attorney"]
    url = live_server.url
    lead = back_office["lead"]
    found = {}

    def check(what):
        report = axe_violations(page)
        if report:
            found[what] = report

    page.goto(url + reverse("admin:index"))
    check("the sign-in page")
    sign_in(page, url, user)
    check("the index")
    for what, path in [
        ("the lead list", reverse("admin:leads_lead_changelist")),
        (
            "the leads needing attention",
            reverse("admin:leads_lead_changelist") + "?needs_attention=yes",
        ),
        ("a lead", reverse("admin:leads_lead_change", args=[lead.pk])),
        ("a lead's deletion", reverse("admin:leads_lead_delete", args=[lead.pk])),
        ("the task results", reverse("admin:django_tasks_database_dbtaskresult_changelist")),
        (
            "a task result",
            reverse(
                "admin:django_tasks_database_dbtaskresult_change", args=[back_office["task_id"]]
            ),
        ),
        ("the import", reverse("admin:leads_lead_import")),
    ]:
        response = page.goto(url + path)
        assert response.status == 200, f"{what}: {response.status}"
        check(what)

    # The import page's dry run is on unless unticked: the report stores nothing.
    assert page.get_by_label(re.compile("^Dry run")).is_checked()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "leads.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    page.get_by_role("button", name="Import").click()
    page.get_by_role("heading", name="Dry run: nothing was stored").wait_for()
    assert not Lead.objects.filter(last_name="Moreau").exists()
    check("the import's dry-run report")

    assert not found, "\n\n".join(f"{what}:\n{report}" for what, report in found.items())


def test_the_lead_list_fits_a_laptop_screen(live_server, page, back_office):
    page.set_viewport_size(VIEWPORTS["laptop"])
    sign_in(page, live_server.url, back_office["attorney"])
    page.goto(live_server.url + reverse("admin:leads_lead_changelist"))

    headers = page.locator("#result_list thead th")
    assert headers.count() >= 5
    for n in range(headers.count()):
        box = headers.nth(n).bounding_box()
        assert box["x"] + box["width"] <= 1280, f"{headers.nth(n).inner_text()!r} is off-screen"
    names = [name.strip() for name in headers.all_text_contents()]
    for wanted in ("Name", "Email", "State", "Attention", "Submitted"):
        assert wanted in names, names
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # Nor does the table scroll sideways inside the page (Django's .results box would).
    results = page.locator("#changelist .results")
    assert results.evaluate("box => box.scrollWidth <= box.clientWidth"), "the table scrolls"
    screenshot(page, "admin-lead-list")

    # The attention column says so for exactly the stale leads, and is empty for the others.
    emails = page.locator("#result_list tbody .field-email").all_inner_texts()
    marks = page.locator("#result_list tbody .field-needs_attention").all_inner_texts()
    assert len(emails) == len(marks) == Lead.objects.count()
    assert set(marks) == {"Needs attention", ""}
    marked = {email for email, mark in zip(emails, marks, strict=True) if mark}
    assert marked == {lead.email for lead in back_office["stale"]}
