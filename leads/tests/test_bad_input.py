"""The bad-input sweep of issue 4, over the intake form, the attorneys' pages, the admin and the
JSON API.

Input that is malformed, of the wrong type, oversized or hostile gets a clear 4xx (with the JSON
error body from the API) or a form error, never a 500; nothing is stored, and the leads and CV
files already there stay exactly as they were. Input that is odd but valid (HTML, SQL-looking
text, an internationalized domain) is stored verbatim and rendered escaped everywhere.

Cases the older tests already cover (test_intake.py, test_api_*.py) are not repeated here."""

import hashlib
import json
import re
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from rest_framework.authtoken.models import Token

from leads.models import Lead

from .factories import LeadFactory

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
HUGE_ID = "99999999999999999999999"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"

INTAKE = reverse("leads:intake")
LIST = reverse("leads:lead_list")
CREATE = reverse("api:lead_create")
ADMIN_ADD = reverse("admin:leads_lead_add")
ADMIN_CHANGELIST = reverse("admin:leads_lead_changelist")

EXISTING = {
    "first_name": "Existing",
    "last_name": "Prospect",
    "email": "existing.prospect@example.com",
    "resume": "Stored before the sweep.",
}
OTHER_EMAIL = "other.prospect@example.com"
FORM = {
    "first_name": "Maria",
    "last_name": "Gonzalez",
    "email": "maria.gonzalez@example.com",
    "resume": "Nurse, 8 years.",
}
API_LEAD = {
    "FIRST_NAME": "John",
    "LAST_NAME": "Doe",
    "EMAIL": "john.doe@example.com",
    "RESUME": "Welder, 12 years.",
}
API_NAMES = {field: field.upper() for field in FORM}  # first_name -> FIRST_NAME, ...

XSS = {
    "first_name": '<script>alert("first")</script>',
    "last_name": "\"><img src=x onerror=alert('last')>",
    # A quoted local part may hold <, >, = and ( ): this is a valid address.
    "email": '"<svg/onload=alert(1)>"@example.com',
    "resume": "<iframe src=\"javascript:alert('resume')\"></iframe>\n<b>bold</b>",
}
SQL = {
    "first_name": "Robert'); DROP TABLE leads_lead;--",
    "last_name": "' OR '1'='1",
    "email": "o'reilly+1=1--@example.com",
    "resume": "1; DELETE FROM leads_lead WHERE 1=1; --\nUNION SELECT password FROM auth_user",
}


@pytest.fixture
def existing(db):
    """The data already there, which no bad request may change: a lead with a CV file."""
    return LeadFactory(**EXISTING, cv=SimpleUploadedFile("existing.pdf", PDF))


@pytest.fixture
def other(db):
    """A second lead, whose email an edit of the first one may try to take."""
    return LeadFactory(email=OTHER_EMAIL)


@pytest.fixture
def token(attorney):
    return Token.objects.create(user=attorney).key


def cv_root():
    return Path(Lead._meta.get_field("cv").storage.location)


def cv_files():
    return {
        str(path.relative_to(cv_root())): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in cv_root().rglob("*")
        if path.is_file()
    }


def stored():
    return list(Lead.objects.order_by("pk").values()), cv_files()


@contextmanager
def nothing_changes():
    """Every lead (every field, and the row count) and every CV file is the same afterwards."""
    before = stored()
    yield
    assert stored() == before, "the request changed the stored leads or CV files"


def api(client, method, url, body=None, *, token=None, raw=None):
    """An API call with a JSON body (`raw` is sent as it is); `token` authenticates."""
    headers = {"Authorization": f"Token {token}"} if token else {}
    if method == "get":
        return client.get(url, headers=headers)
    data = raw if raw is not None else json.dumps(body)
    return getattr(client, method)(url, data, content_type="application/json", headers=headers)


def api_error(response, status):
    """The API's one error shape, with the status it claims."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"status", "code", "message", "fields"}
    assert error["status"] == status
    assert isinstance(error["message"], str) and error["message"]
    return error


def form_errors(response, form="form"):
    """The errors of a form page that was shown again (not redirected) after a POST."""
    assert response.status_code == 200, response.status_code
    shown = response.context[form]
    errors = shown.form.errors if form == "adminform" else shown.errors
    assert errors, "the form was shown again without an error"
    return errors


def multipart(fields, file_field, filename, content):
    """A multipart body built by hand: the test client would strip a path from the file name."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def detail(lead):
    return reverse("leads:lead_detail", args=[lead.pk])


