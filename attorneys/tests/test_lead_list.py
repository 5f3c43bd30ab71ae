"""The attorneys' list: one filter model shared with the API and the export, tabs that never
combine into nothing, sortable headers, numbered pages, and a lead page that knows its list."""

import datetime
import re
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from freezegun import freeze_time
from rest_framework.authtoken.models import Token

from leads import lifecycle
from leads.models import Activity, Erasure, Lead
from leads.tests.factories import AttorneyFactory, LeadFactory
from leads.tests.files import pdf_upload

from .helpers import export, listed_emails

pytestmark = pytest.mark.django_db

LIST = reverse("attorneys:lead_list")


@pytest.fixture
def leads(attorney):
    now = timezone.now()
    made = []
    for n in range(30):
        lead = LeadFactory(
            first_name="Maria" if n % 2 else "John",
            last_name=f"Garcia{n:02d}",
            email=f"person{n:02d}@example.com",
            created_at=now - datetime.timedelta(days=n),
        )
        if n % 3 == 0:
            lifecycle.move_lead(
                lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
            )
        made.append(lead)
    return made


QUERIES = [
    {},
    {"search": "maria"},
    {"state": "PENDING", "ordering": "last_name"},
    {"attention": "true", "ordering": "-email"},
    {"attention": "false", "search": "garcia1"},
    {"created_after": "2000-01-01", "ordering": "created_at"},
    {"email": "PERSON07@Example.com"},
    {"state": "REACHED_OUT", "ordering": "-reached_out_at"},
]


@pytest.mark.parametrize("params", QUERIES, ids=lambda params: urlencode(params) or "all")
def test_the_page_the_api_and_the_export_agree_on_one_query_string(
    client, attorney, attorney_client, leads, params
):
    page = listed_emails(attorney_client, **params)
    exported = [row["email"] for row in export(attorney_client, **params)]
    token = Token.objects.create(user=attorney).key
    api = client.get("/get", {**params, "page_size": 100}, HTTP_AUTHORIZATION=f"Token {token}")

    assert api.status_code == 200, api.content
    assert [lead["EMAIL"] for lead in api.json()["results"]] == page == exported
    assert page or params.get("email") is None


def test_the_tabs_count_and_never_combine_into_nothing(attorney_client, leads):
    response = attorney_client.get(LIST, {"search": "maria"})
    tabs = {
        label: (href, count, current) for label, href, count, current in response.context["tabs"]
    }

    assert [label for label in tabs] == ["All", "Pending", "Needs attention", "Reached out"]
    assert tabs["All"][1] == 15
    assert tabs["Pending"][1] + tabs["Reached out"][1] == 15
    assert tabs["All"][2] and not tabs["Pending"][2]
    # Each tab keeps the search and picks one thing: a state, or needing attention.
    for label, (href, count, _) in tabs.items():
        page = attorney_client.get(LIST + href)
        assert page.context["page"].paginator.count == count, label
        assert "search=maria" in href
        assert not ("state=" in href and "attention=" in href)
    stale = attorney_client.get(LIST + tabs["Needs attention"][0])
    assert all(lead.is_stale for lead in stale.context["page"])
    html = stale.content.decode()
    assert re.search(r'aria-current="page">Needs attention <span class="count">\d+', html)


def test_the_column_headers_sort_and_say_how(attorney_client, leads):
    html = attorney_client.get(LIST).content.decode()
    assert '<th scope="col" aria-sort="descending"><a href="?ordering=created_at">Submitted' in html
    assert '<th scope="col"><a href="?ordering=last_name">Name</a></th>' in html

    by_name = attorney_client.get(LIST, {"ordering": "last_name"})
    names = [lead.last_name for lead in by_name.context["page"]]
    assert names == sorted(names)
    html = by_name.content.decode()
    assert '<th scope="col" aria-sort="ascending"><a href="?ordering=-last_name">Name' in html


def test_the_pages_are_numbered(attorney_client):
    LeadFactory.create_batch(30 * 25 + 1)
    html = attorney_client.get(LIST, {"page": 15}).content.decode()
    numbers = re.findall(r'<li><a href="\?page=(\d+)"', html)
    assert numbers == ["14", "1", "13", "14", "15", "16", "17", "31", "16"]  # prev, 1 … 31, next
    assert '<a href="?page=15" aria-current="page">15</a>' in html
    assert html.count("…") == 2
    assert "351–375 of 751 leads" in html


