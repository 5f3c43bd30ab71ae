"""Odd and hostile input in a new lead, through both ways in (the public intake form and the
API's create), each test run through the two: a path in a CV's file name is never used;
HTML- and SQL-looking text is stored verbatim; an internationalized email domain is accepted
and mailed, and an email that differs only in case is a duplicate; a line break in a name
cannot silence the notification emails.

The helpers, and what every bad-input module checks, are in bad_input.py."""

import re
import uuid
from pathlib import Path

import pytest
from django.core import mail

from leads.models import Lead
from leads.tests.bad_input import (
    CREATE,
    INTAKE,
    PDF,
    XSS,
    api,
    api_error,
    cv_root,
    form_errors,
    nothing_changes,
    stored,
)

# The shared fixtures, which pytest finds by their names here (see bad_input.py).
from leads.tests.factories import LeadFactory, lead_api_data, lead_form_data

pytestmark = pytest.mark.django_db

SQL = {
    "first_name": "Robert'); DROP TABLE leads_lead;--",
    "last_name": "' OR '1'='1",
    "email": "o'reilly+1=1--@example.com",
    "resume": "1; DELETE FROM leads_lead WHERE 1=1; --\nUNION SELECT password FROM auth_user",
}


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


def submit(client, token, channel, values):
    """Submit a lead through the intake form or the API; it must be accepted."""
    if channel == "form":
        response = client.post(INTAKE, values)
        assert response.status_code == 302, form_errors(response)
    else:
        response = api(client, "post", CREATE, lead_api_data(**values), token=token)
        assert response.status_code == 201, response.content
    return Lead.objects.latest("pk")


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
        body, content_type = multipart(lead_form_data(), "cv", filename, PDF)
        response = client.post(INTAKE, body, content_type)
        assert response.status_code in (200, 302)
    else:
        fields = lead_api_data(without=["resume"])
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


# --- Odd but valid input: stored verbatim -----------------------------------------------------


@pytest.mark.parametrize("channel", ["form", "api"])
@pytest.mark.parametrize("values", [XSS, SQL], ids=["html", "sql"])
def test_html_and_sql_looking_text_is_stored_verbatim(client, token, existing, channel, values):
    before = stored()
    lead = submit(client, token, channel, values)
    assert {field: getattr(lead, field) for field in values} == values
    # The table is intact and the lead already there untouched.
    assert Lead.objects.count() == 2
    assert Lead.objects.filter(pk=existing.pk).values().get() == before[0][0]


# --- Internationalized and case-variant emails ------------------------------------------------


@pytest.mark.parametrize("channel", ["form", "api"])
def test_an_idn_email_domain_is_accepted_and_mailed(client, token, channel, run_worker):
    # An internationalized domain is a real address (mail goes to its punycode form): it is
    # stored with the domain lower-cased, like any other.
    lead = submit(client, token, channel, lead_form_data(email="Anna@BÜCHER.de"))
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
        response = client.post(INTAKE, lead_form_data(email=email))
        assert response.status_code == 302
        assert lead.resubmissions.get().email.lower() == email.lower()
    else:
        with nothing_changes():
            response = api(client, "post", CREATE, lead_api_data(email=email), token=token)
        assert api_error(response, 409)["code"] == "duplicate_email"
    assert list(Lead.objects.all()) == [lead]


# --- Line breaks in names ---------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["form", "api"])
def test_a_line_break_in_a_name_cannot_silence_the_notification_emails(
    client, token, channel, run_worker
):
    name = "John\r\nBcc: victim@example.com"
    if channel == "form":
        response = client.post(INTAKE, lead_form_data(first_name=name))
    else:
        response = api(client, "post", CREATE, lead_api_data(first_name=name), token=token)
    run_worker()
    # Refusing the name is fine; so is storing it without the line break, if the mail goes out.
    if response.status_code in (200, 400):
        assert not Lead.objects.exists()
        return
    assert not {"\r", "\n"} & set(Lead.objects.get().first_name)
    assert len(mail.outbox) == 2
