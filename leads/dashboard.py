"""The dashboard's numbers (attorneys/dashboard.py draws the page): leads per state, the ones
waiting too long, how fast prospects hear back, and how many leads arrive each week.

However many leads there are, they count only the recent ones: the counts per state are
kept in the database by every change (leads/counts.py), past weeks are counted once,
and the median time to reach out is measured again only when the reached-out leads change (by
the worker, past MEDIAN_IN_REQUEST_LIMIT of them)."""

import datetime

from django.core.cache import cache
from django.db import transaction
from django.db.models import DurationField, ExpressionWrapper, F
from django.utils import timezone
from django_tasks import task

from . import counts
from .models import Lead, stale_cutoff

CHART_WEEKS = 12
WEEK_CACHE_KEY = "leads:new-leads-in-week"
# A past week is counted once an hour, and changes adjust it meanwhile; counted again that often
# so that a miscount (a change committed while it was counted) heals.
WEEK_CACHE_SECONDS = 60 * 60
MEDIAN_CACHE_KEY = "leads:median-time-to-reach-out"
MEDIAN_REFRESH_QUEUED_KEY = "leads:median-time-to-reach-out-queued"
# Below this many reached-out leads, sorting their durations takes some 20 ms on SQLite and the
# next request that shows the median does it; from there, the worker does (2 s for 300,000).
MEDIAN_IN_REQUEST_LIMIT = 5000
# If the worker never ran a queued refresh (stopped, its queue lost), the next change queues one.
MEDIAN_REFRESH_QUEUED_SECONDS = 15 * 60


def stale_count(by_state):
    """How many leads need attention (Lead.objects.stale()): the pending ones, from `counts`
    (kept_counts_by_state()), less those submitted in the last STALE_LEAD_DAYS days, which the
    (state, created_at) index counts without reading the older ones."""
    recent = Lead.objects.filter(state=Lead.State.PENDING, created_at__gte=stale_cutoff())
    return max(by_state[Lead.State.PENDING] - recent.count(), 0)


def median_time_to_reach_out():
    """{"duration": the median time from submission to reaching out, "count": over how many
    leads} for REACHED_OUT leads with a reached_out_at; the duration is None without any.

    Kept in the cache without expiry and measured again once the reached-out leads change
    (reached_out_leads_changed()). If the cache has lost it (flushed, or a new cache server), it
    is measured here while that is quick, else by the worker: until then the duration and the
    count are None and the page says the median is being measured."""
    measured = cache.get(MEDIAN_CACHE_KEY)
    if measured is None:
        by_state = counts.kept_counts_by_state()
        if by_state[Lead.State.REACHED_OUT] >= MEDIAN_IN_REQUEST_LIMIT:
            _queue_median_refresh()
            return {"duration": None, "count": None}
        measured = measure_median_time_to_reach_out()
        cache.add(MEDIAN_CACHE_KEY, measured, timeout=None)
    return measured


