"""Bad input to the JSON API: bodies that are not objects, values of the wrong type or too
long, taken emails, unknown or internal fields, oversized bodies, bad CVs, wrong methods and
malformed ids each get a clear 4xx with the API's JSON error body, never a 500, and change
nothing already stored; HTML in a lead comes back as JSON text only.

The helpers, and what every bad-input module checks, are in bad_input.py."""

import json
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leads.models import Lead
from leads.tests.bad_input import (
    BAD_CVS,
    CREATE,
    HUGE_ID,
    MB,
    OTHER_EMAIL,
    XSS,
    api,
    api_error,
    cv_files,
    nothing_changes,
    stored,
)

# The shared fixtures, which pytest finds by their names here (see bad_input.py).
from leads.tests.factories import LeadFactory, lead_api_data

pytestmark = pytest.mark.django_db


def update(pk):
    return reverse("api:lead_update", args=[pk])


@pytest.mark.parametrize(
    "method, raw",
    [
        pytest.param("post", "[]", id="create-empty-array"),
        pytest.param("post", "42", id="create-number"),
        pytest.param("post", "null", id="create-null"),
        pytest.param("post", '"John Doe"', id="create-string"),
        pytest.param("post", "true", id="create-boolean"),
        pytest.param("patch", "null", id="patch-null"),
        pytest.param("patch", json.dumps([{"STATE": "REACHED_OUT"}]), id="patch-array"),
        pytest.param("put", '"REACHED_OUT"', id="put-string"),
    ],
)
def test_the_api_refuses_a_body_that_is_not_an_object(client, token, existing, method, raw):
    url = CREATE if method == "post" else update(existing.pk)
    with nothing_changes():
        response = api(client, method, url, token=token, raw=raw)
    assert api_error(response, 400)["code"] == "invalid"


@pytest.mark.parametrize(
    "method, field, value",
    [
        ("post", "LAST_NAME", 4.2),
        ("post", "FIRST_NAME", ["John"]),
        ("post", "EMAIL", {"address": "john.doe@example.com"}),
        ("post", "RESUME", True),
        ("patch", "STATE", 1),
        ("patch", "STATE", ["REACHED_OUT"]),
        ("patch", "RESUME", {"text": "x"}),
        ("patch", "EMAIL", False),
    ],
)
def test_the_api_refuses_a_wrong_type(client, token, existing, method, field, value):
    url = CREATE if method == "post" else update(existing.pk)
    body = {**lead_api_data(), field: value} if method == "post" else {field: value}
    with nothing_changes():
        response = api(client, method, url, body, token=token)
    assert list(api_error(response, 400)["fields"]) == [field]


def test_a_number_too_long_for_python_is_a_parse_error(client, token, existing):
    raw = '{"FIRST_NAME": ' + "1" * 5000 + "}"
    with nothing_changes():
        response = api(client, "post", CREATE, token=token, raw=raw)
    assert api_error(response, 400)["code"] == "parse_error"


@pytest.mark.parametrize(
    "method, field, value, status",
    [
        pytest.param("post", "FIRST_NAME", "\u00a0\u3000", 400, id="create-unicode-blank-name"),
        pytest.param("post", "FIRST_NAME", "x" * 10_000, 400, id="create-10000-char-name"),
        pytest.param("post", "RESUME", "x" * 20_001, 400, id="create-resume-over-20000"),
        pytest.param("post", "EMAIL", "josé@example.com", 400, id="create-unicode-local-part"),
        pytest.param(
            "post", "EMAIL", "john@example.com\nBcc: v@example.com", 400, id="create-email-header"
        ),
        pytest.param("post", "EMAIL", OTHER_EMAIL.upper(), 409, id="create-taken-email-caps"),
        pytest.param("patch", "LAST_NAME", "x" * 10_000, 400, id="patch-10000-char-name"),
        pytest.param("patch", "EMAIL", "josé@example.com", 400, id="patch-unicode-local-part"),
        pytest.param("patch", "EMAIL", OTHER_EMAIL.upper(), 409, id="patch-taken-email-caps"),
        pytest.param("patch", "STATE", "pending", 400, id="patch-state-in-lower-case"),
        pytest.param("put", "FIRST_NAME", " \t\r\n ", 400, id="put-whitespace-name"),
    ],
)
def test_the_api_refuses_a_bad_value(client, token, existing, other, method, field, value, status):
    url = CREATE if method == "post" else update(existing.pk)
    full = lead_api_data(state="PENDING") if method == "put" else lead_api_data()
    body = {field: value} if method == "patch" else {**full, field: value}
    with nothing_changes():
        response = api(client, method, url, body, token=token)
    assert list(api_error(response, status)["fields"]) == [field]


