"""The error shape, and the errors that come before any view code: parsing and sizes."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from leads.models import Lead
from leads.tests.factories import lead_api_data

from .helpers import error_of

pytestmark = pytest.mark.django_db


def test_a_field_error_names_the_field(client):
    error = error_of(client.post("/create", lead_api_data(email="x")), 400)
    assert error == {
        "status": 400,
        "code": "invalid",
        "message": "EMAIL: Enter a valid email address.",
        "fields": {"EMAIL": ["Enter a valid email address."]},
    }


@pytest.mark.parametrize("body", ['{"FIRST_NAME": ', "{'single': 'quotes'}", "NaN", "\xff"])
def test_malformed_json_is_a_400(client, body):
    response = client.post("/create", body, content_type="application/json")
    assert error_of(response, 400)["code"] == "parse_error"
    assert not Lead.objects.exists()


def test_deeply_nested_json_is_a_400(client):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/create", body, content_type="application/json")
    assert error_of(response, 400)["code"] == "parse_error"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded"]
)
def test_an_unsupported_content_type_is_a_415(client, content_type):
    response = client.post("/create", json.dumps(lead_api_data()), content_type=content_type)
    assert error_of(response, 415)["code"] == "unsupported_media_type"
    assert not Lead.objects.exists()


def test_a_json_body_over_the_limit_is_a_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    data = lead_api_data(resume="x" * 1000)
    response = client.post("/create", json.dumps(data), content_type="application/json")
    error = error_of(response, 413)
    assert error["code"] == "request_too_large"
    assert "1000" in error["message"]
    assert not Lead.objects.exists()


def test_a_multipart_body_over_the_limit_is_a_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    cv = SimpleUploadedFile("cv.pdf", b"%PDF-" + b"x" * 2000)
    response = client.post("/create", lead_api_data(cv=cv))
    assert error_of(response, 413)["code"] == "request_too_large"
    assert not Lead.objects.exists()


def test_an_update_over_the_limit_is_a_413(attorney_client, lead, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = json.dumps({"RESUME": "x" * 200})
    response = attorney_client.patch(f"/update/{lead.pk}", body, content_type="application/json")
    error_of(response, 413)


def test_too_many_files_is_a_400(client):
    files = [SimpleUploadedFile(f"cv{n}.pdf", b"%PDF-1.4") for n in range(2)]
    response = client.post("/create", lead_api_data(cv=files))
    assert error_of(response, 400)["code"] == "parse_error"
    assert not Lead.objects.exists()


def test_an_empty_body_is_a_400(client):
    response = client.post("/create", "", content_type="application/json")
    assert set(error_of(response, 400)["fields"]) == {"FIRST_NAME", "LAST_NAME", "EMAIL", "RESUME"}


def test_an_unknown_route_is_not_the_api(client):
    # Anything that is not an API route keeps the site's own (HTML) 404.
    assert client.get("/get/1/extra").status_code == 404


def test_a_session_without_csrf_token_cannot_create(attorney):
    client = Client(enforce_csrf_checks=True)
    client.force_login(attorney)
    body = json.dumps(lead_api_data())
    response = client.post("/create", body, content_type="application/json")
    assert "CSRF" in error_of(response, 403)["message"]
