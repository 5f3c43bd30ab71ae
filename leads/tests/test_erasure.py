"""Erasing a person: from the lead's page (with a typed confirmation) and `manage.py erase_lead`.
Afterwards nothing in any table and no file in the CV storage names them; one audit entry says
that lead N was erased, by whom, when and why."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from leads import counts, lifecycle
from leads.models import Activity, Erasure, Lead, Note, Resubmission
from leads.tasks import read_cv

from .factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

PERSON = {
    "first_name": "Zebulon",
    "last_name": "Quillfeather",
    "email": "Zebulon.Quillfeather@Example.com",
    "resume": "Asylum case, arrived in 2024.",
}
CV_WORD = "Xylographer"
CV = f"Zebulon Quillfeather, {CV_WORD} and bookbinder.\n".encode()
SECOND_CV = f"Updated CV of a {CV_WORD}.\n".encode()
# What must be gone: the email in the spellings it is stored in, the names, a word of the CV.
TRACES = ["zebulon.quillfeather@example.com", "Zebulon", "Quillfeather", CV_WORD]


def cv_storage():
    return Lead._meta.get_field("cv").storage


def text_columns(model):
    return [
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
        or isinstance(field, models.FileField)
    ]


def traces_left():
    """{(table, column): the traces it holds} over every model of every installed app."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        columns = text_columns(model)
        if not columns:
            continue
        for row in model._base_manager.values_list(*columns):
            for column, value in zip(columns, row, strict=True):
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                for trace in TRACES:
                    if trace.lower() in text.lower():
                        found.setdefault((model._meta.db_table, column), set()).add(trace)
    return found


@pytest.fixture
def person(client, attorney, run_worker, django_capture_on_commit_callbacks):
    """A prospect who sent the form twice with a CV, whose first CV was read, whose emails were
    sent, with an attorney's note and edit, an admin log entry, and a task still queued."""
    with django_capture_on_commit_callbacks(execute=True):
        cv = SimpleUploadedFile("zebulon-quillfeather-cv.txt", CV, content_type="text/plain")
        assert client.post(reverse("intake:form"), {**PERSON, "cv": cv}).status_code == 302
        lead = Lead.objects.get(email_key="zebulon.quillfeather@example.com")
        run_worker()  # the two emails, and the CV's words stored for search
        lead.refresh_from_db()
        assert CV_WORD.lower() in lead.cv_text
        lead.last_name = "Quilfeather"
        lifecycle.change_lead(lead, source=Activity.Source.PAGE, actor=attorney)
        lead.last_name = "Quillfeather"
        lifecycle.change_lead(lead, source=Activity.Source.PAGE, actor=attorney)
        lifecycle.add_note(
            Note(lead=lead, author=attorney, body="Zebulon Quillfeather called back."),
            source=Activity.Source.PAGE,
        )
        second_cv = SimpleUploadedFile("cv.txt", SECOND_CV, content_type="text/plain")
        response = client.post(reverse("intake:form"), {**PERSON, "cv": second_cv})
        assert response.status_code == 302
    LogEntry.objects.log_actions(attorney.pk, [lead], CHANGE, change_message="Changed state.")
    LogEntry.objects.log_actions(attorney.pk, [lead.notes.get()], ADDITION, single_object=True)
    return lead


@pytest.fixture
def bystander(attorney):
    """Another person, who must keep everything."""
    other = LeadFactory(first_name="Olga", last_name="Other", email="olga@example.com")
    read_cv.enqueue(other.pk, "cvs/other.pdf")
    LogEntry.objects.log_actions(attorney.pk, [other], CHANGE, change_message="Changed state.")
    return other


def erase_url(lead):
    return reverse("attorneys:lead_erase", args=[lead.pk])


