import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from api.serializers import LeadSerializer
from api.views import LeadUpdateView
from leads import lifecycle
from leads.models import Activity, Lead
from leads.tests.factories import LeadFactory, UserFactory, lead_api_data

from .helpers import error_of

pytestmark = pytest.mark.django_db


def url(pk):
    return f"/update/{pk}"


def put(client, lead, data, **kwargs):
    return client.put(url(lead.pk), json.dumps(data), content_type="application/json", **kwargs)


def patch(client, lead, data, **kwargs):
    return client.patch(url(lead.pk), json.dumps(data), content_type="application/json", **kwargs)


def test_put_replaces_every_field(attorney_client, lead):
    body = lead_api_data(
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        resume="Analyst.",
        state="PENDING",
    )
    response = put(attorney_client, lead, body)
    assert response.status_code == 200, response.content
    assert {key: response.json()[key] for key in body} == body
    lead.refresh_from_db()
    assert (lead.first_name, lead.last_name, lead.email) == ("Ada", "Lovelace", "ada@example.com")
    assert lead.resume == "Analyst."
    assert reverse("api:lead_update", args=[lead.pk]) == url(lead.pk)


def test_it_works_with_a_trailing_slash(attorney_client, lead):
    response = attorney_client.patch(
        f"/update/{lead.pk}/", {"FIRST_NAME": "Ada"}, content_type="application/json"
    )
    assert response.status_code == 200


def test_put_requires_every_field(attorney_client, lead):
    error = error_of(put(attorney_client, lead, {"FIRST_NAME": "Ada"}), 400)
    assert set(error["fields"]) == {"LAST_NAME", "EMAIL", "RESUME", "STATE"}
    lead.refresh_from_db()
    assert lead.first_name != "Ada"


def test_patch_changes_only_what_it_is_given(attorney_client, lead):
    response = patch(attorney_client, lead, {"LAST_NAME": "  Byron "})
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.last_name == "Byron"
    assert lead.email == response.json()["EMAIL"]


def test_reaching_out_records_who_and_when(attorney_client, attorney, lead):
    response = patch(attorney_client, lead, {"STATE": "REACHED_OUT"})
    assert response.status_code == 200
    assert response.json()["STATE"] == "REACHED_OUT"
    assert response.json()["REACHED_OUT_AT"] is not None
    lead.refresh_from_db()
    assert lead.state == Lead.State.REACHED_OUT
    assert lead.reached_out_by == attorney
    assert lead.reached_out_at is not None

    response = patch(attorney_client, lead, {"STATE": "PENDING"})
    assert response.json()["REACHED_OUT_AT"] is None
    lead.refresh_from_db()
    assert (lead.state, lead.reached_out_by, lead.reached_out_at) == ("PENDING", None, None)


def test_put_can_reach_out_too(client, attorney, lead):
    token = Token.objects.create(user=attorney)
    headers = {"Authorization": f"Token {token.key}"}
    body = lead_api_data(email="ada@example.com", state="REACHED_OUT")
    response = put(client, lead, body, headers=headers)
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.reached_out_by == attorney
    assert lead.email == "ada@example.com"


def test_the_same_state_again_keeps_the_record(attorney_client, attorney, lead):
    lifecycle.move_lead(lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney)
    reached_out_at = lead.reached_out_at
    patch(attorney_client, lead, {"STATE": "REACHED_OUT", "FIRST_NAME": "Ada"})
    lead.refresh_from_db()
    assert lead.reached_out_at == reached_out_at


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@Example.com"])
def test_an_email_of_another_lead_is_a_409(attorney_client, lead, email):
    LeadFactory(email="taken@example.com")
    old_email = lead.email
    error = error_of(patch(attorney_client, lead, {"EMAIL": email, "FIRST_NAME": "X"}), 409)
    assert error["code"] == "duplicate_email"
    assert list(error["fields"]) == ["EMAIL"]
    lead.refresh_from_db()
    assert lead.email == old_email
    assert lead.first_name != "X"


def test_its_own_email_in_another_case_is_fine(attorney_client):
    lead = LeadFactory(email="ada@example.com")
    response = patch(attorney_client, lead, {"EMAIL": "ADA@example.com"})
    assert response.status_code == 200
    assert response.json()["EMAIL"] == "ADA@example.com"


