import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token

from leads import lifecycle
from leads.models import Activity, Lead

from .factories import LeadFactory, lead_api_data, lead_form_data

pytestmark = pytest.mark.django_db

Kind = Activity.Kind
Source = Activity.Source


def kinds(lead):
    return list(lead.activities.values_list("kind", "source"))


def test_the_public_form_records_the_creation_and_the_emails(client, run_worker):
    client.post(reverse("intake:form"), lead_form_data())
    run_worker()
    lead = Lead.objects.get()
    created = lead.activities.get(kind=Kind.CREATED)
    assert created.source == Source.FORM and created.actor is None
    emails = lead.activities.filter(kind=Kind.EMAIL_SENT).order_by("id")
    assert [a.message for a in emails] == [
        "Confirmation to the prospect",
        "Notification to the attorneys",
    ]


def test_a_failed_email_is_recorded(client, run_worker, monkeypatch):
    def broken_send_mail(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("leads.notifications.send_mail", broken_send_mail)
    response = client.post(reverse("intake:form"), lead_form_data())
    run_worker()
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert lead.activities.filter(kind=Kind.EMAIL_FAILED).count() == 2
    assert not lead.activities.filter(kind=Kind.EMAIL_SENT).exists()


def test_the_api_records_the_creation_with_the_token_user(client, attorney):
    token = Token.objects.create(user=attorney)
    response = client.post(
        "/create",
        lead_api_data(),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 201
    created = Activity.objects.get(lead_id=response.json()["LEAD_ID"], kind=Kind.CREATED)
    assert (created.source, created.actor) == (Source.API, attorney)


def test_the_attorney_page_records_creation_and_edits(attorney_client, attorney):
    data = lead_form_data(first_name="Amara", resume="Software engineer, 8 years.", state="PENDING")
    attorney_client.post(reverse("attorneys:lead_create"), data)
    lead = Lead.objects.get()
    attorney_client.post(
        reverse("attorneys:lead_edit", args=[lead.pk]),
        lead_form_data(lead, first_name="Amarachi", resume="x" * 500, state="REACHED_OUT"),
    )
    created, edited, state_changed = lead.activities.order_by("id")
    assert (created.kind, created.source, created.actor) == (Kind.CREATED, Source.PAGE, attorney)
    assert (edited.kind, edited.source, edited.actor) == (Kind.EDITED, Source.PAGE, attorney)
    assert edited.changes["First name"] == ["Amara", "Amarachi"]
    old_resume, new_resume = edited.changes["Resume"]
    assert old_resume == "Software engineer, 8 years."
    # Long text is summarised, not dumped.
    assert new_resume == "x" * 80 + "… (500 characters)"
    assert set(edited.changes) == {"First name", "Resume"}
    assert state_changed.kind == Kind.STATE_CHANGED
    assert state_changed.changes == {"State": ["Pending", "Reached out"]}


def test_saving_without_changes_records_no_edit(attorney_client, lead):
    attorney_client.post(reverse("attorneys:lead_edit", args=[lead.pk]), lead_form_data(lead))
    assert not lead.activities.exists()


def test_a_new_cv_is_recorded_as_a_change(attorney_client, lead):
    cv = SimpleUploadedFile("cv.txt", b"Plain text CV", content_type="text/plain")
    data = lead_form_data(lead, cv=cv)
    attorney_client.post(reverse("attorneys:lead_edit", args=[lead.pk]), data)
    assert lead.activities.get(kind=Kind.EDITED).changes == {"CV file": ["none", "uploaded"]}


def test_state_changes_record_who_and_from_where(attorney_client, attorney, client):
    lead = LeadFactory()
    attorney_client.post(
        reverse("attorneys:lead_set_state", args=[lead.pk]), {"state": "REACHED_OUT"}
    )
    token = Token.objects.create(user=attorney)
    client.patch(
        f"/update/{lead.pk}",
        {"STATE": "PENDING", "LAST_NAME": "Renamed"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    page_entry, *api_entries = lead.activities.order_by("id")
    assert (page_entry.kind, page_entry.source, page_entry.actor) == (
        Kind.STATE_CHANGED,
        Source.PAGE,
        attorney,
    )
    assert page_entry.changes == {"State": ["Pending", "Reached out"]}
    assert {(a.kind, a.source, a.actor) for a in api_entries} == {
        (Kind.EDITED, Source.API, attorney),
        (Kind.STATE_CHANGED, Source.API, attorney),
    }
    changes = {a.kind: a.changes for a in api_entries}
    assert changes[Kind.EDITED] == {"Last name": [lead.last_name, "Renamed"]}
    assert changes[Kind.STATE_CHANGED] == {"State": ["Reached out", "Pending"]}


def test_the_detail_page_shows_the_history_newest_first(attorney_client, attorney):
    lead = LeadFactory()
    lifecycle.move_lead(lead, Lead.State.REACHED_OUT, source=Source.PAGE, actor=attorney)
    lifecycle.move_lead(lead, Lead.State.PENDING, source=Source.PAGE, actor=attorney)
    page = attorney_client.get(reverse("attorneys:lead_detail", args=[lead.pk])).content.decode()
    history = page[page.index('id="history"') :]
    back_to_pending = history.index("<del>Reached out</del> → <ins>Pending</ins>")
    reached_out = history.index("<del>Pending</del> → <ins>Reached out</ins>")
    assert back_to_pending < reached_out
    assert "from the attorney pages by" in history


def test_history_values_are_shown_escaped(attorney_client, lead, attorney):
    lead.first_name = "<script>alert(1)</script>"
    lead.save()
    Activity.objects.create(
        lead=lead, kind=Kind.EDITED, changes={"First name": ["Old", lead.first_name]}
    )
    page = attorney_client.get(reverse("attorneys:lead_detail", args=[lead.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_no_route_edits_the_history(attorney_client, lead, attorney):
    entry = Activity.objects.create(lead=lead, kind=Kind.CREATED, source=Source.FORM)
    for url in (f"/get/{lead.pk}", f"/update/{lead.pk}"):
        attorney_client.patch(url, {"HISTORY": []}, content_type="application/json")
    assert Activity.objects.get(pk=entry.pk).kind == Kind.CREATED
    assert attorney.has_perm("leads.view_activity")
    assert not attorney.has_perm("leads.change_activity")
    assert not attorney.has_perm("leads.delete_activity")


def test_a_resume_edited_beyond_its_summary_still_shows_a_change(attorney_client, lead):
    lead.resume = "a" * 200
    lead.save()
    data = lead_form_data(lead, resume="a" * 199 + "b")
    attorney_client.post(reverse("attorneys:lead_edit", args=[lead.pk]), data)
    old, new = lead.activities.get(kind=Kind.EDITED).changes["Resume"]
    assert old != new and new.endswith("(edited further on)")


def test_a_long_email_is_recorded_in_full(attorney_client, lead):
    email = "a" * 90 + "@example.com"
    attorney_client.post(
        reverse("attorneys:lead_edit", args=[lead.pk]), lead_form_data(lead, email=email)
    )
    assert lead.activities.get(kind=Kind.EDITED).changes["Email"] == [lead.email, email]