def edit(lead):
    return reverse("leads:lead_edit", args=[lead.pk])


def admin_change(lead):
    return reverse("admin:leads_lead_change", args=[lead.pk])


def update(pk):
    return reverse("api:lead_update", args=[pk])


# --- The intake form --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, field",
    [
        pytest.param({"first_name": " \t\r\n "}, "first_name", id="whitespace-first-name"),
        pytest.param(
            {"last_name": "\u00a0\u2003\u3000"}, "last_name", id="unicode-whitespace-last-name"
        ),
        pytest.param({"first_name": "x" * 10_000}, "first_name", id="10000-char-first-name"),
        pytest.param({"last_name": "x" * 10_000}, "last_name", id="10000-char-last-name"),
        pytest.param({"first_name": "Ma\x00ria"}, "first_name", id="nul-in-first-name"),
        pytest.param({"resume": " \n "}, "__all__", id="whitespace-resume-and-no-cv"),
        # Django refuses a non-ASCII local part: without SMTPUTF8 no mail server delivers it.
        pytest.param({"email": "josé@example.com"}, "email", id="unicode-email-local-part"),
        pytest.param(
            {"email": "maria@example.com\r\nBcc: victim@example.com"},
            "email",
            id="email-with-header-injection",
        ),
        pytest.param({"email": "m" * 243 + "@example.com"}, "email", id="email-over-254-chars"),
    ],
)
def test_the_intake_form_refuses_bad_input(client, existing, data, field):
    with nothing_changes():
        response = client.post(INTAKE, {**FORM, **data})
    assert field in form_errors(response)
    assert not mail.outbox


BAD_CVS = [
    pytest.param("cv.pdf", b"<html><script>alert(1)</script></html>", id="html-named-pdf"),
    pytest.param("cv.pdf", b"MZ\x90\x00\x03\x00\x00\x00", id="exe-named-pdf"),
    pytest.param("cv.pdf", b"", id="empty-pdf"),
    pytest.param(
        "cv.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', id="svg"
    ),
    pytest.param("cv.pdf", PDF + b"0" * (5 * MB), id="pdf-over-5-mb"),
]


@pytest.mark.parametrize("name, content", BAD_CVS)
def test_the_intake_form_refuses_a_bad_cv(client, existing, name, content):
    with nothing_changes():
        response = client.post(INTAKE, {**FORM, "cv": SimpleUploadedFile(name, content)})
    assert "cv" in form_errors(response)


def test_the_intake_form_refuses_two_cv_files(client, existing):
    files = [SimpleUploadedFile(f"cv{n}.pdf", PDF) for n in range(2)]
    with nothing_changes():
        response = client.post(INTAKE, {**FORM, "cv": files})
    assert response.status_code == 400


