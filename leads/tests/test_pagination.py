"""Deep pages of the list of leads (leads/pagination.py): read by their ids first, they list the
very leads, in the very order, that reading the page whole would, on the attorneys' list page and
through GET /get alike."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leads.filters import LeadFilter
from leads.models import Lead

from .factories import LeadFactory

pytestmark = pytest.mark.django_db

LIST = reverse("attorneys:lead_list")
IDS_ONLY = re.compile(r'SELECT "leads_lead"\."id"( AS "pk")? FROM')
NAMES = ["van Dijk", "Okafor", "okafor", "Álvarez", "Zhang", "Doe"]


@pytest.fixture
def leads():
    """60 leads whose dates, names and states repeat, so that ties must be broken the same way:
    three pages of 25."""
    now = timezone.now()
    for n in range(60):
        created_at = now - dt.timedelta(days=n % 7)
        reached = n % 3 == 0
        LeadFactory(
            last_name=NAMES[n % len(NAMES)],
            created_at=created_at,
            state=Lead.State.REACHED_OUT if reached else Lead.State.PENDING,
            reached_out_at=created_at + dt.timedelta(hours=n % 5) if reached else None,
        )


def expected_ids(query, bottom, top):
    """The page as one query with an OFFSET reads it."""
    leads = LeadFilter(query, queryset=Lead.objects.all()).qs
    return list(leads.values_list("pk", flat=True)[bottom:top])


ORDERINGS = ["-created_at", "created_at", "reached_out_at", "-reached_out_at", "last_name"]


@pytest.mark.parametrize("ordering", ORDERINGS + ["-email", "state"])
@pytest.mark.parametrize("page, bottom, top", [(2, 25, 50), (3, 50, 60)])
def test_a_deep_page_of_the_list_page(attorney_client, leads, ordering, page, bottom, top):
    response = attorney_client.get(LIST, {"ordering": ordering, "page": page})
    assert response.status_code == 200
    shown = [lead.pk for lead in response.context["page"].object_list]
    assert shown == expected_ids({"ordering": ordering}, bottom, top)


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_a_deep_page_of_one_state_through_the_api(client, token, leads, ordering):
    query = {"state": "PENDING", "ordering": ordering}
    response = client.get("/get", {**query, "page": 2}, headers={"Authorization": f"Token {token}"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 40
    assert [lead["LEAD_ID"] for lead in body["results"]] == expected_ids(query, 25, 40)


def test_a_deep_page_of_a_search(attorney_client, leads):
    LeadFactory(last_name="Other", email="someone@example.org")
    response = attorney_client.get(LIST, {"search": "prospect", "page": 2})
    shown = [lead.pk for lead in response.context["page"].object_list]
    assert shown == expected_ids({"search": "prospect"}, 25, 50)
    assert all(Lead.objects.get(pk=pk).email.startswith("prospect") for pk in shown)


def test_a_deep_page_skips_the_earlier_leads_by_their_ids_alone(attorney_client, leads):
    with CaptureQueriesContext(connection) as queries:
        attorney_client.get(LIST, {"page": 2})
    skipping = [q["sql"] for q in queries if "OFFSET" in q["sql"] and "leads_lead" in q["sql"]]
    assert skipping
    # Only the id is read past the earlier leads: an index holds it with the date.
    assert all(IDS_ONLY.match(sql) for sql in skipping), skipping


@pytest.mark.parametrize("page", [1, 2])
def test_a_page_reads_its_ids_from_an_index_first(attorney_client, leads, page):
    query = {"state": "PENDING", "ordering": "reached_out_at"}
    with CaptureQueriesContext(connection) as queries:
        response = attorney_client.get(LIST, {**query, "page": page})
    bottom = (page - 1) * 25
    shown = [lead.pk for lead in response.context["page"].object_list]
    assert shown == expected_ids(query, bottom, bottom + 25)
    paging = [q["sql"] for q in queries if "LIMIT" in q["sql"] and '"leads_lead"' in q["sql"]]
    # The only query that picks and sorts the page reads the id alone: an index holds it with
    # the state and the sort's column (PostgreSQL picked a slower plan for whole leads).
    assert len(paging) == 1 and IDS_ONLY.match(paging[0]), paging
    # Then the page's leads by their ids alone: with the filters and the order again, SQLite
    # read every pending lead through the sort's index to find them.
    rows = [q["sql"] for q in queries if '"leads_lead"."first_name"' in q["sql"]]
    assert len(rows) == 1 and "ORDER BY" not in rows[0] and '"state" =' not in rows[0], rows
