"""The number of leads in each state, kept in the database by every change (leads/counts.py):
the dashboard's cards, the list's tabs and the API's totals read it instead of counting."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from leads import counts, lifecycle
from leads.models import Activity, Lead, StateCount

from .factories import LeadFactory

pytestmark = pytest.mark.django_db


def kept():
    return counts.kept_counts_by_state()


def test_a_cache_flush_loses_no_count(attorney_client):
    LeadFactory.create_batch(2)
    LeadFactory(state=Lead.State.REACHED_OUT)
    assert kept() == {"PENDING": 2, "REACHED_OUT": 1}
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = attorney_client.get("/dashboard/")
    assert [card["count"] for card in response.context["states"]] == [2, 1]
    assert not any("GROUP BY" in query["sql"] for query in queries.captured_queries)


def test_each_change_adjusts_the_count_of_its_state(attorney):
    kept()  # the rows exist, as they do after `migrate`
    lead = LeadFactory()
    assert kept() == {"PENDING": 1, "REACHED_OUT": 0}
    lifecycle.move_lead(lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney)
    assert kept() == {"PENDING": 0, "REACHED_OUT": 1}
    lead.delete()
    assert kept() == {"PENDING": 0, "REACHED_OUT": 0}
    assert not any(row.leads for row in StateCount.objects.all())


def test_a_change_that_rolls_back_counts_nothing():
    LeadFactory()
    assert kept()["PENDING"] == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        LeadFactory.create_batch(2)
        raise RuntimeError("the request failed after saving")
    assert kept()["PENDING"] == 1


def test_lost_rows_are_counted_again():
    LeadFactory.create_batch(3)
    kept()
    StateCount.objects.filter(state=Lead.State.PENDING).delete()
    assert kept() == {"PENDING": 3, "REACHED_OUT": 0}
    assert StateCount.objects.get(state=Lead.State.PENDING).leads == 3


def test_a_bulk_insert_is_counted(tmp_path):
    kept()
    call_command("seed_leads", 40, seed=1, verbosity=0, stdout=(tmp_path / "out").open("w"))
    assert sum(kept().values()) == 40
    assert kept() == Lead.objects.counts_by_state()
