import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from leads.models import Activity, Note
from leads.tests.factories import LeadFactory, lead_form_data

pytestmark = pytest.mark.django_db


def add_note(client, lead, body):
    return client.post(reverse("attorneys:lead_add_note", args=[lead.pk]), {"body": body})


def test_it_works(attorney_client, attorney, lead):
    response = add_note(attorney_client, lead, "Called, left a voicemail.")
    assert response.status_code == 302 and response.url == lead.get_absolute_url() + "#notes"
    note = Note.objects.get()
    assert (note.lead, note.author, note.body) == (lead, attorney, "Called, left a voicemail.")
    page = attorney_client.get(lead.get_absolute_url()).content.decode()
    assert "Called, left a voicemail." in page
    assert attorney.get_full_name() in page[page.index('id="notes"') :]
    entry = lead.activities.get(kind=Activity.Kind.NOTE_ADDED)
    assert (entry.actor, entry.source) == (attorney, Activity.Source.PAGE)


def test_notes_stay_out_of_the_page_title(attorney_client, lead):
    add_note(attorney_client, lead, "Called, left a voicemail.")
    page = attorney_client.get(lead.get_absolute_url()).content.decode()
    title = page[page.index("<title>") : page.index("</title>")]
    assert title == f"<title>{lead.full_name} · Leads Dashboard"
    assert page.count("Called, left a voicemail.") == 1


def test_it_refuses_a_user_who_may_add_notes_but_not_read_leads(client, outsider, lead):
    outsider.user_permissions.add(Permission.objects.get(codename="add_note"))
    client.force_login(outsider)
    response = add_note(client, lead, "")
    assert response.status_code == 403
    assert lead.email.encode() not in response.content


def test_notes_are_shown_newest_first(attorney_client, lead):
    add_note(attorney_client, lead, "First note")
    add_note(attorney_client, lead, "Second note")
    page = attorney_client.get(lead.get_absolute_url()).content.decode()
    assert page.index("Second note") < page.index("First note")


@pytest.mark.parametrize("body", ["", "   \n\t  "])
def test_it_refuses_an_empty_note(attorney_client, lead, body):
    response = add_note(attorney_client, lead, body)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Note.objects.exists()
    assert not lead.activities.exists()


def test_it_refuses_a_note_over_2000_characters(attorney_client, lead):
    response = add_note(attorney_client, lead, "x" * 2001)
    assert "at most 2000 characters" in response.content.decode()
    assert not Note.objects.exists()


def test_html_in_a_note_is_shown_escaped(attorney_client, lead):
    add_note(attorney_client, lead, '<script>alert("x")</script>')
    page = attorney_client.get(lead.get_absolute_url()).content.decode()
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_it_requires_login(client, lead):
    response = add_note(client, lead, "Sneaky")
    assert response.status_code == 302 and reverse("login") in response.url
    assert not Note.objects.exists()


def test_it_refuses_non_attorneys(client, outsider, lead):
    client.force_login(outsider)
    assert add_note(client, lead, "Sneaky").status_code == 403
    assert not Note.objects.exists()


def test_the_api_shows_notes_to_attorneys(attorney_client, attorney):
    lead = LeadFactory()
    add_note(attorney_client, lead, "Older")
    add_note(attorney_client, lead, "<b>Newer</b>")
    data = attorney_client.get(f"/get/{lead.pk}").json()
    assert [note["BODY"] for note in data["NOTES"]] == ["<b>Newer</b>", "Older"]
    assert data["NOTES"][0]["AUTHOR"] == attorney.get_full_name()
    assert "NOTES" not in attorney_client.get("/get").json()["results"][0]


def test_the_api_refuses_notes_to_others(client, outsider, lead):
    Note.objects.create(lead=lead, body="Confidential")
    assert client.get(f"/get/{lead.pk}").status_code == 401
    client.force_login(outsider)
    response = client.get(f"/get/{lead.pk}")
    assert response.status_code == 403 and b"Confidential" not in response.content


def test_notes_never_reach_the_prospect(client, attorney_client, run_worker):
    client.post(
        reverse("intake:form"),
        lead_form_data(email="ana@example.com"),
    )
    lead = LeadFactory._meta.model.objects.get(email="ana@example.com")
    add_note(attorney_client, lead, "Internal: strong case")
    run_worker()
    assert len(mail.outbox) == 2
    assert all("Internal: strong case" not in message.body for message in mail.outbox)
    thanks = client.get(reverse("intake:thanks")).content.decode()
    assert "Internal: strong case" not in thanks
