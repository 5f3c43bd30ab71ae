import smtplib

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leads.models import Activity, Lead
from leads.tests.files import PDF, pdf_upload

pytestmark = pytest.mark.django_db

URL = reverse("intake:form")
VALID = {
    "first_name": "Maria",
    "last_name": "Gonzalez",
    "email": "maria.gonzalez@example.com",
    "resume": "Software engineer, 8 years of experience.",
}


def pdf(name="cv.pdf", size=None):
    """A PDF CV, of `size` bytes if given."""
    return pdf_upload(name, PDF[:9] + b"0" * (size - 9) if size else PDF)


def post(client, data=None, **extra):
    return client.post(URL, {**VALID, **(data or {})}, **extra)


def test_it_shows_the_form(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert b'name="first_name"' in response.content
    assert b'enctype="multipart/form-data"' in response.content


def test_it_creates_a_pending_lead_and_redirects(client):
    response = post(client)
    assert response.status_code == 302
    assert response.url == reverse("intake:thanks")
    lead = Lead.objects.get()
    assert (lead.first_name, lead.email, lead.state) == ("Maria", VALID["email"], "PENDING")


def test_thank_you_page_renders(client):
    response = post(client, follow=True)
    assert b"Thank you" in response.content


def test_the_thank_you_page_says_when_and_how_to_reach_the_firm_and_invites_no_resend(
    client, settings
):
    settings.FIRM_NAME = "Garcia & Lee Immigration"
    settings.FIRM_RESPONSE_TIME = "within one business day"
    settings.FIRM_CONTACT = "+1 555 0100"
    page = post(client, follow=True).content.decode()
    assert "contacts you by email at maria.gonzalez@example.com within one business day" in page
    assert "To reach Garcia &amp; Lee Immigration meanwhile: +1 555 0100" in page
    assert "Back to the form" not in page
    settings.FIRM_CONTACT = ""
    assert (
        "To reach" not in post(client, {"email": "other@example.com"}, follow=True).content.decode()
    )


def test_the_default_firm_name_reads_well_in_a_sentence(client):
    page = client.get(URL).content.decode()
    assert "Only Example Immigration Law's attorneys and staff see what you send" in page


def test_it_trims_names(client):
    post(client, {"first_name": "  Maria  ", "last_name": " Gonzalez "})
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name) == ("Maria", "Gonzalez")


def test_it_sends_confirmation_and_attorney_notification(client, run_worker):
    post(client)
    lead = Lead.objects.get()
    assert mail.outbox == []  # the worker sends them, not the request
    run_worker()
    assert len(mail.outbox) == 2
    confirmation, notification = mail.outbox
    assert confirmation.to == ["maria.gonzalez@example.com"]
    assert "Maria" in confirmation.body
    assert notification.to == ["intake@firm.example"]
    assert f"http://testserver/leads/{lead.pk}/" in notification.body


def test_mail_failure_keeps_the_lead(client, monkeypatch, run_worker, settings):
    def broken_send(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server down")

    monkeypatch.setattr("leads.notifications.send_mail", broken_send)
    response = post(client)
    assert response.status_code == 302
    run_worker()
    lead = Lead.objects.get()
    failures = lead.activities.filter(kind=Activity.Kind.EMAIL_FAILED)
    assert sorted(failures.values_list("message", flat=True)) == [
        f"Confirmation to the prospect (after {settings.TASK_MAX_ATTEMPTS} attempts)",
        f"Notification to the attorneys (after {settings.TASK_MAX_ATTEMPTS} attempts)",
    ]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("first_name", "", "This field is required."),
        ("first_name", "   ", "This field is required."),
        ("last_name", "", "This field is required."),
        ("email", "", "This field is required."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("first_name", "x" * 101, "Ensure this value has at most 100 characters"),
    ],
)
def test_it_shows_field_errors_and_keeps_values(client, field, value, message):
    response = post(client, {field: value})
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert VALID["resume"] in response.content.decode()
    assert Lead.objects.count() == 0


def test_it_requires_resume_or_cv(client):
    response = post(client, {"resume": ""})
    assert response.status_code == 200
    assert "Add your resume as text or upload a CV file" in response.content.decode()
    assert Lead.objects.count() == 0


def test_it_accepts_a_pdf_cv_without_resume(client):
    response = post(client, {"resume": "", "cv": pdf()})
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert lead.cv.name.startswith("cvs/") and lead.cv.name.endswith(".pdf")
    assert lead.cv.read().startswith(b"%PDF-")