def test_a_form_with_too_many_fields_is_a_400(client, existing):
    data = {**FORM, **{f"extra{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)}}
    with nothing_changes():
        response = client.post(INTAKE, urlencode(data), "application/x-www-form-urlencoded")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url_of",
    [
        pytest.param(lambda lead: INTAKE, id="intake"),
        pytest.param(edit, id="attorney-edit-page"),
        pytest.param(admin_change, id="admin-change-form"),
    ],
)
def test_a_10_mb_form_body_is_a_413(attorney_client, existing, url_of):
    with nothing_changes():
        response = attorney_client.post(url_of(existing), {**FORM, "resume": "x" * (10 * MB)})
    assert response.status_code == 413
    assert "The file is too large" in response.content.decode()


def test_a_10_mb_cv_is_refused_before_it_is_read(client, existing):
    cv = SimpleUploadedFile("cv.pdf", PDF + b"0" * (10 * MB), content_type="application/pdf")
    with nothing_changes():
        response = client.post(INTAKE, {**FORM, "cv": cv})
    assert response.status_code == 413
    assert "A CV may be at most 5 MB" in response.content.decode()


def test_the_intake_form_ignores_fields_it_does_not_show(client, existing, attorney):
    data = {
        **FORM,
        "state": "REACHED_OUT",
        "reached_out_by": attorney.pk,
        "reached_out_at": "2000-01-01 00:00",
        "created_at": "2000-01-01 00:00",
        "id": existing.pk,
    }
    before = Lead.objects.filter(pk=existing.pk).values().get()
    assert client.post(INTAKE, data).status_code == 302
    lead = Lead.objects.get(email=FORM["email"])
    assert lead.pk != existing.pk
    assert (lead.state, lead.reached_out_by, lead.reached_out_at) == ("PENDING", None, None)
    assert lead.created_at.year > 2000
    assert Lead.objects.filter(pk=existing.pk).values().get() == before


def test_the_intake_form_shows_refused_input_escaped(client):
    data = {**{field: XSS[field] for field in FORM}, "email": "<script>alert('email')</script>"}
    response = client.post(INTAKE, data)
    assert "email" in form_errors(response)
    html = response.content.decode()
    for value in data.values():
        assert value not in html
        assert escape(value) in html
    assert not Lead.objects.exists()


# --- The attorneys' pages and the admin -------------------------------------------------------

ATTORNEY_FORMS = {
    "create-page": (lambda lead: reverse("leads:lead_create"), "form"),
    "edit-page": (edit, "form"),
    "admin-add": (lambda lead: ADMIN_ADD, "adminform"),
    "admin-change": (admin_change, "adminform"),
}


@pytest.mark.parametrize(
    "target, data, field",
    [
        pytest.param("create-page", {"first_name": "  "}, "first_name", id="create-blank-name"),
        pytest.param("edit-page", {"last_name": "x" * 10_000}, "last_name", id="edit-long-name"),
        pytest.param("edit-page", {"email": OTHER_EMAIL.upper()}, "email", id="edit-taken-email"),
        pytest.param(
            "admin-add", {"email": EXISTING["email"].upper()}, "email", id="admin-add-taken-email"
        ),
        pytest.param("admin-change", {"state": "LOST"}, "state", id="admin-change-unknown-state"),
        pytest.param(
            "admin-change",
            {"cv": SimpleUploadedFile("cv.pdf", b"GIF89a")},
            "cv",
            id="admin-change-gif-named-pdf",
        ),
    ],
)
def test_the_attorney_forms_refuse_bad_input(attorney_client, existing, other, target, data, field):
    url_of, form = ATTORNEY_FORMS[target]
    with nothing_changes():
        response = attorney_client.post(url_of(existing), {**FORM, "state": "PENDING", **data})
    assert field in form_errors(response, form)


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": HUGE_ID},
        {"page_size": "-1"},
        {"ordering": "password"},
        {"state": "<script>"},
        {"attention": "maybe"},
        {"created_after": "0001-01-01T00:00:00+04:45"},
        {"email": "x" * 10_000},
        {"search": "x" * 10_000},
    ],
    ids=lambda params: "-".join(f"{key}={value[:12]}" for key, value in params.items()),
)
def test_the_lead_list_shrugs_off_bad_query_parameters(attorney_client, existing, params):
    with nothing_changes():
        response = attorney_client.get(LIST, params)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(f"{LIST}?search=Existing%00", id="lead-list-search"),
        pytest.param(f"{ADMIN_CHANGELIST}?q=Existing%00", id="admin-search"),
        pytest.param(f"{ADMIN_CHANGELIST}?state__exact=PENDING%00", id="admin-state-filter"),
    ],
)
def test_a_nul_character_in_a_query_parameter_is_never_a_500(attorney_client, existing, url):
    with nothing_changes():
        response = attorney_client.get(url)
    assert response.status_code < 500


@pytest.mark.parametrize(
    "method, route, pk",
    [
        ("get", "leads:lead_detail", "abc"),
        ("get", "leads:lead_detail", "-1"),
        ("get", "leads:lead_detail", HUGE_ID),
        ("post", "leads:lead_edit", HUGE_ID),
        ("get", "leads:lead_cv", HUGE_ID),
        ("post", "leads:lead_set_state", HUGE_ID),
    ],
)
def test_a_page_for_a_malformed_or_unknown_id_is_a_404(
    attorney_client, existing, method, route, pk
):
    url = reverse(route, args=[existing.pk]).replace(f"/{existing.pk}/", f"/{quote(pk)}/")
    with nothing_changes():
        response = getattr(attorney_client, method)(url, FORM if method == "post" else None)
    assert response.status_code == 404


