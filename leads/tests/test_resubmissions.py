"""A known email on the public channels: the same answer as a new one, and nothing lost.

Anyone can type anyone's address into the intake form or POST it to /create. What the answer
says must not depend on whether that person is a lead (an immigration prospect of the firm)."""

import json
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leads.models import Activity, Lead, Resubmission

from .factories import CASES, LeadFactory, lead_api_data, lead_form_data

pytestmark = pytest.mark.django_db

KATE = {"first_name": "Kate", "email": "kate@example.com"}
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


def submit_form(client, **changes):
    return client.post(reverse("intake:form"), lead_form_data(**{**KATE, **changes}))


def submit_api(client, **changes):
    body = json.dumps(lead_api_data(**{**KATE, **changes}))
    return client.post("/create", body, content_type="application/json")


@pytest.fixture
def kate(db):
    return LeadFactory(
        first_name="Kate", last_name="Doe", email="kate@example.com", resume="First resume"
    )


def test_the_form_answers_a_known_email_as_it_answers_a_new_one(client):
    new = submit_form(client, email="someone.new@example.com")
    new_page = client.get(new["Location"]).content.decode()
    LeadFactory(email="kate@example.com")
    known = submit_form(client)
    known_page = client.get(known["Location"]).content.decode()

    assert new.status_code == known.status_code == 302
    assert new["Location"] == known["Location"] == reverse("intake:thanks")
    # The thank-you pages differ only in the address they repeat.
    assert "A confirmation is on its way to <strong>kate@example.com</strong>" in known_page
    assert known_page == new_page.replace("someone.new@", "kate@")


def test_an_anonymous_client_gets_the_same_receipt_for_a_known_email(client):
    new = submit_api(client, email="someone.new@example.com")
    LeadFactory(email="kate@example.com")
    known = submit_api(client)

    assert new.status_code == known.status_code == 202
    assert new["Content-Type"] == known["Content-Type"] == "application/json"
    new_body, known_body = new.json(), known.json()
    assert set(new_body) == set(known_body) == {"STATUS", "RECEIVED_AT", "MESSAGE"}
    assert new_body["MESSAGE"] == known_body["MESSAGE"]
    # No lead data, no id: nothing about anyone.
    assert "kate" not in known.content.decode().lower()


def test_the_database_decides_whether_an_email_is_known(client):
    """No lookup before storing a new lead: the unique email refuses a known one, whose
    submission then goes to its lead. So both take about the same time (bench scenario 1k)."""
    with CaptureQueriesContext(connection) as new:
        assert submit_api(client, email="someone.new@example.com").status_code == 202
    LeadFactory(email="kate@example.com")
    with CaptureQueriesContext(connection) as known:
        assert submit_api(client, email="KATE@example.com").status_code == 202

    def reads_of_leads(queries):
        return [q["sql"] for q in queries if q["sql"].startswith('SELECT "leads_lead"."id"')]

    assert reads_of_leads(new) == []
    assert len(reads_of_leads(known)) == 1  # the known lead's id, after the refused INSERT
    assert Lead.objects.count() == 2
    assert Resubmission.objects.get().lead.email == "kate@example.com"


def test_a_resubmission_is_kept_beside_the_lead_which_is_not_changed(
    kate, attorney_client, run_worker
):
    cv = SimpleUploadedFile("cv.pdf", PDF, content_type="application/pdf")
    response = submit_form(Client(), first_name="Katherine", resume="Second resume", cv=cv)
    assert response.status_code == 302

    kate.refresh_from_db()
    assert (kate.first_name, kate.resume, kate.cv.name) == ("Kate", "First resume", "")
    resubmission = Resubmission.objects.get()
    assert resubmission.lead == kate
    assert (resubmission.first_name, resubmission.resume) == ("Katherine", "Second resume")
    assert resubmission.cv.read() == PDF
    activity = kate.activities.get(kind=Activity.Kind.RESUBMITTED)
    assert activity.source == Activity.Source.FORM

    assert mail.outbox == []
    run_worker()
    prospect, attorneys = mail.outbox
    assert prospect.to == ["kate@example.com"]
    assert "already have your details" in prospect.body
    assert "received your information" not in prospect.body.lower()  # no second welcome
    assert attorneys.to == ["intake@firm.example"]
    assert "Katherine" in attorneys.body
    assert kate.get_absolute_url() in attorneys.body
    run_worker()
    assert len(mail.outbox) == 2  # each once

    page = attorney_client.get(kate.get_absolute_url())
    assert "Second resume" in page.content.decode()
    download_url = reverse("attorneys:resubmission_cv", args=[kate.pk, resubmission.pk])
    assert download_url in page.content.decode()
    download = attorney_client.get(download_url)
    assert b"".join(download.streaming_content) == PDF


def test_a_resubmissions_cv_is_for_attorneys_only_and_goes_with_the_lead(
    client, kate, django_capture_on_commit_callbacks
):
    submit_api(client)  # through the API this time, without a CV
    cv = SimpleUploadedFile("cv.pdf", PDF, content_type="application/pdf")
    submit_form(client, cv=cv)
    with_cv = Resubmission.objects.exclude(cv="").get()
    assert Resubmission.objects.count() == 2
    url = reverse("attorneys:resubmission_cv", args=[kate.pk, with_cv.pk])

    assert client.get(url).status_code == 302  # to the sign-in page
    storage, name = with_cv.cv.storage, with_cv.cv.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        kate.delete()
    assert not storage.exists(name)
    assert not Resubmission.objects.exists()


@pytest.mark.parametrize(("stored", "variant"), CASES)
def test_every_spelling_of_a_known_email_goes_to_its_lead(client, stored, variant):
    existing = LeadFactory(email=stored)

    assert submit_form(client, email=variant).status_code == 302
    receipt_of_api = submit_api(client, email=variant)

    assert receipt_of_api.status_code == 202
    assert list(Lead.objects.all()) == [existing]
    assert existing.resubmissions.count() == 2


@pytest.mark.parametrize("path", ["/", "/thanks/", "/accounts/login/", "/no-such-page/"])
def test_public_pages_carry_the_firms_name_and_never_the_word_lead(client, settings, path):
    settings.FIRM_NAME = "Okafor & Reyes Immigration Law"
    html = client.get(path).content.decode()
    text = re.sub(r"<[^>]+>", " ", html)  # what a visitor reads: no tags, classes or addresses

    assert "Okafor &amp; Reyes Immigration Law" in html
    assert "Leads Dashboard" not in text
    assert not re.search(r"\blead", text, re.IGNORECASE), re.findall(
        r".{30}\blead.{30}", text, re.I
    )