def measure_median_time_to_reach_out():
    """The median is the middle one or two durations, sorted by the database: SQLite and
    PostgreSQL both subtract datetimes into a duration, and no median function is needed. That
    sort reads every reached-out lead (a quarter of a second for 60,000 on SQLite)."""
    reached_out = Lead.objects.filter(state=Lead.State.REACHED_OUT, reached_out_at__isnull=False)
    count = reached_out.count()
    if not count:
        return {"duration": None, "count": 0}
    middle = (
        reached_out.annotate(
            duration=ExpressionWrapper(
                F("reached_out_at") - F("created_at"), output_field=DurationField()
            )
        )
        .order_by("duration")
        .values_list("duration", flat=True)[(count - 1) // 2 : count // 2 + 1]
    )
    durations = list(middle)
    return {"duration": sum(durations, datetime.timedelta()) / len(durations), "count": count}


def reached_out_leads_changed():
    """Called once a change to the reached-out leads (or their dates) is committed: the median
    is measured again, by the next request that shows it while that is quick, else by the
    worker (one refresh queued at a time); until it has, the page shows the previous one."""
    measured = cache.get(MEDIAN_CACHE_KEY)
    if measured is None:
        return
    if measured["count"] < MEDIAN_IN_REQUEST_LIMIT:
        cache.delete(MEDIAN_CACHE_KEY)
    else:
        _queue_median_refresh()


def _queue_median_refresh():
    if cache.add(MEDIAN_REFRESH_QUEUED_KEY, True, timeout=MEDIAN_REFRESH_QUEUED_SECONDS):
        refresh_median_time_to_reach_out.enqueue()


@task()
def refresh_median_time_to_reach_out():
    # A change from now on queues another refresh: this one may not see it.
    cache.delete(MEDIAN_REFRESH_QUEUED_KEY)
    cache.set(MEDIAN_CACHE_KEY, measure_median_time_to_reach_out(), timeout=None)


def adjust(before, after):
    """Adjust the numbers kept here to one lead going from `before` to `after` (as
    counts.counted() gives them, or None), once the change is committed: until then, other
    requests see the leads they are of. (The receivers in leads/signals.py call it.)"""
    if before != after:
        _on_commit(lambda: _adjust_numbers(before, after))


def forget():
    """Drop the numbers kept here, to be counted again when next read (seed_leads's bulk
    insert sends no signals)."""
    keys = cache_keys()
    _on_commit(lambda: cache.delete_many(keys))


def _adjust_numbers(before, after):
    """Atomic increments, so that concurrent changes on several hosts all count. A number the
    cache has lost is counted again when next read."""
    if before is None or after is None or before[1] != after[1]:
        for counted_lead, delta in ((before, -1), (after, 1)):
            if counted_lead is not None and (key := past_week_key(counted_lead[1])):
                _add(key, delta)
    if _time_to_reach_out(before) != _time_to_reach_out(after):
        reached_out_leads_changed()


def _time_to_reach_out(counted_lead):
    """What the median time to reach out reads of a lead (counts.counted()): its dates if it
    was reached out, as measure_median_time_to_reach_out() selects them."""
    if counted_lead is None:
        return None
    state, created_at, reached_out_at = counted_lead
    if state != Lead.State.REACHED_OUT or reached_out_at is None:
        return None
    return created_at, reached_out_at


def _add(key, delta):
    try:
        cache.incr(key, delta)
    except ValueError:
        pass  # not cached: counted afresh when next read
    except Exception:
        # The cache failed: drop the number rather than leave it wrong (if that fails too, its
        # expiry heals it), then let the commit hook log the error.
        cache.delete(key)
        raise


def _on_commit(callback):
    # robust: the change is committed; a cache that fails now must not turn it into an error.
    # (Django logs the failure by the callback's __qualname__, which a functools.partial lacks.)
    transaction.on_commit(callback, robust=True)


def week_starts(now):
    """The Mondays (dates, in settings.TIME_ZONE) of the CHART_WEEKS weeks up to and including
    the week of `now`, oldest first."""
    this_monday = _monday(now)
    return [this_monday - datetime.timedelta(weeks=ago) for ago in range(CHART_WEEKS - 1, -1, -1)]


def new_leads_per_week(now):
    """[{"start": Monday, "count": leads submitted that week}] for the last CHART_WEEKS weeks,
    weeks without leads included.

    A week that is over is counted once and kept in the cache (each new or deleted lead of that
    week adjusts it: see past_week_key()); the current week is counted by each request, over the
    created_at index, as are the weeks the cache has lost, one COUNT each (at a million leads
    on SQLite, twelve of them took 13 ms, and one COUNT with a FILTER per week 150 ms).

    Each week is a count over a range of created_at, with boundaries computed here (midnight on
    Monday in settings.TIME_ZONE, daylight saving time included): comparisons the database makes
    natively, where truncating every date to its week runs a Python function per row on SQLite."""
    mondays = week_starts(now)
    bounds = [_midnight(monday) for monday in [*mondays, mondays[-1] + datetime.timedelta(weeks=1)]]
    this_monday = _monday(timezone.now())
    keys = {monday: _week_key(monday) for monday in mondays if monday < this_monday}
    counts = cache.get_many(keys.values())
    uncounted = [index for index, monday in enumerate(mondays) if keys.get(monday) not in counts]
    past_weeks = {}
    for index in uncounted:
        key = keys.get(mondays[index], f"week_{index}")
        week = Lead.objects.filter(created_at__gte=bounds[index], created_at__lt=bounds[index + 1])
        counts[key] = week.count()
        if mondays[index] in keys:
            past_weeks[key] = counts[key]
    _keep_past_weeks(past_weeks)
    return [
        {"start": monday, "count": counts[keys.get(monday, f"week_{index}")]}
        for index, monday in enumerate(mondays)
    ]


def _keep_past_weeks(counted):
    """Keep the {key: count} of past weeks just counted, in one transaction for the database
    cache rather than a commit per week (on PostgreSQL, half of the page's time right after a
    cache flush)."""
    if not counted:
        return  # no write transaction (SQLite would take its write lock for nothing)
    with transaction.atomic():
        for key, count in counted.items():
            # add(), not set(): a count that a change adjusted meanwhile is the newer one.
            cache.add(key, count, WEEK_CACHE_SECONDS)


def past_week_key(created_at):
    """The cache key of the count of the week of `created_at` if that week is over, else None
    (the current week is counted by each request)."""
    monday = _monday(created_at)
    return _week_key(monday) if monday < _monday(timezone.now()) else None


def cache_keys():
    """The keys of the numbers kept here (the weeks of the chart as of now, the median)."""
    return [MEDIAN_CACHE_KEY, *map(_week_key, week_starts(timezone.now()))]


def _week_key(monday):
    return f"{WEEK_CACHE_KEY}:{monday.isoformat()}"


def _monday(moment):
    today = timezone.localtime(moment, timezone.get_default_timezone()).date()
    return today - datetime.timedelta(days=today.weekday())


def _midnight(day):
    zone = timezone.get_default_timezone()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()), zone)