@pytest.mark.parametrize("view, pk", [("change", "abc"), ("change", HUGE_ID), ("delete", HUGE_ID)])
def test_the_admin_sends_a_malformed_or_unknown_id_back_to_its_index(
    eraser_client, existing, view, pk
):
    with nothing_changes():
        response = eraser_client.get(reverse(f"admin:leads_lead_{view}", args=[pk]))
    # The admin's own way: back to its index with a "doesn't exist" message, not a 404.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_the_state_buttons_refuse_a_get(attorney_client, existing):
    with nothing_changes():
        response = attorney_client.get(reverse("leads:lead_set_state", args=[existing.pk]))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


@pytest.mark.parametrize(
    "method, url_of",
    [
        pytest.param("put", lambda lead: INTAKE, id="put-intake"),
        pytest.param("delete", detail, id="delete-detail"),
        pytest.param("put", edit, id="put-edit"),
    ],
)
def test_other_methods_on_the_pages_change_nothing(attorney_client, existing, method, url_of):
    with nothing_changes():
        response = getattr(attorney_client, method)(url_of(existing), FORM)
    assert response.status_code < 500


# --- The JSON API -----------------------------------------------------------------------------


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
    body = {**API_LEAD, field: value} if method == "post" else {field: value}
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
    full = {**API_LEAD, "STATE": "PENDING"} if method == "put" else API_LEAD
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
    response = api(client, "post", CREATE, {**API_LEAD, **smuggled}, token=token)
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
    body = {**API_LEAD, "STATE": "PENDING", "RESUME": "x" * (10 * MB)}
    url = CREATE if method == "post" else update(existing.pk)
    with nothing_changes():
        response = api(client, method, url, body, token=token)
    assert api_error(response, 413)["code"] == "request_too_large"


@pytest.mark.parametrize("name, content", BAD_CVS)
def test_the_api_refuses_a_bad_cv(client, token, existing, name, content):
    data = {**API_LEAD, "CV": SimpleUploadedFile(name, content)}
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
        response = api(client, method, url, API_LEAD, token=token)
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
        response = api(client, method, url, {**API_LEAD, "STATE": "PENDING"}, token=token)
    assert api_error(response, 404)["code"] == "not_found"


@pytest.mark.parametrize(
    "params", [{"search": "Existing\x00"}, {"page_size": HUGE_ID}], ids=["nul-search", "huge-size"]
)
def test_the_api_list_refuses_bad_query_parameters(client, token, existing, params):
    url = f"{reverse('api:lead_list')}?{urlencode(params)}"
    with nothing_changes():
        response = api(client, "get", url, token=token)
    assert list(api_error(response, 400)["fields"]) == list(params)


# --- A CV file name is never a path -----------------------------------------------------------


@pytest.mark.parametrize("channel", ["form", "api"])
@pytest.mark.parametrize(
    "filename",
    ["../../etc/passwd.pdf", "..\\..\\windows\\evil.pdf", "&#46;&#46;&#47;&#46;&#46;&#47;evil.pdf"],
    ids=["dot-dot-slash", "dot-dot-backslash", "html-entities"],
)
def test_a_path_in_the_cv_file_name_is_never_used(
    client, token, existing, tmp_path, channel, filename
):
    before = stored()
    if channel == "form":
        body, content_type = multipart(FORM, "cv", filename, PDF)
        response = client.post(INTAKE, body, content_type)
        assert response.status_code in (200, 302)
    else:
        fields = {name: value for name, value in API_LEAD.items() if name != "RESUME"}
        body, content_type = multipart(fields, "CV", filename, PDF)
        headers = {"Authorization": f"Token {token}"}
        response = client.post(CREATE, body, content_type, headers=headers)
        assert response.status_code in (201, 400), response.content

    # Stored under a name the server made up, inside the CV folder, or refused: never elsewhere.
    new = Lead.objects.exclude(pk=existing.pk)
    for lead in new:
        assert re.fullmatch(r"cvs/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", lead.cv.name), lead.cv.name
        assert Path(lead.cv.path).resolve().is_relative_to(cv_root().resolve())
        assert Path(lead.cv.path).read_bytes() == PDF
    if not new:
        assert stored() == before
    assert not [path for path in tmp_path.rglob("*") if path.name in {"passwd.pdf", "evil.pdf"}]
    assert Lead.objects.filter(pk=existing.pk).values().get() == before[0][0]


