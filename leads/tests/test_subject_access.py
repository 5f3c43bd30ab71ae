"""A person's access request: everything held about them as one JSON document, from
`manage.py export_person EMAIL` or the lead page's download."""

import json
import os
import stat

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from leads import lifecycle, privacy
from leads.models import Activity, Lead, Note, Resubmission

from .factories import AttorneyFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(attorney):
    lead = LeadFactory(
        first_name="Ines",
        last_name="Barros",
        email="ines.barros@example.com",
        resume="Student visa, then work permit.",
        cv=SimpleUploadedFile("Inês CV.txt", b"Ines Barros, welder.\n"),
    )
    # As the worker stores them (leads/tasks.py read_cv).
    Lead.objects.filter(pk=lead.pk).update(cv_text=" ines barros welder ")
    lead.refresh_from_db()
    lifecycle.move_lead(lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney)
    lifecycle.add_note(
        Note(lead=lead, author=attorney, body="Called, will send papers."),
        source=Activity.Source.PAGE,
    )
    Resubmission.objects.create(
        lead=lead,
        first_name="Inês",
        last_name="Barros",
        email="INES.BARROS@example.com",
        resume="Second try.",
    )
    return lead


def export_url(lead):
    return reverse("attorneys:lead_export_person", args=[lead.pk])


def test_it_gives_everything_held_about_the_person(person, attorney):
    data = privacy.person_data(person)
    json.dumps(data)  # a JSON document as it is
    attorney_name = attorney.get_full_name()
    lead = data["lead"]
    assert (lead["id"], lead["first_name"], lead["last_name"], lead["email"]) == (
        person.pk,
        "Ines",
        "Barros",
        "ines.barros@example.com",
    )
    assert lead["resume"] == "Student visa, then work permit."
    assert (lead["state"], lead["state_label"]) == ("REACHED_OUT", "Reached out")
    assert lead["created_at"] == person.created_at.isoformat()
    assert lead["reached_out_by"] == attorney_name
    assert data["cv"] == {
        "file_name": "Inês CV.txt",
        "stored_name": person.cv.name,
        "words_read_for_search": "ines barros welder",
    }
    assert data["notes"] == [
        {
            "author": attorney_name,
            "created_at": person.notes.get().created_at.isoformat(),
            "body": "Called, will send papers.",
        }
    ]
    kinds = [entry["kind"] for entry in data["history"]]
    assert kinds == ["Note added", "State changed"]
    assert data["history"][1]["changes"] == {"State": ["Pending", "Reached out"]}
    assert data["history"][1]["by"] == attorney_name
    [resubmission] = data["resubmissions"]
    assert resubmission["email"] == "INES.BARROS@example.com"
    assert resubmission["cv_stored_name"] is None


def test_every_field_of_a_lead_is_exported_or_deliberately_left_out():
    # A new field on Lead must be exported or listed in NOT_EXPORTED with its reason.
    exported = set(privacy.person_data(LeadFactory())["lead"]) - {"state_label"}
    every_field = {field.name for field in Lead._meta.concrete_fields}
    assert exported | privacy.NOT_EXPORTED == every_field
    assert not exported & privacy.NOT_EXPORTED


def test_a_lead_without_cv_notes_or_resubmissions_has_empty_sections(lead):
    data = privacy.person_data(lead)
    assert data["cv"] is None
    assert data["notes"] == data["resubmissions"] == []
    assert data["lead"]["reached_out_by"] is None


def test_a_note_whose_author_was_deleted_is_still_exported(person, attorney):
    attorney.delete()
    [note] = privacy.person_data(person)["notes"]
    assert (note["author"], note["body"]) == (None, "Called, will send papers.")


def test_the_command_writes_the_document_to_stdout(person, capsys):
    call_command("export_person", "Ines.Barros@EXAMPLE.com")
    data = json.loads(capsys.readouterr().out)
    assert data["lead"]["id"] == person.pk
    assert data["cv"]["file_name"] == "Inês CV.txt"


def test_the_command_writes_to_a_file(person, tmp_path, capsys):
    output = tmp_path / "ines.json"
    call_command("export_person", "ines.barros@example.com", "--output", str(output))
    assert json.loads(output.read_text(encoding="utf-8"))["lead"]["email"] == person.email
    assert capsys.readouterr().out == f"Lead {person.pk}'s data written to {output}.\n"


@pytest.mark.parametrize("existing", [False, True])
def test_the_file_is_readable_by_its_owner_alone(person, tmp_path, existing):
    output = tmp_path / "ines.json"
    if existing:
        output.write_text("old")
        output.chmod(0o644)
    old_umask = os.umask(0o022)
    try:
        call_command("export_person", person.email, "--output", str(output))
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert json.loads(output.read_text(encoding="utf-8"))["lead"]["id"] == person.pk


def test_the_command_says_clearly_when_nothing_is_held(lead):
    with pytest.raises(CommandError, match="No lead has the email address or id 'x@example.com'"):
        call_command("export_person", "x@example.com")


def test_the_command_says_when_it_cannot_write_the_file(person, tmp_path):
    with pytest.raises(CommandError, match="Could not write"):
        call_command("export_person", person.email, "--output", str(tmp_path / "no" / "f.json"))


def test_attorneys_download_it_from_the_lead_page(attorney_client, person):
    page = attorney_client.get(reverse("attorneys:lead_detail", args=[person.pk]))
    assert export_url(person) in page.content.decode()
    response = attorney_client.get(export_url(person))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="lead-{person.pk}.json"'
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["lead"]["email"] == "ines.barros@example.com"
    assert data["notes"][0]["body"] == "Called, will send papers."


def test_the_download_needs_an_attorney(client, outsider, person):
    response = client.get(export_url(person))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    client.force_login(outsider)
    response = client.get(export_url(person))
    assert response.status_code == 403
    assert b"ines.barros" not in response.content


def test_the_download_of_an_unknown_lead_is_a_404(client):
    client.force_login(AttorneyFactory())
    assert client.get(reverse("attorneys:lead_export_person", args=[999999])).status_code == 404
