"""The public form after a mistake or the rate limit: nothing the prospect gave is lost, the
errors are easy to find, and only accepted submissions count toward the limit."""

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from leads import lifecycle
from leads.cvs import held as held_cvs
from leads.models import Erasure, Lead
from leads.tasks import delete_held_cv
from leads.tests.factories import LeadFactory, lead_api_data, lead_form_data

pytestmark = pytest.mark.django_db

URL = reverse("intake:form")

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


def cv():
    return SimpleUploadedFile("maria-cv.pdf", PDF, content_type="application/pdf")


def post(client, **data):
    """Post the intake form with `data`, and an empty resume unless `data` gives one: the CV has
    to stand in for it."""
    return client.post(URL, lead_form_data(**{"resume": "", **data}))


def held_reference(response):
    match = re.search(r'name="held_cv" value="([^"]+)"', response.content.decode())
    assert match, "the page holds no CV"
    return match[1]


def held_files():
    """The names of the held files, in their folders (one per email address)."""
    storage = held_cvs.storage()
    if not storage.exists("held"):
        return []
    folders = storage.listdir("held")[0]
    return [f"held/{d}/{name}" for d in folders for name in storage.listdir(f"held/{d}")[1]]


@pytest.fixture
def limits(settings):
    cache.clear()
    yield settings
    cache.clear()


def test_the_cv_survives_a_mistake_and_is_stored_with_the_corrected_submission(client):
    response = post(client, email="maria.gonzalez@", cv=cv())

    assert response.status_code == 200
    page = response.content.decode()
    assert "Attached: <strong>maria-cv.pdf</strong>" in page
    assert "Or choose another CV file" in page
    reference = held_reference(response)
    assert len(held_files()) == 1

    # The browser's file input is empty now; the page sends the reference back.
    response = post(client, held_cv=reference)

    assert response.status_code == 302
    lead = Lead.objects.get()
    assert lead.cv.read() == PDF
    assert lead.cv.name.startswith("cvs/")
    assert held_files() == []  # the held copy is gone once the lead has its own


def test_a_held_cv_can_be_removed_or_replaced(client):
    reference = held_reference(post(client, email="nope", cv=cv()))

    removed = post(client, held_cv=reference, held_cv_remove="1")
    assert removed.status_code == 200
    assert "Add your resume as text or upload a CV file" in removed.content.decode()
    assert 'name="held_cv"' not in removed.content.decode()

    other = SimpleUploadedFile("other.txt", b"Plain text CV", content_type="text/plain")
    assert post(client, held_cv=reference, cv=other).status_code == 302
    assert Lead.objects.get().cv.read() == b"Plain text CV"


@pytest.mark.parametrize(
    "reference", ["", "garbage", "eyJuYW1lIjoiLi4vLi4vZXRjL3Bhc3N3ZCJ9:1abc:forged"]
)
def test_a_reference_that_is_not_ours_is_ignored(client, reference):
    response = post(client, held_cv=reference)
    assert response.status_code == 200
    assert "Add your resume as text or upload a CV file" in response.content.decode()
    assert not Lead.objects.exists()


def test_a_held_cv_expires(client, settings):
    reference = held_reference(post(client, email="nope", cv=cv()))
    (name,) = held_files()

    delete_held_cv.call(name)  # what the worker runs after held_cvs.HOLD_SECONDS

    response = post(client, held_cv=reference)
    assert response.status_code == 200  # back to "add your resume or a CV"
    assert not Lead.objects.exists()


def test_a_bad_cv_is_not_held(client):
    bad = SimpleUploadedFile("cv.pdf", b"not a pdf", content_type="application/pdf")
    response = post(client, cv=bad)
    assert response.status_code == 200
    assert 'name="held_cv"' not in response.content.decode()
    assert held_files() == []


def test_a_held_cv_works_only_in_the_browser_that_sent_it(client):
    reference = held_reference(post(client, email="maria@", cv=cv()))
    assert held_cvs.HOLDER_COOKIE in client.cookies
    # The same reference sent from another browser, with another person's details.
    other = Client()
    response = post(other, first_name="Eve", email="eve@example.com", held_cv=reference)
    assert response.status_code == 200  # no CV, no resume: the form asks for one
    assert "Add your resume as text or upload a CV file" in response.content.decode()
    assert not Lead.objects.exists()
    # With a forged holder cookie too.
    other.cookies[held_cvs.HOLDER_COOKIE] = "forged"
    assert post(other, email="eve@example.com", held_cv=reference).status_code == 200
    assert not Lead.objects.exists()
    # Its own browser still has it.
    assert post(client, held_cv=reference).status_code == 302
    assert Lead.objects.get().cv.read() == PDF


