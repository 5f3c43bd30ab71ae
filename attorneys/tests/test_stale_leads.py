import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

LIST = reverse("attorneys:lead_list")
BADGE = '<span class="badge attention">Needs attention</span>'


def days_ago(days, minutes=0):
    return timezone.now() - datetime.timedelta(days=days, minutes=minutes)


@pytest.fixture
def leads():
    return {
        "fresh": LeadFactory(last_name="Fresh", created_at=days_ago(7, minutes=-1)),
        "stale": LeadFactory(last_name="Stale", created_at=days_ago(7, minutes=1)),
        "handled": LeadFactory(
            last_name="Handled",
            created_at=days_ago(30),
            state=Lead.State.REACHED_OUT,
            reached_out_at=days_ago(29),
        ),
    }


def row_of(page, last_name):
    start = page.index(f"{last_name}, ")
    return page[start : page.index("</tr>", start)]


def test_it_flags_pending_leads_older_than_the_limit(attorney_client, leads):
    page = attorney_client.get(LIST).content.decode()
    assert BADGE in row_of(page, "Stale")
    assert BADGE not in row_of(page, "Fresh")
    assert BADGE not in row_of(page, "Handled")
    assert set(Lead.objects.stale()) == {leads["stale"]}


def test_the_filter_lists_only_leads_that_need_attention(attorney_client, leads):
    page = attorney_client.get(LIST, {"attention": "1"}).content.decode()
    assert "Stale, " in page
    assert "Fresh, " not in page and "Handled, " not in page
    assert "1 lead" in page


def test_the_filter_combines_with_search(attorney_client, leads):
    LeadFactory(last_name="Stalwart", created_at=days_ago(10))
    page = attorney_client.get(LIST, {"attention": "1", "search": "stale"}).content.decode()
    assert "Stale, " in page and "Stalwart, " not in page


def test_the_limit_is_configurable(attorney_client, leads, settings):
    settings.STALE_LEAD_DAYS = 8
    page = attorney_client.get(LIST).content.decode()
    assert BADGE not in row_of(page, "Stale")
    settings.STALE_LEAD_DAYS = 1
    page = attorney_client.get(LIST).content.decode()
    assert BADGE in row_of(page, "Fresh")


def test_the_detail_page_flags_a_stale_lead(attorney_client, leads):
    stale = attorney_client.get(leads["stale"].get_absolute_url()).content.decode()
    fresh = attorney_client.get(leads["fresh"].get_absolute_url()).content.decode()
    assert 'id="lead-attention"' in stale and "Pending for more than 7 days" in stale
    assert 'id="lead-attention"' not in fresh


def test_reaching_out_clears_the_flag(attorney_client, leads):
    lead = leads["stale"]
    attorney_client.post(
        reverse("attorneys:lead_set_state", args=[lead.pk]), {"state": "REACHED_OUT"}
    )
    page = attorney_client.get(lead.get_absolute_url()).content.decode()
    assert 'id="lead-attention"' not in page


def test_the_needs_attention_tab_counts_the_searched_leads_only(attorney_client, leads):
    LeadFactory(last_name="Stale", first_name="Other", created_at=days_ago(9))
    counts, stale = Lead.objects.counts_by_state_and_stale()
    assert counts == Lead.objects.counts_by_state() == {"PENDING": 3, "REACHED_OUT": 1}
    assert stale == Lead.objects.stale().count() == 2

    response = attorney_client.get(LIST, {"search": "stale"})
    tabs = {label: count for label, _, count, _ in response.context["tabs"]}
    assert tabs["Needs attention"] == 2
    response = attorney_client.get(LIST, {"search": "fresh"})
    assert {label: count for label, _, count, _ in response.context["tabs"]}["Needs attention"] == 0
