"""Every page and answer that holds personal data tells browsers and proxies not to keep it
(Cache-Control: no-store), while static files keep their long cache."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from leads.models import Resubmission
from leads.tests.factories import LeadFactory
from leads.tests.files import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    lead = LeadFactory(cv=pdf_upload())
    Resubmission.objects.create(
        lead=lead,
        first_name=lead.first_name,
        last_name=lead.last_name,
        email=lead.email,
        resume="Again.",
        cv=pdf_upload(),
    )
    return lead


def pages(lead):
    resubmission = lead.resubmissions.get()
    return {
        "dashboard": reverse("attorneys:dashboard"),
        "list": reverse("attorneys:lead_list") + "?q=" + lead.last_name,
        "lead": reverse("attorneys:lead_detail", args=[lead.pk]),
        "edit": reverse("attorneys:lead_edit", args=[lead.pk]),
        "erase": reverse("attorneys:lead_erase", args=[lead.pk]),
        "CV": reverse("attorneys:lead_cv", args=[lead.pk]),
        "resent CV": reverse("attorneys:resubmission_cv", args=[lead.pk, resubmission.pk]),
        "CSV export": reverse("attorneys:lead_export"),
        "person's data": reverse("attorneys:lead_export_person", args=[lead.pk]),
        "admin list": reverse("admin:leads_lead_changelist"),
    }


def test_pages_with_personal_data_are_never_stored(eraser_client, lead):
    for what, url in pages(lead).items():
        response = eraser_client.get(url)
        assert response.status_code == 200, (what, response.status_code)
        assert "no-store" in response["Cache-Control"], what
        if what != "person's data":  # an attachment: "no-store" alone, its own header
            assert "private" in response["Cache-Control"], what


def test_api_answers_are_never_stored(client, attorney, lead):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=attorney).key}"
    for url in [reverse("api:lead_list"), reverse("api:lead_detail", args=[lead.pk])]:
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], url


def test_the_public_form_and_its_errors_are_not_stored_either(client):
    # The form as sent back after a mistake holds what the prospect typed.
    response = client.post(reverse("intake:form"), {"first_name": "Ana", "email": "not-an-email"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_static_files_keep_their_cache(client, settings):
    settings.WHITENOISE_USE_FINDERS = True  # as in development: no collectstatic in the tests
    settings.WHITENOISE_AUTOREFRESH = True
    response = client.get(settings.STATIC_URL + "css/site.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