# --- Odd but valid input: stored verbatim, rendered escaped -----------------------------------


def submit(client, token, channel, values):
    """Submit a lead through the intake form or the API; it must be accepted."""
    if channel == "form":
        response = client.post(INTAKE, values)
        assert response.status_code == 302, form_errors(response)
    else:
        body = {API_NAMES[field]: value for field, value in values.items()}
        response = api(client, "post", CREATE, body, token=token)
        assert response.status_code == 201, response.content
    return Lead.objects.latest("pk")


@pytest.mark.parametrize("channel", ["form", "api"])
@pytest.mark.parametrize("values", [XSS, SQL], ids=["html", "sql"])
def test_html_and_sql_looking_text_is_stored_verbatim(client, token, existing, channel, values):
    before = stored()
    lead = submit(client, token, channel, values)
    assert {field: getattr(lead, field) for field in values} == values
    # The table is intact and the lead already there untouched.
    assert Lead.objects.count() == 2
    assert Lead.objects.filter(pk=existing.pk).values().get() == before[0][0]


ESCAPED_PAGES = {
    "lead-detail": detail,
    "lead-list": lambda lead: LIST,
    "lead-list-search": lambda lead: f"{LIST}?search=%3Cscript",
    "lead-edit": edit,
    "admin-changelist": lambda lead: ADMIN_CHANGELIST,
    "admin-changelist-search": lambda lead: f"{ADMIN_CHANGELIST}?q=alert",
    "admin-change": admin_change,
    "admin-history": lambda lead: reverse("admin:leads_lead_history", args=[lead.pk]),
    "admin-delete": lambda lead: reverse("admin:leads_lead_delete", args=[lead.pk]),
    "lead-erase": lambda lead: reverse("leads:lead_erase", args=[lead.pk]),
}


@pytest.mark.parametrize("page", ESCAPED_PAGES)
def test_html_in_every_text_field_renders_escaped(eraser_client, page):
    lead = LeadFactory(**XSS)
    response = eraser_client.get(ESCAPED_PAGES[page](lead))
    assert response.status_code == 200
    html = response.content.decode()
    for field, value in XSS.items():
        assert value not in html, f"{field} is rendered unescaped"
    assert "<script>alert" not in html and "<img src=x" not in html
    assert escape(XSS["first_name"]) in html


def test_the_api_returns_html_as_json_text_only(client, token):
    lead = LeadFactory(**XSS)
    response = api(client, "get", reverse("api:lead_detail", args=[lead.pk]), token=token)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.json()["FIRST_NAME"] == XSS["first_name"]


@pytest.mark.parametrize(
    "url, data",
    [
        pytest.param(reverse("leads:lead_create"), {}, id="create-page"),
        pytest.param(ADMIN_ADD, {"_save": "Save"}, id="admin-add"),
    ],
)
def test_the_success_message_escapes_the_name(attorney_client, url, data):
    response = attorney_client.post(url, {**XSS, "state": "PENDING", **data}, follow=True)
    assert response.status_code == 200
    assert len(response.context["messages"]) == 1
    html = response.content.decode()
    for value in XSS.values():
        assert value not in html
    assert escape(XSS["first_name"]) in html


@pytest.mark.parametrize("query", ["%", "_", "' OR 1=1 --"])
def test_search_takes_sql_and_like_wildcards_as_plain_text(attorney_client, token, existing, query):
    with nothing_changes():
        page = attorney_client.get(LIST, {"search": query})
        listed = api(attorney_client, "get", f"/get?{urlencode({'search': query})}", token=token)
    assert page.status_code == 200
    assert list(page.context["page"]) == []
    assert listed.status_code == 200
    assert listed.json()["count"] == 0


# --- Internationalized and case-variant emails ------------------------------------------------


@pytest.mark.parametrize("channel", ["form", "api"])
def test_an_idn_email_domain_is_accepted_and_mailed(client, token, channel, run_worker):
    # An internationalized domain is a real address (mail goes to its punycode form): it is
    # stored with the domain lower-cased, like any other.
    lead = submit(client, token, channel, {**FORM, "email": "Anna@BÜCHER.de"})
    run_worker()
    assert lead.email == "Anna@bücher.de"
    assert mail.outbox[0].to == ["Anna@bücher.de"]
    assert "Anna@xn--bcher-kva.de" in mail.outbox[0].message()["To"]


