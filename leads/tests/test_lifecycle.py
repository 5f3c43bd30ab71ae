"""Every entry point goes through leads/lifecycle.py: a lead created from the public form, the
API, the attorneys' pages, the admin or a CSV import gets the same history and side work, which
differ only where the source says so (prospects get emails, attorneys' entries do not)."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from leads import lifecycle
from leads.csv.imports import import_leads
from leads.models import Activity, Lead
from leads.tests.files import make_docx

from .factories import change_form_data, lead_api_data, lead_form_data

pytestmark = pytest.mark.django_db

Source = Activity.Source
FIELDS = {"first_name": "Ana", "last_name": "Silva", "email": "ana@example.com", "resume": "Nurse"}


def cv():
    return SimpleUploadedFile("cv.docx", make_docx("Paediatric nurse in Porto"))


def through_the_form(client, attorney_client):
    return client.post(reverse("intake:form"), lead_form_data(cv=cv()))


def through_the_api(client, attorney_client):
    return client.post("/create", lead_api_data(cv=cv()))


def through_the_pages(client, attorney_client):
    return attorney_client.post(
        reverse("attorneys:lead_create"), lead_form_data(cv=cv(), state="PENDING")
    )


def through_the_admin(client, attorney_client):
    return attorney_client.post(
        reverse("admin:leads_lead_add"), lead_form_data(cv=cv(), state="PENDING")
    )


def through_the_import(client, attorney_client):
    text = "first_name,last_name,email,resume\r\nAna,Silva,ana@example.com,Nurse\r\n"
    return import_leads(io.BytesIO(text.encode()))


ENTRY_POINTS = {
    # entry point: (source recorded, emails sent, CV read)
    through_the_form: (Source.FORM, 2, True),
    through_the_api: (Source.API, 2, True),
    through_the_pages: (Source.PAGE, 0, True),
    through_the_admin: (Source.ADMIN, 0, True),
    through_the_import: (Source.IMPORT, 0, False),  # a CSV row has no file
}


@pytest.mark.parametrize("entry_point", ENTRY_POINTS, ids=lambda f: f.__name__)
def test_every_entry_point_creates_a_lead_the_same_way(
    entry_point, client, attorney_client, run_worker
):
    source, emails, cv_read = ENTRY_POINTS[entry_point]
    entry_point(client, attorney_client)
    lead = Lead.objects.get()
    assert list(lead.activities.values_list("kind", "source")) == [("CREATED", source)]
    queued = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert queued == sorted(
        ["leads.tasks.send_new_lead_emails"] * bool(emails) + ["leads.tasks.read_cv"] * cv_read
    )
    assert mail.outbox == []  # nothing is sent by the request

    run_worker()
    lead.refresh_from_db()
    assert len(mail.outbox) == emails
    assert lead.activities.filter(kind="EMAIL_SENT").count() == emails
    assert ("paediatric" in lead.cv_text) is cv_read


EDITS = {
    # entry point: how it posts "last name Costa, reached out"
    "pages": lambda lead, client: client.post(
        reverse("attorneys:lead_edit", args=[lead.pk]),
        lead_form_data(lead, last_name="Costa", state="REACHED_OUT"),
    ),
    "admin": lambda lead, client: client.post(
        reverse("admin:leads_lead_change", args=[lead.pk]),
        change_form_data(client, lead, last_name="Costa", state="REACHED_OUT"),
    ),
    "api": lambda lead, client: client.patch(
        f"/update/{lead.pk}",
        {"LAST_NAME": "Costa", "STATE": "REACHED_OUT"},
        content_type="application/json",
    ),
}
EDIT_SOURCES = {"pages": Source.PAGE, "admin": Source.ADMIN, "api": Source.API}


@pytest.mark.parametrize("entry_point", EDITS)
def test_every_entry_point_changes_a_lead_the_same_way(entry_point, attorney_client, attorney):
    lead = lifecycle.create_lead(Lead(**FIELDS), source=Source.PAGE, actor=attorney)
    response = EDITS[entry_point](lead, attorney_client)
    assert response.status_code in (200, 302)
    lead.refresh_from_db()
    assert (lead.last_name, lead.state, lead.reached_out_by) == ("Costa", "REACHED_OUT", attorney)
    source = EDIT_SOURCES[entry_point]
    entries = lead.activities.exclude(kind="CREATED").order_by("id")
    assert [(a.kind, a.source, a.actor, a.changes) for a in entries] == [
        ("EDITED", source, attorney, {"Last name": ["Silva", "Costa"]}),
        ("STATE_CHANGED", source, attorney, {"State": ["Pending", "Reached out"]}),
    ]
    assert not DBTaskResult.objects.exists()  # no new CV, no emails


def test_a_partial_change_records_only_what_it_changes(attorney):
    lead = lifecycle.create_lead(Lead(**FIELDS), source=Source.PAGE, actor=attorney)
    older_copy = Lead.objects.get(pk=lead.pk)
    lead.last_name = "Costa"
    lifecycle.change_lead(lead, source=Source.PAGE, actor=attorney)
    # A PATCH of the state only, by a request that loaded the lead before the rename.
    older_copy.state = Lead.State.REACHED_OUT
    lifecycle.change_lead(older_copy, source=Source.API, actor=attorney, fields=["state"])

    lead.refresh_from_db()
    assert (lead.last_name, lead.state) == ("Costa", "REACHED_OUT")
    api_entries = lead.activities.filter(source=Source.API)
    assert [(a.kind, a.changes) for a in api_entries] == [
        ("STATE_CHANGED", {"State": ["Pending", "Reached out"]})
    ]


def test_two_attorneys_marking_a_lead_at_once_record_one_change(attorney):
    lead = lifecycle.create_lead(Lead(**FIELDS), source=Source.PAGE, actor=attorney)
    first, second = Lead.objects.get(pk=lead.pk), Lead.objects.get(pk=lead.pk)
    lifecycle.move_lead(first, Lead.State.REACHED_OUT, source=Source.PAGE, actor=attorney)
    lifecycle.move_lead(second, Lead.State.REACHED_OUT, source=Source.ADMIN, actor=attorney)
    assert lead.activities.filter(kind="STATE_CHANGED").count() == 1
