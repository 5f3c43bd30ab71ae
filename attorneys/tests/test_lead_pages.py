import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from leads import lifecycle
from leads.models import Activity, Lead
from leads.tests.factories import AttorneyFactory, LeadFactory, lead_form_data
from leads.tests.files import pdf_upload

pytestmark = pytest.mark.django_db

LIST = reverse("attorneys:lead_list")


def detail(lead):
    return reverse("attorneys:lead_detail", args=[lead.pk])


@pytest.mark.parametrize(
    "name, method",
    [
        ("attorneys:lead_list", "get"),
        ("attorneys:lead_create", "get"),
        ("attorneys:lead_detail", "get"),
        ("attorneys:lead_edit", "get"),
        ("attorneys:lead_cv", "get"),
        ("attorneys:lead_set_state", "post"),
    ],
)
def test_attorney_pages_require_login_and_attorney(client, outsider, lead, name, method):
    url = (
        reverse(name)
        if name in ("attorneys:lead_list", "attorneys:lead_create")
        else reverse(name, args=[lead.pk])
    )
    data = {"state": "REACHED_OUT"} if method == "post" else None
    response = getattr(client, method)(url, data)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))

    client.force_login(outsider)
    response = getattr(client, method)(url, data)
    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.state == Lead.State.PENDING


def tab_counts(response):
    """The list's tabs: label -> the count it shows."""
    return {label: count for label, _, count, _ in response.context["tabs"]}


