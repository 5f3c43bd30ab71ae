import json

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from leads.models import Lead
from leads.tests.factories import LeadFactory, UserFactory, lead_api_data, lead_form_data

from .helpers import error_of

pytestmark = pytest.mark.django_db

URL = "/create"
PDF = b"%PDF-1.4\n%fake but well-formed enough for the signature check\n"


def post_json(client, data, url=URL, **kwargs):
    return client.post(url, json.dumps(data), content_type="application/json", **kwargs)


@pytest.fixture
def limited(settings):
    settings.INTAKE_RATE_LIMIT = "2/m"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def as_attorney(attorney):
    """The headers of an attorney's API client."""
    return {"Authorization": f"Token {Token.objects.create(user=attorney).key}"}


RECEIPT_KEYS = {"STATUS", "RECEIVED_AT", "MESSAGE"}


def receipt_of(response):
    assert response.status_code == 202, response.content
    data = response.json()
    assert set(data) == RECEIPT_KEYS
    assert data["STATUS"] == "RECEIVED"
    return data


def test_the_curl_line_from_the_issue_works(client, run_worker):
    # curl -X POST "http://127.0.0.1:8000/create" -H "Content-Type: application/json"
    #   -d '{"FIRST_NAME": "John", ... "RESUME": "This is a resume"}'
    body = '{"FIRST_NAME": "John", "LAST_NAME": "Doe", "EMAIL": "john.doe@example.com", "RESUME": "This is a resume"}'  # noqa: E501
    response = client.post(URL, body, content_type="application/json")

    assert "contact you" in receipt_of(response)["MESSAGE"]
    assert mail.outbox == []  # the worker sends the emails, not the request
    run_worker()
    lead = Lead.objects.get()
    assert lead.state == "PENDING"
    assert (lead.first_name, lead.last_name, lead.email, lead.resume) == (
        "John",
        "Doe",
        "john.doe@example.com",
        "This is a resume",
    )
    assert len(mail.outbox) == 2
    assert [message.to for message in mail.outbox] == [
        ["john.doe@example.com"],
        ["intake@firm.example"],
    ]
    assert lead.get_absolute_url() in mail.outbox[1].body


def test_an_attorneys_client_gets_the_lead(client, as_attorney):
    body = lead_api_data()
    response = post_json(client, body, headers=as_attorney)

    assert response.status_code == 201
    data = response.json()
    lead = Lead.objects.get()
    assert data["LEAD_ID"] == lead.pk
    assert data["STATE"] == "PENDING" == lead.state
    assert {key: data[key] for key in body} == body
    assert data["REACHED_OUT_AT"] is None
    assert data["CV_URL"] is None
    assert {"CREATED_AT", "UPDATED_AT"} <= set(data)


def test_it_works_with_a_trailing_slash(client):
    receipt_of(post_json(client, lead_api_data(), url="/create/"))
    assert reverse("api:lead_create") == URL


def test_it_ignores_a_state_in_the_body(client):
    receipt_of(post_json(client, lead_api_data(state="REACHED_OUT", id=999)))
    lead = Lead.objects.get()
    assert lead.state == Lead.State.PENDING
    assert lead.reached_out_at is None
    assert lead.pk != 999


def test_it_trims_names_and_normalizes_the_email(client):
    data = lead_api_data(first_name="  John ", email=" John.Doe@EXAMPLE.com ")
    receipt_of(post_json(client, data))
    lead = Lead.objects.get()
    assert (lead.first_name, lead.email) == ("John", "John.Doe@example.com")


def test_it_accepts_multipart_with_a_cv(client, attorney_client):
    cv = SimpleUploadedFile("john-cv.pdf", PDF, content_type="application/pdf")
    data = lead_api_data(resume="", cv=cv)
    response = client.post(URL, data)  # multipart/form-data
    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert lead.cv.name.endswith(".pdf")
    assert lead.resume == ""
    cv_url = response.json()["CV_URL"]
    assert cv_url == "http://testserver" + reverse("attorneys:lead_cv", args=[lead.pk])
    download = attorney_client.get(cv_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize(
    "name, content",
    [("cv.exe", b"MZ\x90\x00"), ("cv.pdf", b"not a pdf at all"), ("cv.docx", b"")],
)
def test_it_refuses_a_bad_cv(client, name, content):
    data = lead_api_data(cv=SimpleUploadedFile(name, content))
    error = error_of(client.post(URL, data), 400)
    assert list(error["fields"]) == ["CV"]
    assert not Lead.objects.exists()


def test_it_refuses_a_cv_over_the_size_limit(client, settings):
    settings.CV_MAX_SIZE = 100
    data = lead_api_data(cv=SimpleUploadedFile("cv.pdf", PDF + b"x" * 100))
    error = error_of(client.post(URL, data), 400)
    assert "too large" in error["fields"]["CV"][0]
    assert not Lead.objects.exists()


def test_it_needs_a_resume_or_a_cv(client):
    data = lead_api_data(without=["resume"])
    error = error_of(client.post(URL, data), 400)  # multipart, where a CV could stand in
    assert "resume" in error["message"].lower()
    assert not Lead.objects.exists()


def test_it_names_each_missing_field(client):
    error = error_of(post_json(client, {}), 400)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"FIRST_NAME", "LAST_NAME", "EMAIL", "RESUME"}
    assert "FIRST_NAME" in error["message"]