@pytest.mark.parametrize("channel", ["form", "api"])
@pytest.mark.parametrize("email", ["ANNA@BÜCHER.DE", "Anna@Bücher.De"], ids=["caps", "mixed"])
def test_an_email_that_differs_only_in_case_is_a_duplicate(client, token, channel, email):
    lead = LeadFactory(email="anna@bücher.de")
    if channel == "form":
        # A prospect: answered as a new lead would be, and kept beside the lead.
        response = client.post(INTAKE, {**FORM, "email": email})
        assert response.status_code == 302
        assert lead.resubmissions.get().email.lower() == email.lower()
    else:
        with nothing_changes():
            response = api(client, "post", CREATE, {**API_LEAD, "EMAIL": email}, token=token)
        assert api_error(response, 409)["code"] == "duplicate_email"
    assert list(Lead.objects.all()) == [lead]


# --- Line breaks in names ---------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["form", "api"])
def test_a_line_break_in_a_name_cannot_silence_the_notification_emails(
    client, token, channel, run_worker
):
    name = "John\r\nBcc: victim@example.com"
    if channel == "form":
        response = client.post(INTAKE, {**FORM, "first_name": name})
    else:
        response = api(client, "post", CREATE, {**API_LEAD, "FIRST_NAME": name}, token=token)
    run_worker()
    # Refusing the name is fine; so is storing it without the line break, if the mail goes out.
    if response.status_code in (200, 400):
        assert not Lead.objects.exists()
        return
    assert not {"\r", "\n"} & set(Lead.objects.get().first_name)
    assert len(mail.outbox) == 2


# --- Requests that answered 500 ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", "/thanks/", "/accounts/login/", "/admin/login/", "/leads/{lead}/notes/"]
)
def test_a_form_posted_in_another_charset_is_a_400(url, attorney, lead):
    from django.test import Client

    url = url.format(lead=lead.pk)
    client = Client(enforce_csrf_checks=True)
    client.force_login(attorney)
    client.get("/")  # the CSRF cookie
    with nothing_changes():
        response = client.post(
            url,
            "first_name=J%E9r%F4me&last_name=X",
            content_type="application/x-www-form-urlencoded; charset=latin-1",
        )
    assert response.status_code == 400


def test_a_form_posted_in_utf_8_with_its_charset_named_is_accepted(client):
    response = client.post(
        INTAKE,
        urlencode(FORM),
        content_type="application/x-www-form-urlencoded; charset=UTF-8",
    )
    assert response.status_code == 302


def test_options_on_the_api_docs_is_not_an_error(client):
    assert client.options("/api/docs/").status_code == 405
    assert client.get("/api/docs/").status_code == 200


def test_the_admin_refuses_lookups_its_filters_do_not_make(attorney_client):
    changelist = reverse("admin:leads_lead_changelist")
    assert attorney_client.get(changelist, {"email__regex": "("}).status_code == 400
    assert attorney_client.get(changelist, {"state__exact": "PENDING"}).status_code == 200
    assert attorney_client.get(changelist, {"created_at__year": "2026"}).status_code == 200


@pytest.mark.parametrize("value", ["abc", "\x00", HUGE_ID, "1.5"])
@pytest.mark.parametrize(
    "changelist, action",
    [
        ("admin:leads_lead_changelist", "mark_reached_out"),
        ("admin:auth_user_changelist", "delete_selected"),
        ("admin:django_tasks_database_dbtaskresult_changelist", "run_again"),
    ],
)
def test_an_admin_action_on_ids_that_cannot_exist_is_a_400(
    admin_client, lead, changelist, action, value
):
    with nothing_changes():
        response = admin_client.post(
            reverse(changelist), {"action": action, "_selected_action": [value]}
        )
    assert response.status_code == 400


def test_an_admin_action_on_a_token_with_a_nul_is_a_400(admin_client):
    # A token's key is any text; a NUL is not (PostgreSQL refuses it in a query).
    response = admin_client.post(
        reverse("admin:authtoken_tokenproxy_changelist"),
        {"action": "delete_selected", "_selected_action": ["\x00"]},
    )
    assert response.status_code == 400
