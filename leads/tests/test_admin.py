import pytest
from django.urls import reverse

from leads.models import Lead

from .factories import LeadFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:leads_lead_changelist")


def test_attorney_sees_leads_in_the_admin(attorney_client):
    LeadFactory(first_name="Ana", last_name="Silva", email="ana@example.com")
    response = attorney_client.get(CHANGELIST, {"q": "silva"})
    assert response.status_code == 200
    assert "ana@example.com" in response.content.decode()


def test_non_staff_user_cannot_open_the_admin(client, outsider, lead):
    client.force_login(outsider)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert "login" in response.url


def test_mark_reached_out_action_records_who_and_when(attorney_client, attorney):
    leads = LeadFactory.create_batch(2)
    other = LeadFactory()
    response = attorney_client.post(
        CHANGELIST,
        {"action": "mark_reached_out", "_selected_action": [lead.pk for lead in leads]},
        follow=True,
    )
    assert "2 lead(s) marked as reached out." in response.content.decode()
    for lead in leads:
        lead.refresh_from_db()
        assert lead.state == Lead.State.REACHED_OUT
        assert lead.reached_out_by == attorney
        assert lead.reached_out_at is not None
    other.refresh_from_db()
    assert other.state == Lead.State.PENDING


def test_mark_pending_action(attorney_client, attorney):
    lead = LeadFactory()
    lead.mark_reached_out(by=attorney)
    attorney_client.post(CHANGELIST, {"action": "mark_pending", "_selected_action": [lead.pk]})
    lead.refresh_from_db()
    assert (lead.state, lead.reached_out_at, lead.reached_out_by) == ("PENDING", None, None)


def test_change_form_state_goes_through_the_model(attorney_client, attorney, lead):
    url = reverse("admin:leads_lead_change", args=[lead.pk])
    data = {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "resume": lead.resume,
        "state": "REACHED_OUT",
    }
    response = attorney_client.post(url, data)
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.state == Lead.State.REACHED_OUT
    assert lead.reached_out_by == attorney


def test_change_form_refuses_duplicate_email(attorney_client, lead):
    LeadFactory(email="taken@example.com")
    url = reverse("admin:leads_lead_change", args=[lead.pk])
    data = {
        "first_name": "A",
        "last_name": "B",
        "email": "Taken@example.com",
        "resume": "r",
        "state": "PENDING",
    }
    response = attorney_client.post(url, data)
    assert response.status_code == 200
    assert "A lead with this email address already exists." in response.content.decode()


def test_timestamps_are_read_only(attorney_client, lead):
    response = attorney_client.get(reverse("admin:leads_lead_change", args=[lead.pk]))
    form = response.context["adminform"].form
    for field in ("created_at", "updated_at", "reached_out_at", "reached_out_by"):
        assert field not in form.fields


def test_change_form_does_not_link_to_the_cv_file(attorney_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    lead = LeadFactory(cv=SimpleUploadedFile("cv.pdf", b"%PDF-1.4 x"))
    html = attorney_client.get(reverse("admin:leads_lead_change", args=[lead.pk])).content.decode()
    assert "A CV file is on record" in html
    assert lead.cv.name not in html
