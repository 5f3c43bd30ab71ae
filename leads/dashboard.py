"""The attorneys' home page: leads per state, the ones waiting too long, how fast prospects hear
back, and how many leads arrive each week.

The numbers take five queries when the caches are warm, whatever the number of leads, and the
weekly chart is drawn here as SVG, so the page needs no JavaScript."""

import datetime
import itertools
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from .models import Lead

CHART_WEEKS = 12
DASHBOARD_CACHE_KEY = "leads:dashboard-numbers"
DASHBOARD_CACHE_SECONDS = 60
MEDIAN_CACHE_KEY = "leads:median-time-to-reach-out"
# A safety net only: the cached median is recomputed as soon as the reached-out leads change.
MEDIAN_CACHE_SECONDS = 60 * 60

# Geometry of the weekly chart, in SVG user units (the chart scales to its box).
CHART_SLOT = 60  # horizontal room per week
CHART_BAR_WIDTH = 36
CHART_PADDING = 8
CHART_TOP = 28  # room for the count above the tallest bar
CHART_PLOT_HEIGHT = 160
CHART_BOTTOM = 32  # room for the week's date below the baseline


def dashboard_stats(now=None):
    """The dashboard template's context. `now` fixes which weeks the chart shows (tests pass
    it); the stale count is always as of now, as Lead.objects.stale() defines it."""
    now = now or timezone.now()
    counts = Lead.objects.cached_counts_by_state()
    lead_list = reverse("leads:lead_list")
    numbers = cached_numbers(now)
    median, weeks = numbers["median"], numbers["weeks"]
    return {
        "states": [
            {
                "value": value,
                "label": label,
                "count": counts[value],
                "url": f"{lead_list}?{urlencode({'state': value})}",
            }
            for value, label in Lead.State.choices
        ],
        "total": sum(counts.values()),
        "lead_list_url": lead_list,
        "stale_count": numbers["stale_count"],
        "stale_days": settings.STALE_LEAD_DAYS,
        "attention_url": f"{lead_list}?{urlencode({'attention': 1})}",
        "median_time_to_reach_out": median["duration"],
        "median_time_to_reach_out_text": humanize_duration(median["duration"]),
        "reached_out_measured": median["count"],
        "weeks": weeks,
        "weeks_total": sum(week["count"] for week in weeks),
        "weekly_chart": weekly_chart_svg(weeks),
    }


def cached_numbers(now):
    """The numbers that take queries: leads needing attention, the median time to reach out and
    the new leads per week. Cached until a lead is saved or deleted (leads/signals.py), and for
    DASHBOARD_CACHE_SECONDS at most, since leads also start needing attention as time passes."""
    first_week = week_starts(now)[0]
    numbers = cache.get(DASHBOARD_CACHE_KEY)
    if numbers is None or numbers["first_week"] != first_week:
        numbers = {
            "first_week": first_week,
            "stale_count": Lead.objects.stale().count(),
            "median": median_time_to_reach_out(),
            "weeks": new_leads_per_week(now),
        }
        cache.set(DASHBOARD_CACHE_KEY, numbers, DASHBOARD_CACHE_SECONDS)
    return numbers


def median_time_to_reach_out():
    """{"duration": the median time from submission to reaching out, "count": over how many
    leads} for REACHED_OUT leads with a reached_out_at; the duration is None without any.

    The median is the middle one or two durations, sorted by the database: SQLite and
    PostgreSQL both subtract datetimes into a duration, and no median function is needed. That
    sort reads every reached-out lead (a quarter of a second for 60,000 on SQLite), so its result
    is cached under the count and the latest reached_out_at, which every reach-out, return to
    pending or deletion changes (reached_out_at is never edited by hand)."""
    reached_out = Lead.objects.filter(state=Lead.State.REACHED_OUT, reached_out_at__isnull=False)
    fingerprint = reached_out.aggregate(count=Count("id"), latest=Max("reached_out_at"))
    count = fingerprint["count"]
    if not count:
        return {"duration": None, "count": 0}
    cached = cache.get(MEDIAN_CACHE_KEY)
    if cached is not None and cached["fingerprint"] == fingerprint:
        return {"duration": cached["duration"], "count": count}
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
    duration = sum(durations, datetime.timedelta()) / len(durations)
    cache.set(
        MEDIAN_CACHE_KEY,
        {"fingerprint": fingerprint, "duration": duration},
        MEDIAN_CACHE_SECONDS,
    )
    return {"duration": duration, "count": count}