def test_a_lead_page_knows_its_list(attorney_client, leads):
    query = {"state": "PENDING", "ordering": "last_name", "page_size": 25}
    listed = attorney_client.get(LIST, query)
    ordered = list(listed.context["page"])
    link = escape(f"{ordered[0].get_absolute_url()}?{urlencode({**query, 'page': 1})}")
    assert f'<a href="{link}" id="first-lead">' in listed.content.decode()  # its skip link's target

    second = attorney_client.get(ordered[1].get_absolute_url(), {**query, "page": 1})
    html = second.content.decode()
    back = escape(f"{LIST}?{urlencode({**query, 'page': 1})}")
    assert f'<a href="{back}">← Back to the list</a>' in html
    assert f'href="{ordered[0].get_absolute_url()}?' in html  # previous
    assert f'href="{ordered[2].get_absolute_url()}?' in html  # next

    # Its buttons keep the list too.
    response = attorney_client.post(
        reverse("attorneys:lead_set_state", args=[ordered[1].pk]) + "?" + urlencode(query),
        {"state": "REACHED_OUT"},
    )
    assert response["Location"] == f"{ordered[1].get_absolute_url()}?{urlencode(query)}"


def test_previous_and_next_cross_page_edges(attorney_client):
    LeadFactory.create_batch(26)
    newest_first = list(Lead.objects.order_by("-created_at", "-id"))
    last_of_first = attorney_client.get(newest_first[24].get_absolute_url(), {"page": 1})
    following = escape(f"{newest_first[25].get_absolute_url()}?page=2")
    assert f'<a href="{following}" rel="next">Next lead</a>' in last_of_first.content.decode()

    only_of_second = attorney_client.get(newest_first[25].get_absolute_url(), {"page": 2})
    html = only_of_second.content.decode()
    previous = escape(f"{newest_first[24].get_absolute_url()}?page=1")
    assert f'<a href="{previous}" rel="prev">Previous lead</a>' in html
    assert "Next lead" not in html


def test_a_lead_page_opened_elsewhere_has_no_neighbours(attorney_client, leads):
    html = attorney_client.get(leads[0].get_absolute_url()).content.decode()
    assert "← All leads" in html
    assert "Next lead" not in html


def test_a_blank_note_comes_back_at_the_notes_with_its_error(attorney_client, lead):
    url = reverse("attorneys:lead_add_note", args=[lead.pk])
    html = attorney_client.get(lead.get_absolute_url()).content.decode()
    assert f'action="{url}#notes"' in html

    response = attorney_client.post(url, {"body": "  "})
    assert response.status_code == 200
    assert 'id="id_body_error"' in response.content.decode()

    added = attorney_client.post(url, {"body": "Called."})
    assert added["Location"] == f"{lead.get_absolute_url()}#notes"


def test_the_edit_page_has_cancel_and_the_cv_link(attorney_client):
    lead = LeadFactory(cv=pdf_upload("Ana Silva CV 2026.pdf"))
    html = attorney_client.get(reverse("attorneys:lead_edit", args=[lead.pk])).content.decode()
    assert f'<a class="button" href="{lead.get_absolute_url()}">Cancel</a>' in html
    cv_url = reverse("attorneys:lead_cv", args=[lead.pk])
    assert f'Current CV: <a href="{cv_url}" download>Ana Silva CV 2026.pdf</a>' in html
    assert lead.cv.name not in html  # the stored file's own (random) name and path


