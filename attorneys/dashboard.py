"""The attorneys' home page: leads per state, the ones waiting too long, how fast prospects hear
back, and how many leads arrive each week (the numbers are leads/dashboard.py's, kept so that
the page counts only recent leads, however many there are). The weekly chart is drawn here as
SVG, so the page needs no JavaScript."""

from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from leads import dashboard
from leads.counts import kept_counts_by_state
from leads.models import Lead
from lib.durations import duration_text

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
    by_state = kept_counts_by_state()
    lead_list = reverse("attorneys:lead_list")
    median = dashboard.median_time_to_reach_out()
    weeks = dashboard.new_leads_per_week(now)
    return {
        "states": [
            {
                "value": value,
                "label": label,
                "count": by_state[value],
                "url": f"{lead_list}?{urlencode({'state': value})}",
            }
            for value, label in Lead.State.choices
        ],
        "total": sum(by_state.values()),
        "lead_list_url": lead_list,
        "stale_count": dashboard.stale_count(by_state),
        "stale_days": settings.STALE_LEAD_DAYS,
        "attention_url": f"{lead_list}?{urlencode({'attention': 1})}",
        "median_time_to_reach_out": median["duration"],
        "median_time_to_reach_out_text": (
            duration_text(median["duration"]) if median["duration"] is not None else ""
        ),
        "reached_out_measured": median["count"],
        "weeks": weeks,
        "weeks_total": sum(week["count"] for week in weeks),
        "weekly_chart": weekly_chart_svg(weeks),
    }


def weekly_chart_svg(weeks):
    """A bar chart of `weeks` (see leads.dashboard.new_leads_per_week()) as inline SVG markup:
    each bar with its count above it and its week's date below, a title and a description for
    screen readers.

    The geometry is computed here; attorneys/includes/weekly_chart.svg.html writes the markup,
    escaping every text."""
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
        "attorneys/includes/weekly_chart.svg.html",
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