def test_list_counts_follow_new_leads_and_state_changes(
    attorney_client, attorney, django_capture_on_commit_callbacks
):
    # The kept counts follow each change.
    with django_capture_on_commit_callbacks(execute=True):
        LeadFactory()
    assert tab_counts(attorney_client.get(LIST))["All"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        lead = LeadFactory()
    assert tab_counts(attorney_client.get(LIST))["All"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.move_lead(
            lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
        )
    counts = tab_counts(attorney_client.get(LIST))
    assert (counts["Pending"], counts["Reached out"]) == (1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        lead.delete()
    assert tab_counts(attorney_client.get(LIST))["All"] == 1


def test_list_shows_leads_and_counts(attorney_client):
    LeadFactory(first_name="Ana", last_name="Silva")
    lifecycle.move_lead(
        LeadFactory(), Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=AttorneyFactory()
    )
    response = attorney_client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Silva, Ana" in html
    assert tab_counts(response) == {
        "All": 2,
        "Pending": 1,
        "Needs attention": 0,
        "Reached out": 1,
    }


def test_list_search_by_name_and_email(attorney_client):
    ana = LeadFactory(first_name="Ana", last_name="Silva", email="ana@mail.example")
    bob = LeadFactory(first_name="Bob", last_name="Stone", email="bob@other.example")
    assert list(attorney_client.get(LIST, {"search": "silva"}).context["page"]) == [ana]
    assert list(attorney_client.get(LIST, {"search": "BOB@other"}).context["page"]) == [bob]
    # Words match the start of a name or email, so "ilva" finds nobody.
    assert list(attorney_client.get(LIST, {"search": "ilva"}).context["page"]) == []
    assert list(attorney_client.get(LIST, {"search": "nobody"}).context["page"]) == []


def test_list_filter_by_state(attorney_client):
    pending = LeadFactory()
    done = LeadFactory()
    lifecycle.move_lead(
        done, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=AttorneyFactory()
    )
    assert list(attorney_client.get(LIST, {"state": "PENDING"}).context["page"]) == [pending]
    assert list(attorney_client.get(LIST, {"state": "REACHED_OUT"}).context["page"]) == [done]
    assert len(attorney_client.get(LIST, {"state": "bogus"}).context["page"]) == 2


def test_list_sorts(attorney_client):
    old = LeadFactory(last_name="Zed")
    Lead.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    new = LeadFactory(last_name="Abe")
    assert list(attorney_client.get(LIST).context["page"]) == [new, old]
    assert list(attorney_client.get(LIST, {"ordering": "created_at"}).context["page"]) == [old, new]
    assert list(attorney_client.get(LIST, {"ordering": "last_name"}).context["page"]) == [new, old]
    # A value the list does not know is left out: newest first.
    assert list(attorney_client.get(LIST, {"ordering": "resume"}).context["page"]) == [new, old]


def test_list_paginates(attorney_client):
    LeadFactory.create_batch(30)
    first = attorney_client.get(LIST)
    assert len(first.context["page"]) == 25
    assert "1–25 of 30 leads" in first.content.decode()
    second = attorney_client.get(LIST, {"page": 2})
    assert len(second.context["page"]) == 5
    assert attorney_client.get(LIST, {"page": "abc"}).status_code == 200
    assert len(attorney_client.get(LIST, {"page_size": 50}).context["page"]) == 30
    # The page size is remembered.
    assert len(attorney_client.get(LIST).context["page"]) == 30


def test_list_query_count_does_not_grow_with_page_size(
    attorney_client, django_assert_max_num_queries
):
    for lead in LeadFactory.create_batch(100):
        lifecycle.move_lead(
            lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=AttorneyFactory()
        )
    attorney_client.get(LIST, {"page_size": 100})  # keeps the size
    # The session, the attorney and their permissions, the "needs attention" count, the page.
    with django_assert_max_num_queries(7):
        response = attorney_client.get(LIST, {"page_size": 100})
    assert len(response.context["page"]) == 100


def test_list_escapes_html(attorney_client):
    LeadFactory(first_name="<script>alert(1)</script>")
    html = attorney_client.get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_detail_shows_every_field(attorney_client):
    lead = LeadFactory(
        first_name="Ana", last_name="Silva", email="ana@example.com", resume="Nurse since 2010"
    )
    response = attorney_client.get(detail(lead))
    html = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Ana Silva",
        "ana@example.com",
        "Nurse since 2010",
        "Pending",
        "Not yet",
        "None uploaded",
    ]:
        assert text in html


def test_detail_unknown_lead_is_404(attorney_client):
    assert attorney_client.get(reverse("attorneys:lead_detail", args=[999999])).status_code == 404


def test_mark_reached_out_records_who_and_when(attorney_client, attorney, lead):
    response = attorney_client.post(
        reverse("attorneys:lead_set_state", args=[lead.pk]), {"state": "REACHED_OUT"}, follow=True
    )
    assert response.status_code == 200
    assert "is marked as reached out" in response.content.decode()
    lead.refresh_from_db()
    assert lead.state == Lead.State.REACHED_OUT
    assert lead.reached_out_by == attorney
    assert timezone.now() - lead.reached_out_at < dt.timedelta(minutes=1)


def test_mark_pending_again(attorney_client, attorney, lead):
    lifecycle.move_lead(lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney)
    attorney_client.post(reverse("attorneys:lead_set_state", args=[lead.pk]), {"state": "PENDING"})
    lead.refresh_from_db()
    assert lead.state == Lead.State.PENDING
    assert lead.reached_out_at is None


def test_mark_requires_post(attorney_client, lead):
    response = attorney_client.get(reverse("attorneys:lead_set_state", args=[lead.pk]))
    assert response.status_code == 405


def test_edit_saves_changes(attorney_client, attorney, lead):
    url = reverse("attorneys:lead_edit", args=[lead.pk])
    assert attorney_client.get(url).status_code == 200
    data = lead_form_data(lead, first_name="New", email="new@example.com", state="REACHED_OUT")
    response = attorney_client.post(url, data)
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.first_name, lead.email, lead.state) == ("New", "new@example.com", "REACHED_OUT")
    assert lead.reached_out_by == attorney


def test_edit_refuses_duplicate_email(attorney_client, lead):
    LeadFactory(email="taken@example.com")
    url = reverse("attorneys:lead_edit", args=[lead.pk])
    response = attorney_client.post(url, lead_form_data(lead, email="TAKEN@example.com"))
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "A lead with this email address already exists."
    ]
    lead.refresh_from_db()
    assert lead.email != "TAKEN@example.com"


def test_edit_errors_are_summarised_as_on_the_intake_form(attorney_client, lead):
    url = reverse("attorneys:lead_edit", args=[lead.pk])
    stored = lead.full_name
    page = attorney_client.post(
        url, lead_form_data(lead, first_name="Changed", email="not-an-email")
    ).content.decode()
    assert re.search(r"<title>Error: Edit " + re.escape(stored), page)
    assert f"<h1>Edit {stored}</h1>" in page  # the stored name, not the unsaved one
    assert '<div class="error-summary" role="alert" tabindex="-1" autofocus' in page
    assert '<a href="#id_email">Email: Enter a valid email address.</a>' in page