def test_the_cv_file_name_follows_uploads_through_every_way_in(client, attorney_client):
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
    form = {"first_name": "Ana", "last_name": "Silva", "email": "ana@example.com", "resume": ""}
    client.post("/", {**form, "cv": SimpleUploadedFile("ana-cv.pdf", pdf)})
    lead = Lead.objects.get()
    assert lead.cv_filename == "ana-cv.pdf"
    assert "(ana-cv.pdf)" in attorney_client.get(lead.get_absolute_url()).content.decode()

    edit = reverse("attorneys:lead_edit", args=[lead.pk])
    changes = {**form, "state": "PENDING", "resume": "Now with text"}
    attorney_client.post(edit, {**changes, "cv": SimpleUploadedFile("new.PDF", pdf)})
    lead.refresh_from_db()
    assert lead.cv_filename == "new.PDF"
    attorney_client.post(edit, {**changes, "cv-clear": "on"})
    lead.refresh_from_db()
    assert (lead.cv.name, lead.cv_filename) == ("", "")


def test_attorney_pages_carry_no_prospect_footer(attorney_client, lead):
    html = attorney_client.get(LIST).content.decode()
    assert "Your information is kept confidential" not in html
    assert Lead.objects.exists()


@pytest.mark.parametrize(
    ("utc", "shown"),
    [
        # New York leaves EST for EDT at 2026-03-08 07:00 UTC.
        (datetime.datetime(2026, 3, 8, 6, 59, tzinfo=datetime.UTC), "Mar 8, 2026 01:59 EST"),
        (datetime.datetime(2026, 3, 8, 7, 0, tzinfo=datetime.UTC), "Mar 8, 2026 03:00 EDT"),
        # And goes back at 2026-11-01 06:00 UTC: 01:30 happens twice.
        (datetime.datetime(2026, 11, 1, 5, 30, tzinfo=datetime.UTC), "Nov 1, 2026 01:30 EDT"),
        (datetime.datetime(2026, 11, 1, 6, 30, tzinfo=datetime.UTC), "Nov 1, 2026 01:30 EST"),
    ],
)
def test_times_are_in_the_firms_time_zone_with_its_label(settings, utc, shown):
    from leads.templatetags.lead_times import when

    settings.TIME_ZONE = "America/New_York"
    assert str(when(utc)) == f'<time datetime="{utc.isoformat()}">{shown}</time>'


def test_recent_times_are_relative_with_the_exact_time_in_the_title(settings, attorney_client):
    settings.TIME_ZONE = "Europe/Madrid"
    lead = LeadFactory(created_at=timezone.now() - datetime.timedelta(days=3, hours=2))
    html = attorney_client.get(lead.get_absolute_url()).content.decode()
    exact = timezone.localtime(lead.created_at).strftime("%b %-d, %Y %H:%M")
    assert re.search(rf'<time datetime="[^"]+" title="{exact} CES?T">3\xa0days ago</time>', html)


BULK = reverse("attorneys:lead_bulk")


def test_bulk_marks_the_ticked_leads_each_with_its_history(attorney_client, attorney, leads):
    pending = [lead for lead in leads if lead.state == Lead.State.PENDING][:3]
    query = {"state": "PENDING", "page": 1}
    response = attorney_client.post(
        f"{BULK}?{urlencode(query)}",
        {"action": "REACHED_OUT", "lead": [lead.pk for lead in pending]},
        follow=True,
    )

    assert response.redirect_chain == [(f"{LIST}?{urlencode(query)}", 302)]
    html = response.content.decode()
    assert "3 leads marked as reached out." in html
    for lead in pending:
        lead.refresh_from_db()
        assert lead.state == Lead.State.REACHED_OUT and lead.reached_out_by == attorney
        change = lead.activities.get(kind="STATE_CHANGED")
        assert change.changes == {"State": ["Pending", "Reached out"]}
        assert change.actor == attorney
    assert "Last change: 3 leads marked as reached out." in html

    # One step back, from the list.
    undone = attorney_client.post(
        reverse("attorneys:lead_bulk_undo") + f"?{urlencode(query)}", follow=True
    )
    assert "Undone: 3 leads back as before." in undone.content.decode()
    assert all(Lead.objects.get(pk=lead.pk).state == Lead.State.PENDING for lead in pending)
    assert "Last change:" not in undone.content.decode()


def shown_list(client, query):
    """What the bulk form of the list for `query` posts back about "all N leads": its count and
    when it was shown."""
    html = client.get(f"{LIST}?{urlencode(query)}").content.decode()
    count = re.search(r'<input type="hidden" name="count" value="(\d+)">', html).group(1)
    shown_at = re.search(r'<input type="hidden" name="shown_at" value="([^"]+)">', html).group(1)
    return {"all": "1", "count": count, "shown_at": shown_at}


