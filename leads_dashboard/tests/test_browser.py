"""End to end in a real Chromium: a prospect applies with a PDF CV, an attorney handles the lead,
adds a note, opens the dashboard and downloads the list as CSV.

Runs Debian's Chromium through Playwright (no browser download). Locally the test is skipped with
a reason when Chromium is missing; with CI=true it fails instead, so CI cannot pass without it.
It also refreshes the README's screenshots in docs/screenshots/.
"""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone

from leads import lifecycle
from leads.models import Activity, Lead
from leads.tests.browser import screenshot
from leads.tests.factories import PASSWORD, AttorneyFactory, LeadFactory
from leads.tests.files import make_pdf

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_prospect_applies_and_attorney_marks_reached_out(live_server, page, mailoutbox, run_worker):
    attorney = AttorneyFactory(
        username="attorney@firm.example", first_name="Alex", last_name="Counsel"
    )

    # The prospect fills in the public form with a PDF CV.
    page.goto(live_server.url + "/")
    page.get_by_label("First name").fill("Amara")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Email").fill("amara.okafor@example.com")
    page.get_by_label("Resume text").fill("Registered nurse, 6 years in intensive care.")
    page.get_by_label("CV file").set_input_files(
        files=[
            {
                "name": "amara-cv.pdf",
                "mimeType": "application/pdf",
                "buffer": make_pdf("Intensive care nursing, Lagos University Teaching Hospital"),
            }
        ]
    )
    screenshot(page, "intake-form")
    page.get_by_role("button", name="Send my information").click()
    page.wait_for_url(re.compile(r"/thanks/$"))
    assert page.get_by_role("heading", name="Thank you").is_visible()

    lead = Lead.objects.get(email="amara.okafor@example.com")
    assert lead.state == Lead.State.PENDING
    assert lead.cv.name.endswith(".pdf")
    # The thank-you page came before any email was sent or the CV read: the worker does that.
    assert mailoutbox == []
    run_worker()
    assert [message.to for message in mailoutbox] == [
        ["amara.okafor@example.com"],
        ["intake@firm.example"],
    ]

    # An attorney signs in, finds the lead by search and marks it reached out.
    page.goto(live_server.url + "/leads/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Email address").fill(attorney.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/leads/$"))

    # The CV's text is searchable; names and emails are too.
    page.get_by_label("Search names, emails and CV text").fill("lagos hospital")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"search=lagos"))
    assert page.get_by_role("link", name="Okafor, Amara").is_visible()
    page.get_by_label("Search names, emails and CV text").fill("okafor")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"search=okafor"))
    screenshot(page, "attorney-list")
    page.get_by_role("link", name="Okafor, Amara").click()
    page.wait_for_url(re.compile(rf"/leads/{lead.pk}/\?search=okafor&page=1$"))  # the list travels
    assert page.locator("#lead-state").inner_text() == "Pending"
    assert page.get_by_role("link", name="Download CV").is_visible()

    page.get_by_role("button", name="Mark reached out").click()
    page.wait_for_selector("text=is marked as reached out")
    assert page.locator("#lead-state").inner_text() == "Reached out"
    assert "by Alex Counsel" in page.content()

    lead.refresh_from_db()
    assert lead.state == Lead.State.REACHED_OUT
    assert lead.reached_out_by == attorney

    # A note for the other attorneys; the history shows it and the state change, newest first.
    page.get_by_label("Add a note").fill("Called her: <b>consultation</b> on Monday.")
    page.get_by_role("button", name="Add note").click()
    page.wait_for_selector("text=Note added.")
    assert page.locator(".note-body").first.inner_text() == (
        "Called her: <b>consultation</b> on Monday."
    )
    history = page.locator(".timeline > li")
    assert history.nth(0).inner_text().startswith(history.nth(0).locator(".meta").inner_text())
    assert "Note added" in history.nth(0).inner_text()
    assert "State changed" in history.nth(1).inner_text()
    screenshot(page, "lead-detail")

    # The dashboard: counts, and the weekly chart drawn as SVG (over a few weeks of leads).
    now = timezone.now()
    for n in range(60):
        submitted = now - datetime.timedelta(days=(n * 37) % 80, hours=n)
        earlier = LeadFactory(first_name="Sample", last_name=f"Prospect{n}", created_at=submitted)
        if n % 3:
            lifecycle.move_lead(
                earlier, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
            )
            Lead.objects.filter(pk=earlier.pk).update(
                reached_out_at=submitted + datetime.timedelta(hours=4 + n % 30)
            )
    page.get_by_role("link", name="Dashboard", exact=True).click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.locator("svg[role=img]").count() == 1
    screenshot(page, "dashboard")

    # The list's current search, exported as CSV.
    page.goto(live_server.url + "/leads/?search=okafor")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
    assert [(row["first_name"], row["email"]) for row in rows] == [
        ("Amara", "amara.okafor@example.com")
    ]


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_every_page_s_content_keeps_clear_of_the_header(live_server, page, width, height):
    attorney = AttorneyFactory()
    lead = LeadFactory()
    page.set_viewport_size({"width": width, "height": height})
    public = ["/", "/accounts/login/"]
    staff = ["/dashboard/", "/leads/", f"/leads/{lead.pk}/", f"/leads/{lead.pk}/edit/"]
    for path in public + ["sign in"] + staff:
        if path == "sign in":
            page.get_by_label("Email address").fill(attorney.username)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(re.compile(r"/dashboard/$"))
            continue
        page.goto(live_server.url + path)
        gap = page.evaluate(
            """() => {
                const header = document.querySelector(".site-header").getBoundingClientRect();
                const first = document.querySelector("main > :not(.skip-link)");
                return first.getBoundingClientRect().top - header.bottom;
            }"""
        )
        assert gap >= 16, f"{path} at {width}px: the content is {gap}px below the header"
