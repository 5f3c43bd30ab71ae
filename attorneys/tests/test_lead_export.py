"""The list page's "Download CSV": exactly the leads the list shows for its search, filters and
sort, every one of them, not only the current page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from leads import lifecycle
from leads.models import Activity, Lead
from leads.tests.factories import LeadFactory

from .helpers import export, listed_emails

pytestmark = pytest.mark.django_db

LIST = reverse("attorneys:lead_list")
EXPORT = reverse("attorneys:lead_export")


@pytest.fixture
def leads():
    now = timezone.now()
    made = []
    for n in range(40):
        made.append(
            LeadFactory(
                first_name="Maria" if n % 2 else "John",
                last_name=f"Garcia{n:02d}",
                created_at=now - datetime.timedelta(days=n),
                state=Lead.State.REACHED_OUT if n % 3 == 0 else Lead.State.PENDING,
            )
        )
    return made


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"search": "maria"},
        {"search": "maria", "state": "PENDING"},
        {"state": "REACHED_OUT", "ordering": "last_name"},
        {"attention": "1", "ordering": "created_at"},
        {"search": "nobody-matches-this"},
    ],
    ids=["all", "search", "search-and-state", "state-and-sort", "attention", "nothing"],
)
def test_it_exports_exactly_the_filtered_list(attorney_client, leads, params):
    rows = export(attorney_client, **params)
    assert [row["email"] for row in rows] == listed_emails(attorney_client, **params)


def test_it_exports_every_column(attorney_client, attorney):
    lead = LeadFactory(first_name="Zoë", last_name="Ørsted", resume="Line one\nLine two")
    lifecycle.move_lead(lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney)
    (row,) = export(attorney_client)
    assert row == {
        "lead_id": str(lead.pk),
        "first_name": "Zoë",
        "last_name": "Ørsted",
        "email": lead.email,
        "state": "REACHED_OUT",
        "created_at": lead.created_at.astimezone(datetime.UTC).isoformat(timespec="seconds"),
        "reached_out_at": lead.reached_out_at.astimezone(datetime.UTC).isoformat(
            timespec="seconds"
        ),
        "reached_out_by": attorney.email,
        "resume": "Line one\nLine two",
        "has_cv": "no",
    }


@pytest.mark.parametrize("dangerous", ["=HYPERLINK(1)", "+1+1", "-2+3", "@SUM(A1)"])
def test_it_neutralises_formulas(attorney_client, dangerous):
    LeadFactory(first_name=dangerous, last_name="Safe", resume=dangerous)
    (row,) = export(attorney_client)
    assert row["first_name"] == row["resume"] == "'" + dangerous
    assert row["last_name"] == "Safe"


def test_the_list_links_to_the_export_of_what_it_shows(attorney_client, leads):
    page = attorney_client.get(LIST, {"search": "maria", "state": "PENDING", "page": 2})
    html = page.content.decode()
    assert f'href="{EXPORT}?search=maria&amp;state=PENDING"' in html


def test_it_is_for_attorneys_only(client, outsider, leads):
    response = client.get(EXPORT)
    assert response.status_code == 302 and reverse("login") in response.url
    client.force_login(outsider)
    assert client.get(EXPORT).status_code == 403


def test_it_reads_the_leads_in_chunks(attorney_client, leads, django_assert_max_num_queries):
    # Session, user, the user's permissions (two), and the leads themselves: one query, read
    # by a chunked iterator. No counts: the export needs none.
    with django_assert_max_num_queries(5):
        assert len(export(attorney_client)) == 40
