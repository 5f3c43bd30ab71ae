"""Bad input to the public intake form: blank, oversized, hostile or malformed fields and CV
files get a form error or a clear 4xx, never a 500, and change nothing already stored; fields
the form does not show are ignored, and refused input is shown back escaped.

The helpers, and what every bad-input module checks, are in bad_input.py."""

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from leads.models import Lead
from leads.tests.bad_input import (
    BAD_CVS,
    INTAKE,
    MB,
    PDF,
    XSS,
    form_errors,
    nothing_changes,
)

# The shared fixtures, which pytest finds by their names here (see bad_input.py).
from leads.tests.factories import lead_form_data

pytestmark = pytest.mark.django_db


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
        response = client.post(INTAKE, lead_form_data(**data))
    assert field in form_errors(response)
    assert not mail.outbox


@pytest.mark.parametrize("name, content", BAD_CVS)
def test_the_intake_form_refuses_a_bad_cv(client, existing, name, content):
    with nothing_changes():
        response = client.post(INTAKE, lead_form_data(cv=SimpleUploadedFile(name, content)))
    assert "cv" in form_errors(response)


def test_the_intake_form_refuses_two_cv_files(client, existing):
    files = [SimpleUploadedFile(f"cv{n}.pdf", PDF) for n in range(2)]
    with nothing_changes():
        response = client.post(INTAKE, lead_form_data(cv=files))
    assert response.status_code == 400


def test_a_form_with_too_many_fields_is_a_400(client, existing):
    extra = {f"extra{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)}
    data = {**lead_form_data(), **extra}
    with nothing_changes():
        response = client.post(INTAKE, urlencode(data), "application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_a_10_mb_cv_is_refused_before_it_is_read(client, existing):
    cv = SimpleUploadedFile("cv.pdf", PDF + b"0" * (10 * MB), content_type="application/pdf")
    with nothing_changes():
        response = client.post(INTAKE, lead_form_data(cv=cv))
    assert response.status_code == 413
    assert "A CV may be at most 5 MB" in response.content.decode()


def test_the_intake_form_ignores_fields_it_does_not_show(client, existing, attorney):
    data = lead_form_data(
        state="REACHED_OUT",
        reached_out_by=attorney.pk,
        reached_out_at="2000-01-01 00:00",
        created_at="2000-01-01 00:00",
        id=existing.pk,
    )
    before = Lead.objects.filter(pk=existing.pk).values().get()
    assert client.post(INTAKE, data).status_code == 302
    lead = Lead.objects.get(email=data["email"])
    assert lead.pk != existing.pk
    assert (lead.state, lead.reached_out_by, lead.reached_out_at) == ("PENDING", None, None)
    assert lead.created_at.year > 2000
    assert Lead.objects.filter(pk=existing.pk).values().get() == before


def test_the_intake_form_shows_refused_input_escaped(client):
    data = {**XSS, "email": "<script>alert('email')</script>"}
    response = client.post(INTAKE, data)
    assert "email" in form_errors(response)
    html = response.content.decode()
    for value in data.values():
        assert value not in html
        assert escape(value) in html
    assert not Lead.objects.exists()
