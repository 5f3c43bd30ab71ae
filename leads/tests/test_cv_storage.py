"""CVs in S3-compatible object storage (CV_BUCKET): stored as private objects, downloaded by
attorneys only (streamed through the permission-checked views), deleted with their lead, read
by the worker, held across a form error, and copied from the local folder by a command.

The tests use a bucket of their own on the S3 endpoint of scripts/with-s3 (moto's server), set
up through the settings as README says: CV_BUCKET, CV_BUCKET_ENDPOINT_URL, CV_BUCKET_REGION and
the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY keys."""

import io
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from leads.models import Lead, Resubmission
from leads.tasks import read_cv
from leads.tests.files import make_pdf

from .buckets import cvs_storage_settings
from .factories import lead_api_data, lead_form_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 12_000  # 3 MB: more than one chunk of the download
PROSPECT = {"first_name": "Ana", "last_name": "Lima", "email": "ana.lima@example.com"}


@pytest.fixture
def prospect():
    """A visitor of the public pages (conftest's attorney_client signs `client` in)."""
    return Client()


def pdf(content=PDF, name="ana-cv.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def submit(client, **changes):
    return client.post(reverse("intake:form"), {**PROSPECT, "resume": "", **changes})


def download(client, lead):
    return client.get(reverse("attorneys:lead_cv", args=[lead.pk]))


def anonymous_get(bucket, key):
    """The status of an unsigned GET of the object, as anyone on the network could send it."""
    try:
        with urllib.request.urlopen(f"{bucket.endpoint_url}/{bucket.name}/{key}", timeout=10):
            return 200
    except urllib.error.HTTPError as error:
        return error.code


def closed_port_url():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{unused.getsockname()[1]}"


def make_unreachable(settings):
    """Point the CV fields at the bucket on an endpoint that refuses every connection."""
    unreachable = {**settings.STORAGES["cvs"]}
    unreachable["OPTIONS"] = {**unreachable["OPTIONS"], "endpoint_url": closed_port_url()}
    settings.STORAGES = {**settings.STORAGES, "cvs": unreachable}


def copy_cvs(*args):
    output = io.StringIO()
    call_command("copy_cvs_to_storage", *args, stdout=output, stderr=io.StringIO())
    return output.getvalue().strip()


def test_the_settings_keep_cvs_in_the_local_folder_unless_a_bucket_is_set(monkeypatch):
    local = cvs_storage_settings(monkeypatch)
    assert local["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert local["OPTIONS"]["location"] == str(django_settings.CV_ROOT)

    s3 = cvs_storage_settings(
        monkeypatch,
        CV_BUCKET="firm-cvs",
        CV_BUCKET_ENDPOINT_URL="https://minio.firm.example",
        CV_BUCKET_REGION="eu-central-1",
    )
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    options = s3["OPTIONS"]
    assert options["bucket_name"] == "firm-cvs"
    assert options["endpoint_url"] == "https://minio.firm.example"
    assert options["region_name"] == "eu-central-1"
    assert options["default_acl"] is None  # the bucket's own: private
    assert options["file_overwrite"] is False

    aws = cvs_storage_settings(monkeypatch, CV_BUCKET="firm-cvs")["OPTIONS"]
    assert aws["endpoint_url"] is None and aws["region_name"] is None  # boto3's defaults


def test_a_cv_sent_through_the_form_is_a_private_object(prospect, bucket):
    response = submit(prospect, cv=pdf())

    assert response.status_code == 302
    lead = Lead.objects.get()
    assert bucket.keys() == [lead.cv.name]
    assert bucket.read(lead.cv.name) == PDF
    assert anonymous_get(bucket, lead.cv.name) == 403


def test_a_cv_sent_to_the_api_as_multipart_is_a_private_object(prospect, bucket):
    data = lead_api_data(without=["resume"], cv=pdf())

    response = prospect.post("/create", data)

    assert response.status_code == 202, response.content  # the anonymous receipt
    lead = Lead.objects.get()
    assert bucket.keys() == [lead.cv.name]
    assert bucket.read(lead.cv.name) == PDF
    assert anonymous_get(bucket, lead.cv.name) == 403


def test_attorneys_download_the_cv_with_its_exact_bytes(prospect, attorney_client, bucket):
    submit(prospect, cv=pdf())
    lead = Lead.objects.get()

    response = download(attorney_client, lead)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="ana-lima-cv.pdf"'
    assert response["Content-Length"] == str(len(PDF))
    assert b"".join(response.streaming_content) == PDF


def test_attorneys_download_a_resubmissions_cv(prospect, attorney_client, bucket):
    submit(prospect, cv=pdf(b"%PDF-1.4 first"))
    submit(prospect, cv=pdf(b"%PDF-1.4 second"))
    lead = Lead.objects.get()
    resubmission = Resubmission.objects.get()
    assert bucket.keys() == sorted([lead.cv.name, resubmission.cv.name])

    url = reverse("attorneys:resubmission_cv", args=[lead.pk, resubmission.pk])
    response = attorney_client.get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 second"


def test_visitors_and_non_attorneys_cannot_download(prospect, client, outsider, bucket):
    submit(prospect, cv=pdf())
    lead = Lead.objects.get()

    anonymous = download(client, lead)
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("login"))
    client.force_login(outsider)
    assert download(client, lead).status_code == 403


def test_a_cv_whose_object_is_gone_is_404(prospect, attorney_client, bucket):
    submit(prospect, cv=pdf())
    lead = Lead.objects.get()
    bucket.client.delete_object(Bucket=bucket.name, Key=lead.cv.name)

    assert download(attorney_client, lead).status_code == 404


def test_a_bucket_that_does_not_answer_gives_a_page_saying_so(
    prospect, attorney_client, bucket, settings, monkeypatch
):
    submit(prospect, cv=pdf())
    lead = Lead.objects.get()
    make_unreachable(settings)

    response = download(attorney_client, lead)

    assert response.status_code == 503
    assert "The CV cannot be fetched right now" in response.content.decode()


def test_a_bucket_that_does_not_answer_stores_nothing_and_says_so(
    prospect, bucket, settings, monkeypatch
):
    make_unreachable(settings)

    page = submit(prospect, cv=pdf())
    api = prospect.post(
        "/create",
        lead_api_data(without=["resume"], cv=pdf()),
    )

    assert page.status_code == 503
    assert "Nothing was saved" in page.content.decode()
    assert api.status_code == 503
    assert api.json()["error"]["code"] == "storage_unavailable"
    assert not Lead.objects.exists()


def test_erasing_while_the_bucket_does_not_answer_still_erases(
    prospect,
    eraser_client,
    bucket,
    settings,
    monkeypatch,
    caplog,
    django_capture_on_commit_callbacks,
):
    submit(prospect, cv=pdf())
    lead = Lead.objects.get()
    [key] = bucket.keys()
    make_unreachable(settings)

    with django_capture_on_commit_callbacks(execute=True):
        response = eraser_client.post(
            reverse("attorneys:lead_erase", args=[lead.pk]),
            {"email": PROSPECT["email"], "reason": "REQUEST"},
        )

    assert response.status_code == 302
    assert not Lead.objects.exists()
    # The file could not be deleted: the log names it (by its stored name) for someone to delete.
    assert bucket.keys() == [key]
    assert key in caplog.text


def test_replacing_or_removing_the_cv_deletes_its_object(
    prospect, attorney_client, bucket, django_capture_on_commit_callbacks
):
    submit(prospect, cv=pdf(b"%PDF-1.4 old"))
    lead = Lead.objects.get()
    old_name = lead.cv.name
    edit = reverse("attorneys:lead_edit", args=[lead.pk])
    data = lead_form_data(lead)

    with django_capture_on_commit_callbacks(execute=True):
        response = attorney_client.post(edit, {**data, "cv": pdf(b"%PDF-1.4 new")})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.cv.name != old_name
    assert bucket.keys() == [lead.cv.name]
    assert bucket.read(lead.cv.name) == b"%PDF-1.4 new"

    with django_capture_on_commit_callbacks(execute=True):
        response = attorney_client.post(edit, {**data, "resume": "Text", "cv-clear": "on"})

    assert response.status_code == 302
    assert not Lead.objects.get().cv
    assert bucket.keys() == []


def test_deleting_the_lead_deletes_its_objects(
    prospect, eraser_client, bucket, django_capture_on_commit_callbacks
):
    submit(prospect, cv=pdf(b"%PDF-1.4 first"))
    submit(prospect, cv=pdf(b"%PDF-1.4 second"))  # kept as a resubmission, with its own CV
    lead = Lead.objects.get()
    assert len(bucket.keys()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = eraser_client.post(
            reverse("admin:leads_lead_delete", args=[lead.pk]), {"post": "yes"}
        )

    assert response.status_code == 302
    assert not Lead.objects.exists() and not Resubmission.objects.exists()
    assert bucket.keys() == []


def test_the_worker_reads_the_cv_from_the_bucket(prospect, attorney_client, bucket, run_worker):
    submit(prospect, cv=pdf(make_pdf("Senior Kubernetes engineer at Nordwind GmbH")))

    run_worker()

    page = attorney_client.get(reverse("attorneys:lead_list"), {"search": "kubernetes nordwind"})
    assert "Lima, Ana" in page.content.decode()


def test_the_worker_tries_again_when_the_bucket_cannot_be_reached(
    prospect, attorney_client, bucket, run_worker, settings, monkeypatch
):
    submit(prospect, cv=pdf(make_pdf("Senior Kubernetes engineer at Nordwind GmbH")))
    working = storages["cvs"]
    make_unreachable(settings)
    settings.TASK_RETRY_SECONDS = 3600

    run_worker()  # the endpoint refuses the connection

    retry = DBTaskResult.objects.get(task_path=read_cv.module_path, status="READY")
    assert retry.args_kwargs["kwargs"] == {"attempt": 2}  # later, not now
    assert Lead.objects.get().cv_text == ""

    monkeypatch.setattr(Lead._meta.get_field("cv"), "storage", working)
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()

    page = attorney_client.get(reverse("attorneys:lead_list"), {"search": "kubernetes nordwind"})
    assert "Lima, Ana" in page.content.decode()


def test_a_cv_held_after_a_mistake_waits_in_the_bucket(prospect, bucket):
    response = submit(prospect, email="ana.lima@", cv=pdf())

    assert response.status_code == 200
    [held] = bucket.keys()
    assert held.startswith("held/")
    assert anonymous_get(bucket, held) == 403
    reference = response.context["form"].held_cv.reference

    response = submit(prospect, held_cv=reference)

    assert response.status_code == 302
    lead = Lead.objects.get()
    assert bucket.keys() == [lead.cv.name]  # the held copy is gone
    assert bucket.read(lead.cv.name) == PDF


def test_the_command_copies_the_local_cvs_into_the_bucket_once(tmp_path, bucket):
    local = FileSystemStorage(location=tmp_path / "old-cvs")
    files = {
        "cvs/2025/01/aaa.pdf": b"%PDF-1.4 a",
        "cvs/2025/02/bbb.docx": b"PK\x03\x04 b",
        "cvs/2025/03/ccc.pdf": b"%PDF-1.4 c, on the resubmission",
    }
    for name, content in files.items():
        local.save(name, ContentFile(content))
    lead = Lead.objects.create(**PROSPECT, cv="cvs/2025/01/aaa.pdf")
    Lead.objects.create(**{**PROSPECT, "email": "b@example.com"}, cv="cvs/2025/02/bbb.docx")
    Lead.objects.create(**{**PROSPECT, "email": "c@example.com"}, cv="cvs/2024/12/gone.pdf")
    Lead.objects.create(**{**PROSPECT, "email": "d@example.com"}, resume="No CV")
    Resubmission.objects.create(lead=lead, **PROSPECT, cv="cvs/2025/03/ccc.pdf")
    # A copy cut short, from an earlier run: replaced.
    bucket.client.put_object(Bucket=bucket.name, Key="cvs/2025/02/bbb.docx", Body=b"PK")

    first = copy_cvs("--from", str(local.location))

    assert first == "Copied 3 CV(s); 0 already there; 1 missing locally."
    assert bucket.keys() == sorted(files)
    assert {name: bucket.read(name) for name in files} == files
    assert anonymous_get(bucket, "cvs/2025/01/aaa.pdf") == 403

    second = copy_cvs("--from", str(local.location))

    assert second == "Copied 0 CV(s); 3 already there; 1 missing locally."
    assert {name: bucket.read(name) for name in files} == files


def test_the_command_leaves_no_copy_of_a_person_erased_meanwhile(tmp_path, bucket, monkeypatch):
    local = FileSystemStorage(location=tmp_path / "old-cvs")
    local.save("cvs/2025/01/aaa.pdf", ContentFile(b"%PDF-1.4 a"))
    lead = Lead.objects.create(**PROSPECT, cv="cvs/2025/01/aaa.pdf")
    storage = storages["cvs"]  # what the CV field's storage stands for (leads/cvs/storage.py)
    save = storage.save

    def erased_during_the_copy(name, content, **kwargs):
        Lead.objects.filter(pk=lead.pk).delete()  # whose deletion finds no object yet
        return save(name, content, **kwargs)

    monkeypatch.setattr(storage, "save", erased_during_the_copy)

    assert copy_cvs("--from", str(local.location)).startswith("Copied 0 CV(s)")
    assert bucket.keys() == []


def test_the_command_refuses_to_copy_the_local_folder_onto_itself(settings):
    location = Lead._meta.get_field("cv").storage.location
    settings.CV_ROOT = Path(location)

    with pytest.raises(CommandError, match="is the local folder .* itself: nothing to copy"):
        copy_cvs()
    with pytest.raises(CommandError, match="Set CV_BUCKET"):
        copy_cvs("--from", location)
