import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from attorneys.dashboard import dashboard_stats, weekly_chart_svg
from leads import dashboard, lifecycle
from leads.dashboard import (
    CHART_WEEKS,
    median_time_to_reach_out,
    new_leads_per_week,
    week_starts,
)
from leads.models import Activity, Erasure, Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("attorneys:dashboard")
LIST = reverse("attorneys:lead_list")
HOUR = dt.timedelta(hours=1)
# A Wednesday; its week starts on Monday, November 3, 2025.
WEDNESDAY = dt.datetime(2025, 11, 5, 12, 0, tzinfo=dt.UTC)
TASK = "leads.dashboard.refresh_median_time_to_reach_out"


def reached_out(after, **kwargs):
    created_at = kwargs.pop("created_at", timezone.now() - dt.timedelta(days=30))
    return LeadFactory(
        state=Lead.State.REACHED_OUT,
        created_at=created_at,
        reached_out_at=created_at + after,
        **kwargs,
    )


def test_it_requires_login(client, outsider):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))

    client.force_login(outsider)
    assert client.get(DASHBOARD).status_code == 403


def test_it_shows_the_counts_per_state(attorney_client):
    LeadFactory.create_batch(2)
    reached_out(HOUR)
    reached_out(HOUR)
    reached_out(HOUR)

    response = attorney_client.get(DASHBOARD)

    assert response.status_code == 200
    assert response.context["total"] == 5
    assert [(s["value"], s["count"]) for s in response.context["states"]] == [
        ("PENDING", 2),
        ("REACHED_OUT", 3),
    ]
    html = response.content.decode()
    assert f'href="{LIST}?state=PENDING"><span class="stat-value">2</span>' in html
    assert f'href="{LIST}?state=REACHED_OUT"><span class="stat-value">3</span>' in html
    assert '<span class="stat-value">5</span> <span class="stat-label">All leads' in html


def test_it_counts_stale_leads_from_the_cutoff(attorney_client):
    now = timezone.now()
    week = dt.timedelta(days=7)
    minute = dt.timedelta(minutes=1)
    LeadFactory(created_at=now - week + minute)  # not yet stale
    LeadFactory(created_at=now - week - minute)  # stale
    reached_out(HOUR, created_at=now - 4 * week)  # old, but handled

    response = attorney_client.get(DASHBOARD)

    assert response.context["stale_count"] == 1
    assert response.context["stale_days"] == 7
    html = response.content.decode()
    assert "Needs attention:" in html
    assert f'<a href="{LIST}?attention=1">1 pending for more than 7 days</a>' in html


def test_it_follows_the_stale_days_setting(attorney_client, settings):
    settings.STALE_LEAD_DAYS = 2
    now = timezone.now()
    LeadFactory(created_at=now - dt.timedelta(days=1))
    LeadFactory(created_at=now - dt.timedelta(days=3))
    LeadFactory(created_at=now - dt.timedelta(days=5))

    response = attorney_client.get(DASHBOARD)

    assert response.context["stale_count"] == 2
    assert "2 pending for more than 2 days" in response.content.decode()


def test_it_says_when_nothing_needs_attention(attorney_client):
    LeadFactory()
    response = attorney_client.get(DASHBOARD)
    assert response.context["stale_count"] == 0
    html = response.content.decode()
    assert "Needs attention" not in html
    assert "No lead has been pending for more than 7 days." in html


def test_median_time_to_reach_out_of_an_odd_count(attorney_client):
    for hours in (5, 1, 3):
        reached_out(hours * HOUR)
    # Not counted: a pending lead (even with a stray date) and a reached-out lead without one.
    LeadFactory(reached_out_at=timezone.now())
    LeadFactory(state=Lead.State.REACHED_OUT, reached_out_at=None)

    assert median_time_to_reach_out() == {"duration": 3 * HOUR, "count": 3}
    response = attorney_client.get(DASHBOARD)
    assert response.context["median_time_to_reach_out"] == 3 * HOUR
    assert "3\xa0hours" in response.content.decode()


def test_median_time_to_reach_out_of_an_even_count():
    for hours in (10, 1, 4, 2):
        reached_out(hours * HOUR)

    assert median_time_to_reach_out() == {"duration": 3 * HOUR, "count": 4}


def test_median_time_to_reach_out_across_days():
    reached_out(dt.timedelta(days=2, hours=4, minutes=10))
    stats = dashboard_stats()
    assert stats["median_time_to_reach_out"] == dt.timedelta(days=2, hours=4, minutes=10)
    assert stats["median_time_to_reach_out_text"] == "2\xa0days, 4\xa0hours"