@pytest.mark.parametrize(
    "field, value",
    [
        ("FIRST_NAME", ""),
        ("FIRST_NAME", "   "),
        ("LAST_NAME", "\t\n"),
        ("FIRST_NAME", "x" * 101),
        ("LAST_NAME", "Doe" + " " * 98),
        ("EMAIL", "john.doe@example.com" + " " * 235),
        ("FIRST_NAME", 42),
        ("FIRST_NAME", None),
        ("EMAIL", "not-an-email"),
        ("EMAIL", "john@"),
        ("EMAIL", ["john.doe@example.com"]),
        ("RESUME", ""),
        ("RESUME", "   "),
        ("FIRST_NAME", "nul\x00"),
        ("LAST_NAME", "Doe\r\nBcc: victim@example.com"),
    ],
)
def test_it_refuses_an_invalid_field(client, field, value):
    error = error_of(post_json(client, {**lead_api_data(), field: value}), 400)
    assert list(error["fields"]) == [field]
    assert not Lead.objects.exists()
    assert not mail.outbox


def test_it_refuses_a_body_that_is_not_an_object(client):
    error = error_of(post_json(client, [lead_api_data()]), 400)
    assert "dictionary" in error["message"]


@pytest.mark.parametrize("email", ["john.doe@example.com", "JOHN.DOE@Example.COM"])
def test_an_attorneys_client_is_refused_a_duplicate_email_with_409(client, as_attorney, email):
    LeadFactory(email="john.doe@example.com")
    error = error_of(post_json(client, lead_api_data(email=email), headers=as_attorney), 409)
    assert error["code"] == "duplicate_email"
    assert error["fields"] == {"EMAIL": ["A lead with this email address already exists."]}
    assert Lead.objects.count() == 1
    assert not mail.outbox


def test_a_duplicate_is_a_409_that_lists_other_errors_too(client, as_attorney):
    LeadFactory(email="john.doe@example.com")
    data = lead_api_data(email="john.doe@example.com", without=["resume"])
    # multipart: neither RESUME nor CV
    error = error_of(client.post(URL, data, headers=as_attorney), 409)
    assert error["code"] == "duplicate_email"
    assert list(error["fields"]) == ["EMAIL"]
    assert "resume" in error["message"].lower()


def test_the_database_refuses_a_known_email_without_a_lookup_before(client, as_attorney):
    """A valid body is saved at once: the unique constraint refuses a known email (409), and
    only then is the other lead looked up. A new email costs no query for it."""
    with CaptureQueriesContext(connection) as new:
        post_json(client, lead_api_data(email="someone.new@example.com"), headers=as_attorney)
    LeadFactory(email="john.doe@example.com")
    with CaptureQueriesContext(connection) as known:
        response = post_json(
            client, lead_api_data(email="John.Doe@example.com"), headers=as_attorney
        )

    def lookups(queries):
        return [q["sql"] for q in queries if "email_key" in q["sql"] and "INSERT" not in q["sql"]]

    assert lookups(new) == []
    assert len(lookups(known)) == 1
    assert error_of(response, 409)["fields"] == {
        "EMAIL": ["A lead with this email address already exists."]
    }
    assert Lead.objects.count() == 2


def test_a_duplicate_that_wins_the_race_is_a_409(client, as_attorney, monkeypatch):
    # Another request stores the same email between validation and saving: the database
    # constraint refuses it, and the API still answers 409.
    LeadFactory(email="john.doe@example.com")
    monkeypatch.setattr(Lead, "validate_constraints", lambda self, exclude=None: None)
    body = lead_api_data(email="john.doe@example.com")
    error = error_of(post_json(client, body, headers=as_attorney), 409)
    assert error["code"] == "duplicate_email"
    assert Lead.objects.count() == 1


def test_it_refuses_other_methods(client):
    error = error_of(client.get(URL), 405)
    assert error["code"] == "method_not_allowed"
    assert "POST" in client.get(URL)["Allow"]


def test_it_refuses_an_invalid_token(client):
    response = post_json(client, lead_api_data(), headers={"Authorization": "Token nope"})
    assert error_of(response, 401)["code"] == "authentication_failed"
    assert not Lead.objects.exists()


def test_anonymous_clients_are_rate_limited(client, limited):
    receipt_of(post_json(client, lead_api_data()))
    receipt_of(post_json(client, lead_api_data()))

    response = post_json(client, lead_api_data())

    assert error_of(response, 429)["code"] == "throttled"
    assert Lead.objects.count() == 2


def test_the_limit_is_shared_with_the_intake_form(client, limited):
    for _ in range(2):
        client.post(reverse("intake:form"), lead_form_data())
    assert Lead.objects.count() == 2

    error_of(post_json(client, lead_api_data()), 429)
    assert Lead.objects.count() == 2


def test_attorneys_clients_are_not_limited(client, limited, as_attorney):
    for _ in range(4):
        response = post_json(client, lead_api_data(), headers=as_attorney)
        assert response.status_code == 201
    assert Lead.objects.count() == 4


def test_a_token_that_is_not_an_attorneys_is_a_prospect(client, limited):
    token = Token.objects.create(user=UserFactory())
    headers = {"Authorization": f"Token {token.key}"}
    LeadFactory(email="john.doe@example.com")

    known = lead_api_data(email="john.doe@example.com")
    receipt_of(post_json(client, known, headers=headers))  # known: no 409
    receipt_of(post_json(client, lead_api_data(), headers=headers))
    error_of(post_json(client, lead_api_data(), headers=headers), 429)


@pytest.mark.parametrize(
    "first_name", ["WIN $1000 at http://evil.example/claim", "www.evil.example", "ｗｗｗ.evil"]
)
def test_a_name_with_a_web_address_is_refused_and_nothing_is_sent(client, run_worker, first_name):
    response = client.post(
        URL, lead_api_data(FIRST_NAME=first_name), content_type="application/json"
    )
    error = error_of(response, 400)
    assert error["fields"] == {"FIRST_NAME": ["A name cannot contain a web address."]}
    assert not Lead.objects.exists()
    run_worker()
    assert mail.outbox == []