def test_bulk_can_take_every_lead_the_list_matches(attorney_client, leads):
    query = {"search": "maria", "state": "PENDING"}
    matching = set(
        Lead.objects.filter(first_name="Maria", state="PENDING").values_list("pk", flat=True)
    )
    response = attorney_client.post(
        f"{BULK}?{urlencode(query)}",
        {"action": "REACHED_OUT", **shown_list(attorney_client, query)},
    )

    assert response.status_code == 302
    assert (
        set(Lead.objects.filter(pk__in=matching, state="REACHED_OUT").values_list("pk", flat=True))
        == matching
    )
    assert Lead.objects.filter(first_name="John", state="PENDING").exists()  # not matched


def test_bulk_all_refuses_when_a_lead_arrived_since_the_list_was_shown(attorney_client):
    query = {"search": "quill", "state": "PENDING"}
    shown = LeadFactory(last_name="Quill")
    posted = shown_list(attorney_client, query)
    assert posted["count"] == "1"
    arrived = LeadFactory(last_name="Quillon")  # a new lead that the list now matches too

    response = attorney_client.post(
        f"{BULK}?{urlencode(query)}", {"action": "REACHED_OUT", **posted}, follow=True
    )
    html = response.content.decode()
    assert "The list has changed since it was shown: it now matches 2 leads, not 1" in html
    assert "Nothing was changed" in html
    assert set(Lead.objects.values_list("state", flat=True)) == {"PENDING"}
    assert not Activity.objects.filter(kind="STATE_CHANGED", lead__in=[shown, arrived]).exists()


def test_bulk_all_refuses_when_a_matching_lead_changed_since(attorney_client, attorney):
    query = {"search": "quill"}
    LeadFactory(last_name="Quill")
    second = LeadFactory(last_name="Quillon")
    posted = shown_list(attorney_client, query)
    # A colleague marks one reached out, then pending again: the count is the same.
    for state in [Lead.State.REACHED_OUT, Lead.State.PENDING]:
        lifecycle.move_lead(second, state, source=Activity.Source.PAGE, actor=AttorneyFactory())

    response = attorney_client.post(
        f"{BULK}?{urlencode(query)}", {"action": "REACHED_OUT", **posted}, follow=True
    )
    assert "or some changed since. Nothing was changed" in response.content.decode()
    assert set(Lead.objects.values_list("state", flat=True)) == {"PENDING"}


@pytest.mark.parametrize(
    "posted", [{"all": "1"}, {"all": "1", "count": "1", "shown_at": "yesterday"}]
)
def test_bulk_all_refuses_a_form_that_does_not_say_what_it_showed(attorney_client, posted):
    LeadFactory()
    response = attorney_client.post(BULK, {"action": "REACHED_OUT", **posted}, follow=True)
    assert response.status_code == 200
    assert "The list is out of date: nothing was changed." in response.content.decode()
    assert Lead.objects.get().state == Lead.State.PENDING


def test_undo_leaves_a_lead_a_colleague_changed_since(client, attorney):
    colleague = AttorneyFactory(first_name="Beth", last_name="Colleague")
    mine, theirs = LeadFactory(first_name="Ann"), LeadFactory(first_name="Zed", last_name="Lee")
    client.force_login(attorney)
    data = {"action": "REACHED_OUT", "lead": [mine.pk, theirs.pk]}
    assert client.post(BULK, data).status_code == 302
    # The colleague sets it pending, then reaches out again themselves.
    theirs.refresh_from_db()
    for state in [Lead.State.PENDING, Lead.State.REACHED_OUT]:
        lifecycle.move_lead(theirs, state, source=Activity.Source.PAGE, actor=colleague)
    theirs.refresh_from_db()
    reached_out = (theirs.state, theirs.reached_out_at, theirs.reached_out_by)

    html = client.post(reverse("attorneys:lead_bulk_undo"), follow=True).content.decode()
    assert "Undone: 1 lead back as before." in html
    assert "Left as it is: Zed Lee, changed by someone since your change." in html
    theirs.refresh_from_db()
    assert (theirs.state, theirs.reached_out_at, theirs.reached_out_by) == reached_out
    assert Lead.objects.get(pk=mine.pk).state == Lead.State.PENDING


