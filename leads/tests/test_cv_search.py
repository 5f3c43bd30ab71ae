"""CV files' text is searched by the list page and GET /get?search=.

A CV's words are read by the worker (leads/tasks.py), never by the request that uploads it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from leads import lifecycle, search
from leads.models import Activity, Lead
from leads.tests.files import make_docx, make_pdf

from .factories import LeadFactory, lead_form_data

pytestmark = pytest.mark.django_db


def submit(client, cv, email="prospect@example.com", resume=""):
    data = lead_form_data(first_name="Ana", last_name="Lima", email=email, resume=resume, cv=cv)
    return client.post(reverse("intake:form"), data)


def pdf(text):
    return SimpleUploadedFile("cv.pdf", make_pdf(text), content_type="application/pdf")


def docx(text):
    return SimpleUploadedFile("cv.docx", make_docx(text), content_type="application/octet-stream")


@pytest.mark.parametrize("upload", [pdf, docx], ids=["pdf", "docx"])
def test_the_cv_text_is_found_by_the_list_and_the_api(client, attorney_client, upload, run_worker):
    response = submit(client, upload("Senior Kubernetes engineer at Nordwind GmbH"))
    assert response.status_code == 302
    assert Lead.objects.get().cv_text == ""  # not read by the request
    run_worker()
    lead = Lead.objects.get()
    assert " kubernetes engineer at nordwind gmbh " in lead.cv_text

    page = attorney_client.get(reverse("attorneys:lead_list"), {"search": "kubernetes nordwind"})
    assert "Lima, Ana" in page.content.decode()
    found = attorney_client.get("/get", {"search": "KUBERNETES"}).json()["results"]
    assert [item["LEAD_ID"] for item in found] == [lead.pk]
    assert attorney_client.get("/get", {"search": "cobol"}).json()["results"] == []


def test_an_unreadable_cv_is_kept_and_the_failure_recorded(client, run_worker):
    broken = SimpleUploadedFile("cv.pdf", b"%PDF-1.4 this is not really a PDF")
    response = submit(client, broken)
    assert response.status_code == 302
    run_worker()
    lead = Lead.objects.get()
    assert lead.cv and lead.cv_text == ""
    entry = lead.activities.get(kind=Activity.Kind.CV_UNREADABLE)
    assert "could not be read" in entry.message
    # Newest first: the failure comes after the creation.
    kinds = list(lead.activities.values_list("kind", flat=True))
    assert kinds.index(Activity.Kind.CV_UNREADABLE) < kinds.index(Activity.Kind.CREATED)


def test_a_rolled_back_save_queues_no_cv_reading(attorney, run_worker):
    with pytest.raises(RuntimeError), transaction.atomic():
        lead = LeadFactory.build(cv=pdf("Never committed"))
        lifecycle.create_lead(lead, source=Activity.Source.PAGE, actor=attorney)
        assert DBTaskResult.objects.count() == 1
        raise RuntimeError
    assert not DBTaskResult.objects.exists()
    run_worker()
    assert not Activity.objects.exists()


def test_replacing_or_removing_the_cv_replaces_its_text(attorney_client, client, run_worker):
    submit(client, pdf("Welder"), resume="Some resume")
    run_worker()
    lead = Lead.objects.get()
    data = lead_form_data(lead)
    edit = reverse("attorneys:lead_edit", args=[lead.pk])
    attorney_client.post(edit, {**data, "cv": docx("Carpenter")})
    run_worker()
    lead.refresh_from_db()
    assert lead.cv_text == " carpenter "
    attorney_client.post(edit, {**data, "cv-clear": "on"})
    lead.refresh_from_db()
    assert not lead.cv and lead.cv_text == ""


@pytest.mark.parametrize(
    "query, found",
    [
        ("kube", True),  # the start of a word
        ("bernetes", False),  # not the middle of one
        ("lish", False),  # "English": short searches stay precise
        ("müller", True),  # accented letters in any case, on SQLite too
        ("MÜLLER", True),
        ("c++", True),  # punctuation is not part of words
        ("o'brien", True),  # nor inside them
        ("ana kube", True),  # one word from the name, one from the CV
        ("ana cobol", False),
    ],
)
def test_cv_words_match_by_their_start(client, attorney_client, query, found, run_worker):
    text = "Kubernetes (C++) with English-speaking clients; referee: O'Brien, MÜLLER GmbH"
    submit(client, docx(text))
    run_worker()
    results = attorney_client.get("/get", {"search": query}).json()["results"]
    assert bool(results) is found


def test_the_command_reads_the_cvs_stored_before_cv_search(client, attorney_client, run_worker):
    submit(client, pdf("Paralegal in Porto"))
    unreadable = SimpleUploadedFile("cv.pdf", b"%PDF-1.4 not a real PDF")
    submit(client, unreadable, email="other@example.com", resume="Some resume")
    DBTaskResult.objects.all().delete()  # as before CV search existed
    updated_at = dict(Lead.objects.values_list("pk", "updated_at"))

    out, err = io.StringIO(), io.StringIO()
    call_command("extract_cv_texts", stdout=out, stderr=err)

    assert "Read 1 CV(s); 1 could not be read." in out.getvalue()
    assert "could not be read" in err.getvalue()
    assert Lead.objects.get(email="prospect@example.com").cv_text == " paralegal in porto "
    assert dict(Lead.objects.values_list("pk", "updated_at")) == updated_at


def with_cv_text(text):
    """A lead whose CV's words (as the worker stores them) are `text`."""
    lead = LeadFactory()
    Lead.objects.filter(pk=lead.pk).update(cv_text=search.cv_search_text(text))
    return lead


@pytest.mark.parametrize("listed", [1000, 1], ids=["named-by-id", "past-the-listed-limit"])
def test_a_word_in_many_cvs_finds_the_same_leads(attorney_client, monkeypatch, listed):
    # Up to search.CV_MATCHES_LISTED leads whose CV has the word are named by id in the query;
    # past it, they are matched by a subquery. Either way, the same leads are found.
    monkeypatch.setattr(search, "CV_MATCHES_LISTED", listed)
    in_cvs = [with_cv_text("Kubernetes in Porto"), with_cv_text("kubelet")]
    by_name = LeadFactory(first_name="Kubelik", last_name="Porto")
    with_cv_text("COBOL in Lisbon")

    def found(query):
        results = attorney_client.get("/get", {"search": query}).json()["results"]
        return {item["LEAD_ID"] for item in results}

    assert found("kube") == {lead.pk for lead in [*in_cvs, by_name]}
    assert found("kube porto") == {in_cvs[0].pk, by_name.pk}
    assert found("lisbon kube") == set()


def test_the_list_looks_each_word_up_in_the_cvs_once(attorney_client):
    # The page's leads and its tabs' counts share one search (LeadFilter.filter_queryset).
    in_cv = with_cv_text("Kubernetes in Porto")
    with CaptureQueriesContext(connection) as queries:
        response = attorney_client.get(reverse("attorneys:lead_list"), {"search": "kube porto"})
    assert [lead.pk for lead in response.context["page"].object_list] == [in_cv.pk]
    assert response.context["tabs"][0][2] == 1  # "All"
    cv_lookups = [q["sql"] for q in queries.captured_queries if "cv_text" in q["sql"]]
    assert len(cv_lookups) == 2, cv_lookups
