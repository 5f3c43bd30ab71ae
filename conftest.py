import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from leads.models import Lead
from leads.tests.bad_input import EXISTING, OTHER_EMAIL, PDF
from leads.tests.browser import CHROMIUM
from leads.tests.factories import AttorneyFactory, LeadFactory, UserFactory


def pytest_sessionstart(session):
    if not isinstance(Lead._meta.get_field("cv").storage, FileSystemStorage):
        pytest.exit("Unset CV_BUCKET to run the tests: they would store their CVs in that bucket.")


@pytest.fixture(autouse=True)
def test_settings(settings, tmp_path):
    """Each test's CVs go to a throwaway folder of its own (the rest of the tests' settings is
    leads_dashboard/test_settings.py)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "cvs": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "cvs"), "base_url": None},
        },
    }
    # Each test starts with no remembered permission sets (user ids are reused between tests).
    caches["permissions"].clear()
    return settings


@pytest.fixture
def run_worker(monkeypatch):
    """Run the background tasks queued so far, as `manage.py worker --burst` does, in this
    process (so that emails land in mail.outbox)."""
    # Between tasks the worker closes database connections that are unusable or in a
    # transaction, as Django does after a request. A test runs in a transaction, so that would
    # end it: Django's test client skips that step for requests too.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    return lambda: call_command("worker", "--burst", verbosity=0)


@pytest.fixture
def lead(db):
    return LeadFactory()


@pytest.fixture
def attorney(db):
    return AttorneyFactory()


@pytest.fixture
def eraser(db):
    """An attorney an administrator gave the erase permission to."""
    user = AttorneyFactory()
    user.user_permissions.add(Permission.objects.get(codename="erase_lead"))
    return user


@pytest.fixture
def eraser_client(client, eraser):
    client.force_login(eraser)
    return client


@pytest.fixture
def outsider(db):
    """A signed-in user who is not an attorney."""
    return UserFactory()


@pytest.fixture
def attorney_client(client, attorney):
    client.force_login(attorney)
    return client


# The bad-input tests (test_*_bad_input.py; what they share is in leads/tests/bad_input.py).


@pytest.fixture
def existing(db):
    """The data already there, which no bad request may change: a lead with a CV file."""
    return LeadFactory(**EXISTING, cv=SimpleUploadedFile("existing.pdf", PDF))


@pytest.fixture
def other(db):
    """A second lead, whose email an edit of the first one may try to take."""
    return LeadFactory(email=OTHER_EMAIL)


@pytest.fixture
def token(attorney):
    """An attorney's API token."""
    return Token.objects.create(user=attorney).key


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium (leads/tests/browser.py), through Playwright."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} not found: install Debian's chromium package (see README)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the tests' ORM calls are still
    # plain synchronous calls, which Django would otherwise refuse inside a running loop.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