def test_undo_of_mark_pending_gives_back_who_reached_out_and_when(client, attorney):
    first = AttorneyFactory()
    lead = LeadFactory()
    with freeze_time("2026-11-02 10:00:00+00:00"):
        lifecycle.move_lead(lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=first)
    lead.refresh_from_db()
    before = (lead.reached_out_at, lead.reached_out_by)
    client.force_login(attorney)  # someone else marks it pending, then thinks better of it
    assert client.post(BULK, {"action": "PENDING", "lead": [lead.pk]}).status_code == 302
    lead.refresh_from_db()
    assert (lead.state, lead.reached_out_at) == (Lead.State.PENDING, None)

    html = client.post(reverse("attorneys:lead_bulk_undo"), follow=True).content.decode()
    assert "Undone: 1 lead back as before." in html
    lead.refresh_from_db()
    assert lead.state == Lead.State.REACHED_OUT
    assert (lead.reached_out_at, lead.reached_out_by) == before
    undo = lead.activities.filter(kind="STATE_CHANGED").first()
    assert (undo.changes, undo.actor) == ({"State": ["Pending", "Reached out"]}, attorney)


def test_bulk_exports_the_selection(attorney_client, leads):
    chosen = leads[:2]
    response = attorney_client.post(
        BULK, {"action": "export", "lead": [lead.pk for lead in chosen]}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert sorted(line.split(",")[3] for line in text.splitlines()[1:]) == sorted(
        lead.email for lead in chosen
    )


def test_bulk_changes_need_the_change_permission_and_csrf(client, attorney, leads):
    from django.contrib.auth.models import Permission
    from django.test import Client

    reader = AttorneyFactory()
    reader.groups.clear()
    reader.user_permissions.add(Permission.objects.get(codename="view_lead"))
    client.force_login(reader)
    lead = leads[1]
    assert client.post(BULK, {"action": "PENDING", "lead": [lead.pk]}).status_code == 403
    # Reading is enough to download the selection.
    assert client.post(BULK, {"action": "export", "lead": [lead.pk]}).status_code == 200

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(attorney)
    assert strict.post(BULK, {"action": "REACHED_OUT", "lead": [lead.pk]}).status_code == 403
    lead.refresh_from_db()
    assert lead.state == Lead.State.PENDING


@pytest.mark.parametrize(
    "data", [{"action": "REACHED_OUT"}, {"action": "delete", "lead": ["1"]}, {"lead": ["x"]}]
)
def test_bulk_refuses_nothing_ticked_or_an_unknown_action(attorney_client, leads, data):
    response = attorney_client.post(BULK, data, follow=True)
    assert response.status_code in (200, 400)
    assert Lead.objects.filter(state="REACHED_OUT").count() == 10


def test_bulk_passes_over_a_lead_erased_meanwhile(attorney_client, monkeypatch):
    first, erased, last = LeadFactory.create_batch(3)
    move_stored = lifecycle._move_stored

    def erasing_one_first(lead, *args, **kwargs):
        # The retention purge (cron) erases a ticked lead while the change runs.
        lifecycle.erase_lead(erased.pk, actor=None, reason=Erasure.Reason.RETENTION)
        return move_stored(lead, *args, **kwargs)

    monkeypatch.setattr(lifecycle, "_move_stored", erasing_one_first)
    data = {"action": "REACHED_OUT", "lead": [first.pk, erased.pk, last.pk]}
    response = attorney_client.post(BULK, data, follow=True)

    assert response.status_code == 200
    assert "2 leads marked as reached out (1 erased meanwhile)." in response.content.decode()
    assert set(Lead.objects.values_list("state", flat=True)) == {"REACHED_OUT"}


@pytest.mark.parametrize("tick", ["²", "١٢"])  # digits, but not ASCII ones
def test_bulk_ignores_a_ticked_id_that_is_not_a_number(attorney_client, leads, tick):
    response = attorney_client.post(BULK, {"action": "REACHED_OUT", "lead": [tick]})
    assert response.status_code == 302