def test_a_duplicate_found_by_the_database_rolls_back_the_state(attorney_client, lead, monkeypatch):
    LeadFactory(email="taken@example.com")
    monkeypatch.setattr(Lead, "validate_constraints", lambda self, exclude=None: None)
    response = patch(attorney_client, lead, {"EMAIL": "taken@example.com", "STATE": "REACHED_OUT"})
    error_of(response, 409)
    lead.refresh_from_db()
    assert lead.state == Lead.State.PENDING


@pytest.mark.parametrize(
    "field, value",
    [
        ("FIRST_NAME", " "),
        ("LAST_NAME", ""),
        ("EMAIL", "nope"),
        ("RESUME", ""),
        ("STATE", "LOST"),
        ("STATE", None),
        ("FIRST_NAME", 7),
    ],
)
def test_it_refuses_an_invalid_field(attorney_client, lead, field, value):
    error = error_of(patch(attorney_client, lead, {field: value}), 400)
    assert list(error["fields"]) == [field]
    assert field in error["message"]


def test_a_lead_whose_cv_file_went_missing_can_still_be_changed(attorney_client, lead):
    lead.cv.save("cv.pdf", ContentFile(b"%PDF-1.4 test"))
    lead.cv.storage.delete(lead.cv.name)
    response = patch(attorney_client, lead, {"STATE": "REACHED_OUT"})
    assert response.status_code == 200, response.content
    assert response.json()["CV_URL"] is not None


def test_read_only_fields_are_ignored(attorney_client, lead):
    response = patch(attorney_client, lead, {"LEAD_ID": 12345, "CREATED_AT": "2000-01-01"})
    assert response.status_code == 200
    assert response.json()["LEAD_ID"] == lead.pk


def test_it_requires_authentication(client, lead):
    assert error_of(patch(client, lead, {"STATE": "REACHED_OUT"}), 401)["code"] == (
        "not_authenticated"
    )


def test_it_checks_the_permission(client, outsider, lead):
    client.force_login(outsider)
    error_of(patch(client, lead, {"STATE": "REACHED_OUT"}), 403)


def test_viewing_is_not_enough_to_change(client, lead):
    reader = UserFactory()
    reader.user_permissions.add(Permission.objects.get(codename="view_lead"))
    client.force_login(reader)
    assert client.get(f"/get/{lead.pk}").status_code == 200
    error_of(patch(client, lead, {"STATE": "REACHED_OUT"}), 403)
    lead.refresh_from_db()
    assert lead.state == Lead.State.PENDING


def test_an_unknown_lead_is_a_404(attorney_client):
    missing = Lead(pk=999999)
    error_of(patch(attorney_client, missing, {"STATE": "REACHED_OUT"}), 404)
    error_of(put(attorney_client, missing, lead_api_data(state="PENDING")), 404)


def test_it_refuses_other_methods(attorney_client, lead):
    for method in ("get", "post", "delete"):
        error_of(getattr(attorney_client, method)(url(lead.pk)), 405)


def test_a_session_needs_the_csrf_token(attorney, lead):
    client = Client(enforce_csrf_checks=True)
    client.force_login(attorney)
    error = error_of(patch(client, lead, {"STATE": "REACHED_OUT"}), 403)
    assert "CSRF" in error["message"]

    client.get(reverse("attorneys:lead_list"))  # sets the CSRF cookie, like any page
    token = client.cookies["csrftoken"].value
    response = patch(client, lead, {"STATE": "REACHED_OUT"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200


def test_a_token_needs_no_csrf_token(attorney, lead):
    client = Client(enforce_csrf_checks=True)
    token = Token.objects.create(user=attorney)
    response = patch(
        client, lead, {"STATE": "REACHED_OUT"}, headers={"Authorization": f"Token {token.key}"}
    )
    assert response.status_code == 200


def test_a_patch_does_not_undo_a_concurrent_state_change(attorney, lead):
    stale = Lead.objects.get(pk=lead.pk)
    lifecycle.move_lead(
        lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
    )  # another attorney, meanwhile
    view = LeadUpdateView()
    serializer = LeadSerializer(
        stale,
        data={"FIRST_NAME": "Renamed"},
        partial=True,
        context={"request": type("Request", (), {"user": attorney})()},
    )
    assert serializer.is_valid(), serializer.errors
    view.perform_update(serializer)
    lead.refresh_from_db()
    assert lead.first_name == "Renamed"
    assert lead.state == Lead.State.REACHED_OUT
    assert lead.reached_out_by == attorney