def test_median_time_to_reach_out_follows_state_changes(
    attorney, django_assert_num_queries, django_capture_on_commit_callbacks
):
    reached_out(1 * HOUR)
    reached_out(3 * HOUR)
    assert median_time_to_reach_out()["duration"] == 2 * HOUR
    with django_assert_num_queries(1):  # the cached median: no count, no sort
        assert median_time_to_reach_out()["duration"] == 2 * HOUR

    lead = LeadFactory(created_at=timezone.now() - 5 * HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.move_lead(
            lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
        )
    assert median_time_to_reach_out() == {"duration": 3 * HOUR, "count": 3}

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.move_lead(lead, Lead.State.PENDING, source=Activity.Source.PAGE, actor=None)
    assert median_time_to_reach_out() == {"duration": 2 * HOUR, "count": 2}


def test_median_time_to_reach_out_without_reached_out_leads(attorney_client):
    LeadFactory()
    assert median_time_to_reach_out() == {"duration": None, "count": 0}
    response = attorney_client.get(DASHBOARD)
    assert "No lead has been reached out yet." in response.content.decode()


def test_new_leads_per_week(settings):
    settings.TIME_ZONE = "UTC"
    LeadFactory(created_at=WEDNESDAY - dt.timedelta(hours=1))
    LeadFactory(created_at=dt.datetime(2025, 11, 3, 0, 0, tzinfo=dt.UTC))  # this Monday
    LeadFactory(created_at=dt.datetime(2025, 11, 2, 23, 59, tzinfo=dt.UTC))  # last Sunday
    LeadFactory(created_at=dt.datetime(2025, 8, 18, 0, 0, tzinfo=dt.UTC))  # first week
    LeadFactory(created_at=dt.datetime(2025, 8, 17, 23, 59, tzinfo=dt.UTC))  # 13 weeks ago
    LeadFactory(created_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))

    weeks = new_leads_per_week(WEDNESDAY)

    assert len(weeks) == 12
    assert weeks[0] == {"start": dt.date(2025, 8, 18), "count": 1}
    assert weeks[-2] == {"start": dt.date(2025, 10, 27), "count": 1}
    assert weeks[-1] == {"start": dt.date(2025, 11, 3), "count": 2}
    assert all(week["count"] == 0 for week in weeks[1:-2])  # empty weeks are there, as 0
    assert [week["start"].weekday() for week in weeks] == [0] * 12
    assert dashboard_stats(now=WEDNESDAY)["weeks_total"] == 4


def test_weeks_start_on_monday_in_the_site_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    # Monday 03:00 UTC is still Sunday evening in New York (EST since November 2).
    LeadFactory(created_at=dt.datetime(2025, 11, 3, 3, 0, tzinfo=dt.UTC))
    LeadFactory(created_at=dt.datetime(2025, 11, 3, 5, 0, tzinfo=dt.UTC))
    # Monday August 18 begins at 04:00 UTC in New York (EDT): this is the week before.
    LeadFactory(created_at=dt.datetime(2025, 8, 18, 3, 0, tzinfo=dt.UTC))

    weeks = new_leads_per_week(WEDNESDAY)

    assert weeks[0] == {"start": dt.date(2025, 8, 18), "count": 0}
    assert weeks[-2] == {"start": dt.date(2025, 10, 27), "count": 1}
    assert weeks[-1] == {"start": dt.date(2025, 11, 3), "count": 1}


def test_weekly_chart_svg():
    weeks = [
        {"start": dt.date(2025, 11, 3) - dt.timedelta(weeks=ago), "count": count}
        for ago, count in zip(range(11, -1, -1), [0, 4, 0, 7, 1, 0, 0, 2, 3, 0, 9, 5], strict=True)
    ]

    svg = weekly_chart_svg(weeks)

    assert svg.startswith("<svg")
    assert 'role="img"' in svg
    assert 'aria-labelledby="weekly-chart-title weekly-chart-desc"' in svg
    assert '<title id="weekly-chart-title">New leads per week</title>' in svg
    assert "31 in all, between 0 and 9 a week, the most in the week of Oct 27" in svg
    assert svg.count("<rect") == 12
    assert '<line class="axis"' in svg
    for text in (">9</text>", ">5</text>", ">0</text>", ">Aug 18</text>", ">Nov 3</text>"):
        assert text in svg
    assert "<script" not in svg.lower()


def test_weekly_chart_svg_without_leads():
    weeks = [{"start": dt.date(2025, 11, 3), "count": 0}]
    svg = weekly_chart_svg(weeks)
    assert 'height="0"' in svg
    assert ": no new leads." in svg


def test_the_chart_and_its_table_are_in_the_page(attorney_client):
    LeadFactory.create_batch(3)
    LeadFactory(created_at=timezone.now() - dt.timedelta(weeks=2))

    response = attorney_client.get(DASHBOARD)

    html = response.content.decode()
    assert '<svg class="weekly-chart"' in html
    assert ">3</text>" in html
    assert ">1</text>" in html
    assert "<script" not in html.lower()
    assert "<summary>Show the numbers as a table</summary>" in html
    assert "<td>3</td>" in html


