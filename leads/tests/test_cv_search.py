"""CV files' text is searched by the list page and GET /get?search=."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leads.models import Activity, Lead

from .test_cv_text import make_docx, make_pdf

pytestmark = pytest.mark.django_db


def submit(client, cv, email="prospect@example.com", resume=""):
    return client.post(
        reverse("leads:intake"),
        {"first_name": "Ana", "last_name": "Lima", "email": email, "resume": resume, "cv": cv},
    )


def pdf(text):
    return SimpleUploadedFile("cv.pdf", make_pdf(text), content_type="application/pdf")


def docx(text):
    return SimpleUploadedFile("cv.docx", make_docx(text), content_type="application/octet-stream")


@pytest.mark.parametrize("upload", [pdf, docx], ids=["pdf", "docx"])
def test_the_cv_text_is_found_by_the_list_and_the_api(client, attorney_client, upload):
    response = submit(client, upload("Senior Kubernetes engineer at Nordwind GmbH"))
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert "Kubernetes engineer" in lead.cv_text

    page = attorney_client.get(reverse("leads:lead_list"), {"q": "kubernetes nordwind"})
    assert "Lima, Ana" in page.content.decode()
    found = attorney_client.get("/get", {"search": "KUBERNETES"}).json()["results"]
    assert [item["LEAD_ID"] for item in found] == [lead.pk]
    assert attorney_client.get("/get", {"search": "cobol"}).json()["results"] == []


def test_an_unreadable_cv_is_kept_and_the_failure_recorded(client):
    broken = SimpleUploadedFile("cv.pdf", b"%PDF-1.4 this is not really a PDF")
    response = submit(client, broken)
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert lead.cv and lead.cv_text == ""
    entry = lead.activities.get(kind=Activity.Kind.CV_UNREADABLE)
    assert "could not be read" in entry.message


def test_replacing_or_removing_the_cv_replaces_its_text(attorney_client, client):
    submit(client, pdf("Welder"), resume="Some resume")
    lead = Lead.objects.get()
    data = {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "email": lead.email,
        "resume": lead.resume,
        "state": lead.state,
    }
    edit = reverse("leads:lead_edit", args=[lead.pk])
    attorney_client.post(edit, {**data, "cv": docx("Carpenter")})
    lead.refresh_from_db()
    assert lead.cv_text == "Carpenter"
    attorney_client.post(edit, {**data, "cv-clear": "on"})
    lead.refresh_from_db()
    assert not lead.cv and lead.cv_text == ""