def test_a_client_holds_at_most_five_cvs_an_hour(client, limits):
    limits.INTAKE_FLOOD_LIMIT = ""
    for n in range(5):
        assert 'name="held_cv"' in post(client, email=f"maria{n}@", cv=cv()).content.decode()
    page = post(client, email="maria5@", cv=cv()).content.decode()
    assert 'name="held_cv"' not in page
    assert "Please choose your CV file again" in page
    assert len(held_files()) == 5


def test_the_held_cvs_have_a_total_cap(client, limits):
    limits.HELD_CV_MAX_MB = 1
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 600_000, content_type="application/pdf")
    assert 'name="held_cv"' in post(client, email="a@", cv=big).content.decode()
    big.seek(0)
    page = post(Client(REMOTE_ADDR="10.0.0.9"), email="b@", cv=big).content.decode()
    assert 'name="held_cv"' not in page  # another client, but the disk's share is taken
    assert len(held_files()) == 1


def test_erasing_a_person_removes_their_held_cvs_at_once(
    client, attorney, django_capture_on_commit_callbacks
):
    # A lead for Maria exists; her next try comes back with an error and holds her CV.
    lead = LeadFactory(email="maria@example.com")
    held_reference(post(client, email="Maria@Example.com", resume="", first_name="", cv=cv()))
    held_reference(post(client, email="other@example.com", first_name="", cv=cv()))
    assert len(held_files()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.erase_lead(lead.pk, actor=attorney, reason=Erasure.Reason.REQUEST)

    assert len(held_files()) == 1  # the other person's stays, for its hour


def test_the_errors_are_summarised_at_the_top_and_the_summary_takes_the_focus(client):
    response = client.post(URL, {"first_name": "", "last_name": "", "email": "", "resume": ""})
    page = response.content.decode()

    assert re.search(r"<title>Error: Tell us about yourself", page)
    summary = page[
        page.index('class="error-summary"') : page.index(
            "</div>", page.index('class="error-summary"')
        )
    ]
    assert "autofocus" in page[page.index("<div", page.index('class="error-summary"') - 10) :][:200]
    links = re.findall(r'<a href="#(\w+)">([^<]+)</a>', summary)
    assert [target for target, _ in links] == [
        "id_first_name",
        "id_last_name",
        "id_email",
        "id_resume",
    ]
    either_or = "Add your resume as text or upload a CV file (or both)."
    assert links[-1][1] == either_or
    # One message, shown once beside the two fields it is about, and tied to both.
    assert page.count(either_or) == 2  # the summary's link and the fieldset's message
    for name in ("resume", "cv"):
        tag = re.search(rf'<(?:textarea|input)[^>]*name="{name}"[^>]*>', page)[0]
        assert 'aria-invalid="true"' in tag
        assert "resume-or-cv-error" in tag
    assert 'id="resume-or-cv-error"' in page
    assert "(optional)" not in page


def test_only_accepted_submissions_count_toward_the_limit(client, limits):
    limits.INTAKE_RATE_LIMIT = "2/m"
    for _ in range(4):  # mistakes cost nothing
        assert post(client, resume="").status_code == 200
    assert post(client, resume="First").status_code == 302
    assert post(client, resume="Second", email="second@example.com").status_code == 302

    response = post(client, resume="Third", email="third@example.com", cv=cv())

    assert response.status_code == 429
    page = response.content.decode()
    assert re.search(r"<title>Please wait: ", page)
    assert re.search(r"Please wait \d+\xa0minutes?, then send the form again", page)
    assert 'value="third@example.com"' in page
    assert re.search(r">\s*Third</textarea>", page)
    assert "Attached: <strong>maria-cv.pdf</strong>" in page  # the CV too
    assert Lead.objects.count() == 2


def test_every_post_counts_toward_the_looser_flood_limit(client, limits):
    limits.INTAKE_FLOOD_LIMIT = "3/m"
    for _ in range(3):
        assert post(client, resume="").status_code == 200

    response = post(client, resume="Valid at last")

    assert response.status_code == 429
    assert re.search(r"Please wait \d+\xa0minutes?", response.content.decode())
    assert not Lead.objects.exists()
    # Reading the form is not a POST.
    assert client.get(URL).status_code == 200


def test_the_api_says_how_long_to_wait(client, limits):
    limits.INTAKE_RATE_LIMIT = "1/m"
    bad = client.post("/create", lead_api_data(email="nope"), content_type="application/json")
    assert bad.status_code == 400  # not counted
    accepted = client.post("/create", lead_api_data(), content_type="application/json")
    assert accepted.status_code == 202

    response = client.post("/create", lead_api_data(), content_type="application/json")

    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    assert "Please wait" in response.json()["error"]["message"]
