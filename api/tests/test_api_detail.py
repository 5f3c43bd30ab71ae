import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from rest_framework.authtoken.models import Token

from leads import lifecycle
from leads.models import Activity, Lead

from .helpers import error_of

pytestmark = pytest.mark.django_db


def url(pk):
    return f"/get/{pk}"


def test_it_works(attorney_client, lead):
    response = attorney_client.get(url(lead.pk))
    assert response.status_code == 200
    data = response.json()
    assert data["LEAD_ID"] == lead.pk
    assert data["FIRST_NAME"] == lead.first_name
    assert data["LAST_NAME"] == lead.last_name
    assert data["EMAIL"] == lead.email
    assert data["RESUME"] == lead.resume
    assert data["STATE"] == "PENDING"
    assert data["REACHED_OUT_AT"] is None
    assert data["CV_URL"] is None
    assert reverse("api:lead_detail", args=[lead.pk]) == url(lead.pk)


def test_it_works_with_a_trailing_slash(attorney_client, lead):
    assert attorney_client.get(f"/get/{lead.pk}/").json()["LEAD_ID"] == lead.pk


def test_it_links_to_the_cv(attorney_client, lead):
    lead.cv.save("cv.pdf", ContentFile(b"%PDF-1.4 test"))
    cv_url = attorney_client.get(url(lead.pk)).json()["CV_URL"]
    assert cv_url == "http://testserver" + reverse("attorneys:lead_cv", args=[lead.pk])
    assert attorney_client.get(cv_url).status_code == 200


def test_it_shows_when_the_lead_was_reached(attorney_client, attorney, lead):
    lifecycle.move_lead(lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney)
    data = attorney_client.get(url(lead.pk)).json()
    assert data["STATE"] == "REACHED_OUT"
    assert data["REACHED_OUT_AT"] is not None


@pytest.mark.parametrize("pk", ["999999", "abc", "-1", "0", "99999999999999999999999"])
def test_an_unknown_id_is_a_json_404(attorney_client, lead, pk):
    assert error_of(attorney_client.get(url(pk)), 404)["code"] == "not_found"


def test_it_requires_authentication(client, lead):
    assert error_of(client.get(url(lead.pk)), 401)["code"] == "not_authenticated"


def test_unknown_ids_are_hidden_from_anonymous_clients(client):
    error_of(client.get(url(999999)), 401)


def test_it_checks_the_permission(client, outsider, lead):
    token = Token.objects.create(user=outsider)
    response = client.get(url(lead.pk), headers={"Authorization": f"Token {token.key}"})
    assert error_of(response, 403)["code"] == "permission_denied"


def test_it_refuses_other_methods(attorney_client, lead):
    error_of(attorney_client.delete(url(lead.pk)), 405)
    error_of(attorney_client.put(url(lead.pk), {}, content_type="application/json"), 405)


def test_a_lead_without_notes_takes_one_query_besides_the_token(
    client, attorney, lead, django_assert_num_queries
):
    headers = {"Authorization": f"Token {Token.objects.create(user=attorney).key}"}
    client.get(url(lead.pk), headers=headers)  # the attorney's permissions, remembered
    with django_assert_num_queries(2):  # the token with its user, then the lead
        response = client.get(url(lead.pk), headers=headers)
    assert response.json()["NOTES"] == []
