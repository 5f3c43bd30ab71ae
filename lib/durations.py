"""Durations in words, the one way the product writes them (the dashboard's median time to reach
out, how long to wait after too many submissions, "3 days ago" on the attorneys' pages): Django's
timesince(), with its units from years down to minutes and its translations, for a length of
time rather than a date."""

import datetime
import math

from django.utils import timezone
from django.utils.timesince import timesince


def duration_text(duration, *, depth=2, round_up=False):
    """`duration` (a timedelta, or a number of seconds) in words, by its `depth` largest units:
    "2 days, 4 hours", "35 minutes", "less than a minute" under one. Rounded down (how long
    something took), or with `round_up` up to the whole minute (how long to wait: never less
    than the wait). Django writes a non-breaking space between a number and its unit."""
    if isinstance(duration, datetime.timedelta):
        duration = duration.total_seconds()
    # Negative only for an imported lead that was reached out before it was submitted.
    seconds = max(duration, 0)
    if round_up:
        seconds = math.ceil(seconds / 60) * 60
    if seconds < 60:
        return "less than a minute"
    now = timezone.now()
    return timesince(now - datetime.timedelta(seconds=seconds), now, depth=depth)