def test_create_gives_no_effect_to_unknown_or_internal_fields(client, token, existing, attorney):
    smuggled = {
        "FOO": "bar",
        "STATE": "REACHED_OUT",
        "state": "REACHED_OUT",
        "reached_out_by": attorney.pk,
        "REACHED_OUT_AT": "2000-01-01T00:00:00Z",
        "LEAD_ID": existing.pk,
        "id": existing.pk,
        "CREATED_AT": "2000-01-01T00:00:00Z",
        "CV": "../../etc/passwd",
        "cv": "../../etc/passwd",
        "CV_URL": "https://evil.example/cv.pdf",
    }
    before = stored()
    response = api(client, "post", CREATE, {**lead_api_data(), **smuggled}, token=token)
    # Either choice is clear: refuse unknown fields, or (DRF's way, and docs/API.md's for the
    # read-only ones) ignore them. What matters is that none of them has any effect.
    if response.status_code == 400:
        assert set(api_error(response, 400)["fields"]) <= set(smuggled)
        assert stored() == before
        return
    assert response.status_code == 201, response.content
    lead = Lead.objects.get(pk=response.json()["LEAD_ID"])
    assert lead.pk != existing.pk
    assert (lead.state, lead.reached_out_by, lead.reached_out_at, lead.cv.name) == (
        "PENDING",
        None,
        None,
        "",
    )
    assert lead.created_at.year > 2000
    assert response.json()["CV_URL"] is None
    assert Lead.objects.filter(pk=existing.pk).values().get() == before[0][0]
    assert cv_files() == before[1]


def test_update_gives_no_effect_to_unknown_or_internal_fields(client, token, existing, attorney):
    smuggled = {
        "first_name": "Hacked",
        "email": "hacked@example.com",
        "state": "REACHED_OUT",
        "reached_out_by": attorney.pk,
        "REACHED_OUT_AT": "2000-01-01T00:00:00Z",
        "LEAD_ID": existing.pk + 1000,
        "CV": "../../etc/passwd",
        "FOO": "bar",
    }
    before = Lead.objects.filter(pk=existing.pk).values().get()
    response = api(client, "patch", update(existing.pk), smuggled, token=token)
    if response.status_code == 400:
        assert set(api_error(response, 400)["fields"]) <= set(smuggled)
    else:
        assert response.status_code == 200, response.content
    after = Lead.objects.filter(pk=existing.pk).values().get()
    # A PATCH that changes nothing may still touch updated_at; every other field stays.
    assert {**after, "updated_at": None} == {**before, "updated_at": None}


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_a_10_mb_json_body_is_a_413(client, token, existing, method):
    body = lead_api_data(state="PENDING", resume="x" * (10 * MB))
    url = CREATE if method == "post" else update(existing.pk)
    with nothing_changes():
        response = api(client, method, url, body, token=token)
    assert api_error(response, 413)["code"] == "request_too_large"


@pytest.mark.parametrize("name, content", BAD_CVS)
def test_the_api_refuses_a_bad_cv(client, token, existing, name, content):
    data = lead_api_data(cv=SimpleUploadedFile(name, content))
    with nothing_changes():
        response = client.post(CREATE, data, headers={"Authorization": f"Token {token}"})
    if len(content) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        assert api_error(response, 413)["code"] == "request_too_large"
    else:
        assert list(api_error(response, 400)["fields"]) == ["CV"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "create"),
        ("put", "create"),
        ("delete", "create"),
        ("post", "get"),
        ("delete", "get/{pk}"),
        ("patch", "get/{pk}"),
        ("delete", "update/{pk}"),
    ],
)
def test_the_api_refuses_a_wrong_method_with_a_json_405(client, token, existing, method, path):
    url = "/" + path.format(pk=existing.pk)
    with nothing_changes():
        response = api(client, method, url, lead_api_data(), token=token)
    assert api_error(response, 405)["code"] == "method_not_allowed"
    assert method.upper() not in response["Allow"]


@pytest.mark.parametrize(
    "method, pk",
    [
        ("get", "1.5"),
        ("get", "1 OR 1=1"),
        ("get", "\x00"),
        ("patch", "abc"),
        ("patch", "-1"),
        ("patch", HUGE_ID),
        ("put", HUGE_ID),
    ],
)
def test_the_api_answers_a_malformed_or_unknown_id_with_a_json_404(
    client, token, existing, method, pk
):
    url = reverse("api:lead_detail" if method == "get" else "api:lead_update", args=[pk])
    with nothing_changes():
        response = api(client, method, url, lead_api_data(state="PENDING"), token=token)
    assert api_error(response, 404)["code"] == "not_found"


@pytest.mark.parametrize(
    "params", [{"search": "Existing\x00"}, {"page_size": HUGE_ID}], ids=["nul-search", "huge-size"]
)
def test_the_api_list_refuses_bad_query_parameters(client, token, existing, params):
    url = f"{reverse('api:lead_list')}?{urlencode(params)}"
    with nothing_changes():
        response = api(client, "get", url, token=token)
    assert list(api_error(response, 400)["fields"]) == list(params)


def test_the_api_returns_html_as_json_text_only(client, token):
    lead = LeadFactory(**XSS)
    response = api(client, "get", reverse("api:lead_detail", args=[lead.pk]), token=token)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.json()["FIRST_NAME"] == XSS["first_name"]


def test_options_on_the_api_docs_is_not_an_error(client):
    assert client.options("/api/docs/").status_code == 405
    assert client.get("/api/docs/").status_code == 200