def humanize_duration(duration):
    """ "2 days 4 hours", "3 hours 5 minutes", "35 minutes": the two largest units, rounded
    down; "" for None."""
    if duration is None:
        return ""
    # Negative only if an imported lead was reached out before it was submitted.
    minutes = max(int(duration.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [(days, "day"), (hours, "hour")] if days else [(hours, "hour"), (minutes, "minute")]
    text = " ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n)
    return text or "less than a minute"


def week_starts(now):
    """The Mondays (dates, in settings.TIME_ZONE) of the CHART_WEEKS weeks up to and including
    the week of `now`, oldest first."""
    today = timezone.localtime(now, timezone.get_default_timezone()).date()
    this_monday = today - datetime.timedelta(days=today.weekday())
    return [this_monday - datetime.timedelta(weeks=ago) for ago in range(CHART_WEEKS - 1, -1, -1)]


def new_leads_per_week(now):
    """[{"start": Monday, "count": leads submitted that week}] for the last CHART_WEEKS weeks,
    weeks without leads included, from one query over the created_at index.

    Each week is a count over a range of created_at, with boundaries computed here (midnight on
    Monday in settings.TIME_ZONE, daylight saving time included): comparisons the database makes
    natively, where truncating every date to its week runs a Python function per row on SQLite."""
    zone = timezone.get_default_timezone()
    mondays = week_starts(now)
    bounds = [
        timezone.make_aware(datetime.datetime.combine(monday, datetime.time()), zone)
        for monday in [*mondays, mondays[-1] + datetime.timedelta(weeks=1)]
    ]
    counts = Lead.objects.filter(created_at__gte=bounds[0]).aggregate(
        **{
            f"week_{index}": Count("id", filter=Q(created_at__gte=start, created_at__lt=end))
            for index, (start, end) in enumerate(itertools.pairwise(bounds))
        }
    )
    return [
        {"start": monday, "count": counts[f"week_{index}"]} for index, monday in enumerate(mondays)
    ]


def weekly_chart_svg(weeks):
    """A bar chart of `weeks` (see new_leads_per_week()) as inline SVG markup: each bar with its
    count above it and its week's date below, a title and a description for screen readers.

    The geometry is computed here; templates/leads/includes/weekly_chart.svg.html writes the
    markup, escaping every text."""
    highest = max((week["count"] for week in weeks), default=0)
    baseline = CHART_TOP + CHART_PLOT_HEIGHT
    bars = []
    for index, week in enumerate(weeks):
        height = week["count"] / highest * CHART_PLOT_HEIGHT if highest else 0
        if week["count"]:
            height = max(height, 1)  # a bar for 1 among hundreds stays visible
        center = CHART_PADDING + index * CHART_SLOT + CHART_SLOT / 2
        bars.append(
            {
                "start": week["start"],
                "count": week["count"],
                "x": round(center - CHART_BAR_WIDTH / 2, 1),
                "y": round(baseline - height, 1),
                "height": round(height, 1),
                "center": round(center, 1),
                "count_y": round(baseline - height - 8, 1),
            }
        )
    width = 2 * CHART_PADDING + len(weeks) * CHART_SLOT
    return render_to_string(
        "leads/includes/weekly_chart.svg.html",
        {
            "bars": bars,
            "width": width,
            "height": baseline + CHART_BOTTOM,
            "bar_width": CHART_BAR_WIDTH,
            "baseline": baseline,
            "axis_start": CHART_PADDING,
            "axis_end": width - CHART_PADDING,
            "date_y": baseline + 20,
            "description": _chart_description(weeks),
        },
    )


def _chart_description(weeks):
    if not weeks:
        return "No weeks to show."
    first = date_format(weeks[0]["start"], "M j, Y")
    last = date_format(weeks[-1]["start"], "M j, Y")
    total = sum(week["count"] for week in weeks)
    span = f"{len(weeks)} weeks starting on Monday, from the week of {first} to the week of {last}"
    if not total:
        return f"Bar chart of new leads per week over {span}: no new leads."
    busiest = max(weeks, key=lambda week: week["count"])
    lowest = min(week["count"] for week in weeks)
    return (
        f"Bar chart of new leads per week over {span}: {total} in all, between {lowest} and "
        f"{busiest['count']} a week, the most in the week of "
        f"{date_format(busiest['start'], 'M j')}. The table below lists every week."
    )