def _create_leads(count):
    now = timezone.now()
    for index in range(count):
        created_at = now - dt.timedelta(days=5 * index, hours=index)
        if index % 3:
            LeadFactory(created_at=created_at)
        else:
            reached_out(dt.timedelta(hours=index + 1), created_at=created_at)


def _dashboard_queries(client):
    client.get(DASHBOARD)  # fills the dashboard's cached numbers and the permission cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DASHBOARD).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_leads(
    attorney_client, django_assert_max_num_queries
):
    _create_leads(3)
    with_3 = _dashboard_queries(attorney_client)
    _create_leads(27)
    assert Lead.objects.count() == 30
    with_30 = _dashboard_queries(attorney_client)
    assert with_30 == with_3

    with django_assert_max_num_queries(5):
        dashboard_stats()
    with django_assert_max_num_queries(7):
        attorney_client.get(DASHBOARD)


def test_the_numbers_are_cached_until_a_lead_changes(
    attorney_client, attorney, django_capture_on_commit_callbacks
):
    lead = LeadFactory(created_at=timezone.now() - dt.timedelta(days=10))
    assert attorney_client.get(DASHBOARD).context["stale_count"] == 1
    with CaptureQueriesContext(connection) as queries:
        attorney_client.get(DASHBOARD)
    # The cached numbers: the only leads counted are recent ones (the current week, the pending
    # ones not yet needing attention), and the median is not measured again.
    counting = [query["sql"] for query in queries.captured_queries if "COUNT" in query["sql"]]
    assert len(counting) == 2
    assert all('"leads_lead"."created_at" >=' in sql for sql in counting)

    # Forgotten once the change commits.
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.move_lead(
            lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
        )
    response = attorney_client.get(DASHBOARD)
    assert response.context["stale_count"] == 0
    assert response.context["reached_out_measured"] == 1
    assert response.context["weeks_total"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        LeadFactory()
    assert attorney_client.get(DASHBOARD).context["weeks_total"] == 2


def _shown_counts(client):
    """{label: count} of the dashboard's cards and the list's tabs, as an attorney sees them."""
    dashboard = client.get(DASHBOARD).context
    tabs = client.get(LIST).context["tabs"]
    return {
        "dashboard": {s["value"]: s["count"] for s in dashboard["states"]}
        | {"total": dashboard["total"], "new this week": dashboard["weeks"][-1]["count"]},
        "list": {label: count for label, _, count, _ in tabs},
    }


def test_the_counts_follow_each_change_at_once(
    client, attorney_client, attorney, django_capture_on_commit_callbacks
):
    LeadFactory()
    assert _shown_counts(attorney_client)["dashboard"]["total"] == 1  # counted, then kept

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("intake:form"),
            {"first_name": "Maria", "last_name": "Gonzalez", "email": "maria@example.com"}
            | {"resume": "Software engineer, 8 years of experience."},
        )
    new = Lead.objects.get(email="maria@example.com")
    assert _shown_counts(attorney_client) == {
        "dashboard": {"PENDING": 2, "REACHED_OUT": 0, "total": 2, "new this week": 2},
        "list": {"All": 2, "Pending": 2, "Needs attention": 0, "Reached out": 0},
    }

    with django_capture_on_commit_callbacks(execute=True):
        attorney_client.post(
            reverse("attorneys:lead_set_state", args=[new.pk]), {"state": "REACHED_OUT"}
        )
    counts = _shown_counts(attorney_client)
    assert counts["dashboard"] == {
        "PENDING": 1,
        "REACHED_OUT": 1,
        "total": 2,
        "new this week": 2,
    }
    assert (counts["list"]["Pending"], counts["list"]["Reached out"]) == (1, 1)

    with django_capture_on_commit_callbacks(execute=True):
        attorney_client.post(
            reverse("attorneys:lead_set_state", args=[new.pk]), {"state": "PENDING"}
        )
    assert _shown_counts(attorney_client)["dashboard"]["PENDING"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.erase_lead(new.pk, actor=attorney, reason=Erasure.Reason.REQUEST)
    assert _shown_counts(attorney_client) == {
        "dashboard": {"PENDING": 1, "REACHED_OUT": 0, "total": 1, "new this week": 1},
        "list": {"All": 1, "Pending": 1, "Needs attention": 0, "Reached out": 0},
    }


def test_an_edit_that_keeps_the_state_changes_no_count(
    attorney_client, django_capture_on_commit_callbacks
):
    lead = LeadFactory()
    attorney_client.get(DASHBOARD)
    with django_capture_on_commit_callbacks(execute=True):
        lead.last_name = "Costa"
        lead.save()
        lead.save(update_fields=["last_name"])
    assert attorney_client.get(DASHBOARD).context["total"] == 1


def test_the_dashboard_counts_no_old_lead_after_a_new_one_arrives(
    attorney_client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    _create_leads(30)
    attorney_client.get(DASHBOARD)
    with django_capture_on_commit_callbacks(execute=True):
        LeadFactory()

    with (
        django_assert_max_num_queries(7),
        CaptureQueriesContext(connection) as queries,
    ):
        response = attorney_client.get(DASHBOARD)

    assert response.context["total"] == 31
    charted = Lead.objects.filter(created_at__gte=_week_start(CHART_WEEKS - 1))
    assert response.context["weeks_total"] == charted.count()
    # Only recent leads are counted, and the median is not measured again.
    sql = [query["sql"] for query in queries.captured_queries]
    assert all('"leads_lead"."created_at" >=' in s for s in sql if "COUNT" in s)
    assert not any("reached_out_at" in s for s in sql)


def _week_start(weeks_ago):
    return timezone.make_aware(
        dt.datetime.combine(week_starts(timezone.now())[CHART_WEEKS - 1 - weeks_ago], dt.time())
    )


def test_counts_the_cache_lost_are_counted_again(attorney_client):
    _create_leads(6)
    before = attorney_client.get(DASHBOARD).context
    cache.clear()
    after = attorney_client.get(DASHBOARD).context
    for name in ("total", "stale_count", "weeks_total", "reached_out_measured"):
        assert after[name] == before[name]


def test_a_past_week_follows_its_leads(
    attorney, attorney_client, django_capture_on_commit_callbacks
):
    two_weeks_ago = timezone.now() - dt.timedelta(weeks=2)
    kept, erased = LeadFactory.create_batch(2, created_at=two_weeks_ago)
    assert attorney_client.get(DASHBOARD).context["weeks"][-3]["count"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.erase_lead(erased.pk, actor=attorney, reason=Erasure.Reason.REQUEST)
        LeadFactory.create_batch(3, created_at=two_weeks_ago)  # imported, say

    assert attorney_client.get(DASHBOARD).context["weeks"][-3]["count"] == 4


def test_past_the_limit_the_worker_measures_the_median(
    attorney, attorney_client, monkeypatch, run_worker, django_capture_on_commit_callbacks
):
    reached_out(HOUR)
    assert attorney_client.get(DASHBOARD).context["median_time_to_reach_out"] == HOUR
    monkeypatch.setattr(dashboard, "MEDIAN_IN_REQUEST_LIMIT", 1)

    leads = LeadFactory.create_batch(2, created_at=timezone.now() - 5 * HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        for lead in leads:
            lifecycle.move_lead(lead, Lead.State.REACHED_OUT, source="PAGE", actor=attorney)

    # The request shows the previous median and its count, and measures nothing.
    shown = attorney_client.get(DASHBOARD).context
    assert (shown["median_time_to_reach_out"], shown["reached_out_measured"]) == (HOUR, 1)
    assert shown["states"][1]["count"] == 3  # the counts follow at once
    queued = DBTaskResult.objects.filter(task_path=TASK)
    assert queued.count() == 1  # one refresh for the two changes

    run_worker()

    shown = attorney_client.get(DASHBOARD).context
    assert shown["median_time_to_reach_out"] - 5 * HOUR < dt.timedelta(minutes=1)
    assert shown["reached_out_measured"] == 3
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.move_lead(leads[0], Lead.State.PENDING, source="PAGE", actor=attorney)
    assert queued.filter(status="READY").count() == 1


def test_a_lost_median_past_the_limit_is_measured_by_the_worker(
    attorney_client, monkeypatch, run_worker
):
    """A flushed cache (or a new cache server) at a million leads: the page does not sort every
    reached-out lead to answer; it says the median is being measured, and the worker does it."""
    reached_out(HOUR)
    reached_out(3 * HOUR)
    monkeypatch.setattr(dashboard, "MEDIAN_IN_REQUEST_LIMIT", 2)
    cache.clear()

    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = attorney_client.get(DASHBOARD)
        assert response.status_code == 200
        assert response.context["median_time_to_reach_out"] is None
        assert "Being measured over every lead reached out" in response.content.decode()
        assert not any("ORDER BY" in q["sql"] and "reached_out_at" in q["sql"] for q in queries)
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 1  # one refresh queued

    run_worker()

    response = attorney_client.get(DASHBOARD)
    assert response.context["median_time_to_reach_out"] == 2 * HOUR
    assert response.context["reached_out_measured"] == 2
    assert "2\xa0hours" in response.content.decode()