def test_it_leaves_no_trace_of_the_person_in_any_table_or_in_storage(
    person, bystander, eraser_client, eraser, django_capture_on_commit_callbacks
):
    cv_names = [person.cv.name, person.resubmissions.get().cv.name]
    assert all(cv_storage().exists(name) for name in cv_names)
    tables_before = {table for table, _ in traces_left()}
    # The scan sees the person where they are (so an empty scan afterwards means something).
    assert {
        "leads_lead",
        "leads_note",
        "leads_activity",
        "leads_resubmission",
        "django_admin_log",
    } <= tables_before
    about_person = DBTaskResult.objects.filter(args_kwargs__args__0=person.pk)
    assert about_person.filter(status=TaskResultStatus.SUCCESSFUL).exists()
    assert DBTaskResult.objects.filter(
        task_path="leads.tasks.send_resubmission_emails", status=TaskResultStatus.READY
    ).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = eraser_client.post(
            erase_url(person), {"email": "zebulon.quillfeather@example.com", "reason": "REQUEST"}
        )

    assert response.status_code == 302
    assert response.url == reverse("attorneys:lead_list")
    assert traces_left() == {}
    assert not any(cv_storage().exists(name) for name in cv_names)
    # Only the person's rows went: the bystander keeps their lead, task and log entry.
    assert Lead.objects.get() == bystander
    assert DBTaskResult.objects.get().args_kwargs["args"][0] == bystander.pk
    assert LogEntry.objects.get().object_id == str(bystander.pk)
    assert not (Note.objects.exists() or Resubmission.objects.exists())
    assert not Activity.objects.filter(lead_id=person.pk).exists()


def test_deleting_in_the_admin_erases_the_person_the_same_way(
    person, eraser_client, eraser, django_capture_on_commit_callbacks
):
    delete = reverse("admin:leads_lead_delete", args=[person.pk])
    page = eraser_client.get(delete)
    assert "Deleting a lead erases the person" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = eraser_client.post(delete, {"post": "yes"})

    assert response.status_code == 302
    assert traces_left() == {}  # no "Deleted ..." log entry naming the person either
    erasure = Erasure.objects.get()
    assert (erasure.lead_id, erasure.erased_by, erasure.reason) == (person.pk, eraser, "ADMIN")


def test_the_admins_delete_action_erases_each_selected_person(
    person, bystander, eraser_client, django_capture_on_commit_callbacks
):
    changelist = reverse("admin:leads_lead_changelist")
    selected = {"action": "delete_selected", "_selected_action": [person.pk, bystander.pk]}
    page = eraser_client.post(changelist, selected)
    assert "Deleting a lead erases the person" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = eraser_client.post(changelist, {**selected, "post": "yes"})

    assert response.status_code == 302
    assert not Lead.objects.exists()
    assert sorted(Erasure.objects.values_list("lead_id", flat=True)) == sorted(
        [person.pk, bystander.pk]
    )
    assert traces_left() == {}


