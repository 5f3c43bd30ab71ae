"""The Content-Security-Policy header (django-csp): the site's policy on the pages and the admin,
the API docs' own additions, and in a real Chromium, every page working under it with no
violation reported."""

import base64
import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from leads.tasks import read_cv
from leads.tests.factories import PASSWORD, AttorneyFactory, LeadFactory

SITE_POLICY = {
    "default-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy_of(response):
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {name: sources for name, *sources in directives}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who, url_name",
    [
        ("anonymous", "intake:form"),
        ("anonymous", "login"),
        ("attorney", "attorneys:lead_list"),
        ("attorney", "attorneys:lead_detail"),
        ("attorney", "admin:index"),
        ("attorney", "admin:leads_lead_change"),
        ("attorney", "admin:leads_lead_import"),
    ],
)
def test_it_sends_the_site_policy(who, url_name):
    lead = LeadFactory()
    args = [lead.pk] if url_name.endswith(("detail", "change")) else []
    client = Client()
    if who == "attorney":
        client.force_login(AttorneyFactory())
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 200
    assert policy_of(response) == SITE_POLICY


@pytest.mark.django_db
def test_the_api_docs_allow_their_inline_style_by_its_hash_and_no_inline_script():
    response = Client().get(reverse("api_docs"))
    assert response.status_code == 200
    html = response.content.decode()
    # Swagger UI starts from a script file of its own (the Split view), not an inline script.
    inline_scripts = re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html)
    assert inline_scripts == [], "serve api_docs with SpectacularSwaggerSplitView (urls.py)"
    # Its page has one inline <style>, allowed by its hash: a drf-spectacular upgrade that changes
    # it fails here, with the new hash to put in leads_dashboard/urls.py.
    [style] = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert policy_of(response) == {
        **SITE_POLICY,
        "style-src": ["'self'", f"'sha256-{digest}'"],
        # Swagger UI's stylesheet draws its icons as data: SVG images.
        "img-src": ["'self'", "data:"],
    }
    script = Client().get(reverse("api_docs"), {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


# Chromium logs each blocked script, style or image to the console ("... violates the following
# Content Security Policy directive ..."), and fires a securitypolicyviolation event in the page.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${location.pathname}: ${event.violatedDirective} blocked ${event.blockedURI}`
  );
});
"""


@pytest.fixture
def csp_violations(page):
    """What the browser reports as blocked by the CSP, on any page that `page` opens."""
    found = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            found.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    # Bindings and init scripts come from Playwright, which the page's CSP does not govern.
    page.expose_function("reportCspViolation", lambda entry: found.append(entry))
    page.add_init_script(REPORT_VIOLATIONS)
    return found


def visit(page, url):
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    assert response.header_value("Content-Security-Policy"), f"{url} has no CSP"
    page.wait_for_load_state("networkidle")
    return response


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_browser_reports_what_the_policy_blocks(live_server, page, csp_violations):
    # The check below is only as good as its listeners: an injected inline script is refused.
    visit(page, live_server.url + reverse("intake:form"))
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.body.append(script);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.injected") is None
    assert any("script-src-elem blocked inline" in entry for entry in csp_violations)
    assert any("Content Security Policy" in entry for entry in csp_violations)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_works_under_the_policy(live_server, page, csp_violations):
    attorney = AttorneyFactory(username="attorney@firm.example")
    lead = LeadFactory(first_name="Amara", last_name="Okafor")
    task = read_cv.enqueue(lead.pk, "cv.pdf")  # for the task results admin
    url = live_server.url

    visit(page, url + reverse("intake:form"))
    visit(page, url + reverse("login"))
    page.get_by_label("Email address").fill(attorney.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    for path in [
        reverse("attorneys:lead_list"),
        reverse("attorneys:lead_detail", args=[lead.pk]),
        reverse("attorneys:lead_edit", args=[lead.pk]),
        reverse("admin:index"),
        reverse("admin:leads_lead_changelist"),
        reverse("admin:leads_lead_change", args=[lead.pk]),
        reverse("admin:leads_lead_import"),
        reverse("admin:django_tasks_database_dbtaskresult_changelist"),
        reverse("admin:django_tasks_database_dbtaskresult_change", args=[task.id]),
    ]:
        visit(page, url + path)
    # The admin's scripts ran: the lead list's "select all" box ticks every row.
    visit(page, url + reverse("admin:leads_lead_changelist"))
    page.locator("#action-toggle").check()
    assert page.locator("input.action-select:checked").count() == 1
    assert csp_violations == []

    # The API docs: Swagger UI drew the schema, and opening an operation blocks nothing either.
    visit(page, url + reverse("api_docs"))
    assert csp_violations == []
    page.get_by_role("heading", name=re.compile("Leads Dashboard API")).wait_for()
    operations = page.locator(".opblock")
    assert operations.count() >= 4
    operations.first.locator(".opblock-summary").click()
    page.get_by_role("button", name="Try it out").wait_for()
    page.wait_for_load_state("networkidle")

    assert csp_violations == []