def test_edit_goes_back_to_the_list_it_came_from(attorney_client, lead):
    query = "?state=PENDING&page=1"
    detail = attorney_client.get(reverse("attorneys:lead_detail", args=[lead.pk]) + query)
    edit_url = reverse("attorneys:lead_edit", args=[lead.pk]) + query
    assert f'href="{edit_url.replace("&", "&amp;")}"' in detail.content.decode()
    response = attorney_client.post(edit_url, lead_form_data(lead, first_name="Saved"))
    assert response.status_code == 302
    assert response.url == reverse("attorneys:lead_detail", args=[lead.pk]) + query


def test_edit_does_not_link_to_the_cv_file(attorney_client):
    lead = LeadFactory(cv=pdf_upload())
    html = attorney_client.get(reverse("attorneys:lead_edit", args=[lead.pk])).content.decode()
    assert "Current CV:" in html
    assert lead.cv.name not in html


def test_create_page_creates_a_lead_without_emailing(attorney_client, mailoutbox):
    response = attorney_client.post(
        reverse("attorneys:lead_create"), lead_form_data(state="PENDING")
    )
    lead = Lead.objects.get()
    assert response.status_code == 302 and response.url == detail(lead)
    assert mailoutbox == []


def test_cv_download_for_attorneys(attorney_client):
    lead = LeadFactory(
        first_name="Ana", last_name="Silva", cv=SimpleUploadedFile("x.pdf", b"%PDF-1.4 cv")
    )
    response = attorney_client.get(reverse("attorneys:lead_cv", args=[lead.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="ana-silva-cv.pdf"'
    assert b"".join(response.streaming_content) == b"%PDF-1.4 cv"


def test_cv_download_without_cv_is_404(attorney_client, lead):
    assert attorney_client.get(reverse("attorneys:lead_cv", args=[lead.pk])).status_code == 404


def test_login_page_and_redirect_to_dashboard(client, attorney):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"),
        {"username": attorney.username, "password": "correct horse battery staple"},
    )
    assert response.status_code == 302 and response.url == reverse("attorneys:dashboard")


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_sign_in_asks_for_the_email_address_and_links_nowhere_else(client, url_name):
    page = client.get(reverse(url_name)).content.decode()
    assert re.search(r'<label for="id_username"[^>]*>Email address', page)
    assert 'type="email" name="username"' in page
    assert "Username" not in page
    if url_name == "login":
        assert "Staff sign-in" not in page  # the page itself
        assert "Staff sign-in" in client.get(reverse("intake:form")).content.decode()


def test_logout(attorney_client):
    response = attorney_client.post(reverse("logout"), follow=True)
    assert response.redirect_chain == [(reverse("login"), 302)]
    assert "You have signed out." in response.content.decode()
    assert attorney_client.get(LIST).status_code == 302


def test_search_with_the_last_character_before_the_surrogates_is_no_500(attorney_client, lead):
    assert attorney_client.get(LIST, {"search": "a\ud7ff"}).status_code == 200


def test_edit_works_when_the_stored_cv_file_is_missing(attorney_client):
    lead = LeadFactory(cv=pdf_upload())
    lead.cv.storage.delete(lead.cv.name)
    url = reverse("attorneys:lead_edit", args=[lead.pk])
    assert attorney_client.get(url).status_code == 200
    assert attorney_client.post(url, lead_form_data(lead, first_name="Still")).status_code == 302
    lead.refresh_from_db()
    assert lead.first_name == "Still"
    assert attorney_client.get(reverse("attorneys:lead_cv", args=[lead.pk])).status_code == 404


def test_removing_an_attorney_from_the_group_takes_effect_at_once(attorney_client, attorney):
    assert attorney_client.get(LIST).status_code == 200
    attorney.groups.clear()
    assert attorney_client.get(LIST).status_code == 403


def test_a_deactivated_attorney_is_refused_at_once(attorney_client, attorney):
    assert attorney_client.get(LIST).status_code == 200
    attorney.is_active = False
    attorney.save()
    assert attorney_client.get(LIST).status_code == 302