def test_attorneys_without_the_permission_cannot_delete_in_the_admin(attorney_client, lead):
    response = attorney_client.post(
        reverse("admin:leads_lead_delete", args=[lead.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_the_audit_entry_holds_only_the_lead_id_who_when_and_why(person, eraser_client, eraser):
    eraser_client.post(
        erase_url(person), {"email": "zebulon.quillfeather@example.com", "reason": "REQUEST"}
    )
    erasure = Erasure.objects.get()
    fields = {field.name for field in Erasure._meta.concrete_fields}
    assert fields == {"id", "lead_id", "erased_by", "erased_at", "reason"}
    assert (erasure.lead_id, erasure.erased_by, erasure.reason) == (
        person.pk,
        eraser,
        Erasure.Reason.REQUEST,
    )
    assert str(erasure) == f"Lead {person.pk} erased at {erasure.erased_at:%Y-%m-%d %H:%M}"


def test_the_page_says_what_goes_and_asks_for_the_email(person, eraser_client):
    response = eraser_client.get(erase_url(person))
    assert response.status_code == 200
    assert response.context["records"] == {
        "CV files": 2,
        "notes": 1,
        "history entries": Activity.objects.filter(lead=person).count(),
        "resubmissions": 1,
        "background tasks": 3,  # the two emails, the CV read, the second submission's emails
        "admin log entries": 2,
    }
    html = response.content.decode()
    assert "CV files: 2" in html
    assert '<label for="id_email">The person&#x27;s email address' in html
    # Which address to type, and a button that does not look like Cancel.
    assert f"Type {person.email} to confirm that this is the person." in html
    assert '<button type="submit" class="button danger">Erase this person</button>' in html
    assert '<fieldset class="field choices"' in html
    assert Lead.objects.filter(pk=person.pk).exists()


def test_the_lead_page_links_to_the_erasure_for_users_with_the_permission(
    eraser, attorney_client, lead
):
    page = reverse("attorneys:lead_detail", args=[lead.pk])
    eraser_client = Client()
    eraser_client.force_login(eraser)
    assert erase_url(lead) in eraser_client.get(page).content.decode()
    html = attorney_client.get(page).content.decode()
    assert "Erase this person" not in html
    assert erase_url(lead) not in html


def test_it_refuses_attorneys_without_the_permission(attorney_client, lead):
    assert attorney_client.get(erase_url(lead)).status_code == 403
    response = attorney_client.post(erase_url(lead), {"email": lead.email, "reason": "REQUEST"})
    assert response.status_code == 403
    assert Lead.objects.filter(pk=lead.pk).exists()
    assert not Erasure.objects.exists()


def test_it_sends_anonymous_users_to_sign_in(client, lead):
    response = client.post(erase_url(lead), {"email": lead.email, "reason": "REQUEST"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_the_attorneys_group_cannot_erase_by_default(attorney):
    group = Group.objects.get(name="Attorneys")
    assert not group.permissions.filter(codename="erase_lead").exists()
    assert attorney.has_perm("leads.view_lead")
    assert not attorney.has_perm("leads.erase_lead")


@pytest.mark.parametrize("typed", ["", "someone.else@example.com", "zebulon.quillfeather"])
def test_a_wrong_email_erases_nothing(person, eraser_client, typed):
    response = eraser_client.post(erase_url(person), {"email": typed, "reason": "REQUEST"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert 'href="#id_email"' in html
    if typed:
        assert "That is not this person&#x27;s email address: nothing was erased." in html
    assert Lead.objects.filter(pk=person.pk).exists()
    assert not Erasure.objects.exists()


def test_an_unknown_reason_erases_nothing(lead, eraser_client):
    response = eraser_client.post(erase_url(lead), {"email": lead.email, "reason": "BORED"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_it_says_which_lead_was_erased_on_the_list(lead, eraser_client):
    response = eraser_client.post(
        erase_url(lead), {"email": lead.email.upper(), "reason": "RETENTION"}, follow=True
    )
    assert f"Lead {lead.pk} erased." in response.content.decode()
    assert Erasure.objects.get().reason == Erasure.Reason.RETENTION
    assert eraser_client.get(erase_url(lead)).status_code == 404


def test_the_list_counts_forget_the_erased_lead(
    lead, eraser_client, django_capture_on_commit_callbacks
):
    LeadFactory()
    assert counts.kept_counts_by_state()[Lead.State.PENDING] == 2
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.erase_lead(lead.pk, actor=None, reason=Erasure.Reason.REQUEST)
    assert counts.kept_counts_by_state()[Lead.State.PENDING] == 1
    response = eraser_client.get(reverse("attorneys:lead_list"))
    assert {label: count for label, _, count, _ in response.context["tabs"]}["All"] == 1


def test_erasing_twice_is_no_error(lead):
    first = lifecycle.erase_lead(lead.pk, actor=None, reason=Erasure.Reason.REQUEST)
    second = lifecycle.erase_lead(lead.pk, actor=None, reason=Erasure.Reason.REQUEST)
    assert first.found and first.removed["CV files"] == 0
    assert not second.found
    assert second.removed == {}
    assert Erasure.objects.count() == 1


def test_a_cv_file_already_missing_is_no_error(django_capture_on_commit_callbacks):
    lead = LeadFactory(cv=SimpleUploadedFile("cv.txt", CV))
    cv_storage().delete(lead.cv.name)
    with django_capture_on_commit_callbacks(execute=True):
        erased = lifecycle.erase_lead(lead.pk, actor=None, reason=Erasure.Reason.REQUEST)
    assert erased.found
    assert erased.removed["CV files"] == 1
    assert not Lead.objects.exists()


def test_a_task_running_now_keeps_its_row_and_then_does_nothing(lead):
    result = read_cv.enqueue(lead.pk, "cvs/x.txt")
    DBTaskResult.objects.filter(pk=result.id).update(status=TaskResultStatus.RUNNING)
    lifecycle.erase_lead(lead.pk, actor=None, reason=Erasure.Reason.REQUEST)
    running = DBTaskResult.objects.get()
    assert running.args_kwargs["args"] == [lead.pk, "cvs/x.txt"]
    assert read_cv.call(lead.pk, "cvs/x.txt") == "Not read: the CV or its lead is gone."


def test_the_command_erases_by_email_in_any_spelling(person, capsys):
    call_command("erase_lead", "  ZEBULON.quillfeather@example.COM ")
    out = capsys.readouterr().out
    assert f"Lead {person.pk} erased (" in out
    assert "notes: 1" in out and "CV files: 2" in out
    assert "Quillfeather" not in out.replace(str(person.pk), "")
    assert not Lead.objects.exists()
    erasure = Erasure.objects.get()
    assert (erasure.lead_id, erasure.erased_by, erasure.reason) == (
        person.pk,
        None,
        Erasure.Reason.REQUEST,
    )


def test_the_command_erases_by_id_for_the_retention_reason(lead, capsys):
    call_command("erase_lead", str(lead.pk), "--reason", "retention")
    assert f"Lead {lead.pk} erased" in capsys.readouterr().out
    assert Erasure.objects.get().reason == Erasure.Reason.RETENTION


@pytest.mark.parametrize("value", ["nobody@example.com", "424242", "", "not an email", "²"])
def test_the_command_says_when_there_is_nothing_to_erase(lead, capsys, value):
    call_command("erase_lead", value)
    assert "Nothing to erase" in capsys.readouterr().out
    assert Lead.objects.filter(pk=lead.pk).exists()
    assert not Erasure.objects.exists()


def test_the_erasure_log_is_read_only_in_the_admin(client, lead):
    lifecycle.erase_lead(lead.pk, actor=None, reason=Erasure.Reason.REQUEST)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:leads_erasure_changelist"))
    assert response.status_code == 200
    assert '<td class="field-reason">The person asked</td>' in response.content.decode()
    assert client.get(reverse("admin:leads_erasure_add")).status_code == 403
    erasure = Erasure.objects.get()
    delete = reverse("admin:leads_erasure_delete", args=[erasure.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Erasure.objects.exists()


# Run in a `manage.py shell` of its own, on an SQLite file: store a person, erase them, and
# while the connection is still open (closing the last one would checkpoint anyway), look for
# their words in the database file and its write-ahead log.
ERASE_AND_LOOK = """
from pathlib import Path
from django.db import connection
from leads import lifecycle
from leads.models import Erasure, Lead
lead = Lead.objects.create(
    first_name="Zebulon", last_name="Quillfeather", email="zq@example.com",
    resume="SENTINEL-" * 200,
)
connection.cursor().execute("PRAGMA wal_autocheckpoint=0")  # as if readers held the log
lifecycle.erase_lead(lead.pk, actor=None, reason=Erasure.Reason.REQUEST)
database = Path(connection.settings_dict["NAME"])
for path in [database, Path(f"{database}-wal")]:
    data = path.read_bytes() if path.exists() else b""
    print(path.name, b"SENTINEL-" in data or b"Quillfeather" in data)
"""


def test_an_erased_person_is_not_left_in_the_sqlite_files(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {"DEBUG": "true", "SQLITE_PATH": str(tmp_path / "db.sqlite3")}

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=Path(settings.BASE_DIR),
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        ).stdout

    manage("migrate", "--noinput")
    assert manage("shell", "--verbosity", "0", "-c", ERASE_AND_LOOK).split() == [
        "db.sqlite3",
        "False",
        "db.sqlite3-wal",
        "False",
    ]