def test_it_rejects_oversize_cv(client):
    response = post(client, {"cv": pdf(size=5 * 1024 * 1024 + 1)})
    assert response.status_code == 200
    assert "The CV is too large" in response.context["form"].errors["cv"][0]
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("cv.exe", b"MZ\x90\x00", "Upload the CV as one of: PDF, DOCX, DOC, RTF, TXT."),
        ("cv.pdf", b"<html>not a pdf</html>", "does not look like a PDF file"),
        ("cv.docx", b"%PDF-1.4", "does not look like a DOCX file"),
        ("cv.txt", b"\x00\x01\x02binary", "does not look like a TXT file"),
    ],
)
def test_it_rejects_wrong_type_cv(client, name, content, message):
    response = post(client, {"cv": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert message in response.context["form"].errors["cv"][0]
    assert Lead.objects.count() == 0


def test_cv_file_name_from_the_client_is_not_used_as_a_path(client):
    post(client, {"cv": pdf(name="../../etc/passwd.pdf")})
    name = Lead.objects.get().cv.name
    assert ".." not in name and "passwd" not in name


def test_honeypot_rejects_bots_silently(client):
    response = post(client, {"website": "http://spam.example"})
    assert response.status_code == 302
    assert Lead.objects.count() == 0
    assert mail.outbox == []


def test_it_is_rate_limited_per_client_ip(client, settings):
    settings.INTAKE_RATE_LIMIT = "2/m"
    cache.clear()
    for n in range(2):
        assert post(client, {"email": f"p{n}@example.com"}).status_code == 302
    response = post(client, {"email": "p3@example.com"})
    assert response.status_code == 429
    assert b"Please wait" in response.content
    assert Lead.objects.count() == 2
    # Another client is not affected.
    assert post(client, {"email": "p4@example.com"}, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_forged_forwarded_for_does_not_escape_the_limit(client, settings):
    settings.INTAKE_RATE_LIMIT = "1/m"
    cache.clear()
    assert (
        post(client, {"email": "a@example.com"}, HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 302
    )
    response = post(client, {"email": "b@example.com"}, HTTP_X_FORWARDED_FOR="2.2.2.2")
    assert response.status_code == 429


def test_trusted_proxy_count_reads_the_address_the_proxy_saw(client, settings):
    settings.INTAKE_RATE_LIMIT = "1/m"
    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()
    forged_then_real = "6.6.6.6, 203.0.113.7"
    assert (
        post(client, {"email": "a@example.com"}, HTTP_X_FORWARDED_FOR=forged_then_real).status_code
        == 302
    )
    assert (
        post(
            client, {"email": "b@example.com"}, HTTP_X_FORWARDED_FOR="7.7.7.7, 203.0.113.7"
        ).status_code
        == 429
    )
    assert (
        post(client, {"email": "c@example.com"}, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code
        == 302
    )


def test_csrf_is_enforced(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(URL, VALID)
    assert response.status_code == 403
    assert Lead.objects.count() == 0


def test_an_ipv6_client_cannot_escape_the_limit_by_changing_address(client, settings):
    settings.INTAKE_RATE_LIMIT = "2/m"
    cache.clear()
    statuses = [
        post(client, {"email": f"v6-{n}@example.com"}, REMOTE_ADDR=f"2001:db8::{n}").status_code
        for n in range(1, 4)
    ]
    assert statuses == [302, 302, 429]
    assert (
        post(client, {"email": "other@example.com"}, REMOTE_ADDR="2001:db8:1::1").status_code == 302
    )


def test_ipv4_clients_of_a_dual_stack_server_are_counted_apart(client, settings):
    # Behind `gunicorn -b [::]:PORT`, IPv4 clients arrive as ::ffff:a.b.c.d: one client's posts
    # must not lock out the others (they used to share the network ::/64).
    settings.INTAKE_RATE_LIMIT = "2/m"
    cache.clear()
    statuses = [
        post(client, {"email": f"v4-{n}@example.com"}, REMOTE_ADDR="::ffff:127.0.0.6").status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    for n, other in enumerate(["::ffff:127.0.0.10", "::1", "127.0.0.11"]):
        response = post(client, {"email": f"other-{n}@example.com"}, REMOTE_ADDR=other)
        assert response.status_code == 302, other


def test_a_name_with_a_web_address_is_a_form_error_and_no_email_carries_it(client, run_worker):
    data = {**VALID, "first_name": "WIN $1000 at http://evil.example/claim"}
    response = client.post(URL, data)
    assert response.status_code == 200
    assert "A name cannot contain a web address." in response.content.decode()
    assert not Lead.objects.exists()
    run_worker()
    assert mail.outbox == []
