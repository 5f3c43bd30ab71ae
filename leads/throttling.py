"""The anonymous intake rate limits, shared by the public form and POST /create: accepted
submissions per client (INTAKE_RATE_LIMIT), and every POST, accepted or not (INTAKE_FLOOD_LIMIT).
And what the public form may hold of refused submissions' CVs (may_hold_cv()).
"""

import time

from django.conf import settings
from django.core.cache import cache
from django_ratelimit.core import get_usage

from lib.client_ip import client_ip

INTAKE_GROUP = "intake"
FLOOD_GROUP = "intake-flood"
HELD_CV_GROUP = "held-cv"
HELD_BYTES_KEY = "held-cv-bytes:{hour}"


def intake_rate(group, request):
    return settings.INTAKE_RATE_LIMIT or None


def flood_rate(group, request):
    return settings.INTAKE_FLOOD_LIMIT or None


def held_cv_rate(group, request):
    return settings.HELD_CV_LIMIT or None


def intake_wait(request):
    """Seconds before this client may send another submission (0: now). Only accepted
    submissions count (count_accepted()): a prospect who made a mistake can correct it."""
    usage = get_usage(request, group=INTAKE_GROUP, key=client_ip, rate=intake_rate)
    if usage is None or usage["count"] < usage["limit"]:
        return 0
    return max(usage["time_left"], 1)


def count_accepted(request):
    """Count an accepted submission of this client toward INTAKE_RATE_LIMIT."""
    get_usage(request, group=INTAKE_GROUP, key=client_ip, rate=intake_rate, increment=True)


def flood_wait(request):
    """Count one intake POST of this client (any POST, valid or not) toward INTAKE_FLOOD_LIMIT;
    the seconds before it may post again once it is over (0 if not)."""
    usage = get_usage(
        request, group=FLOOD_GROUP, key=client_ip, rate=flood_rate, method="POST", increment=True
    )
    if usage is None or not usage["should_limit"]:
        return 0
    return max(usage["time_left"], 1)


def may_hold_cv(request, size):
    """Whether the public form may hold a CV of `size` bytes for this client's next try
    (leads/cvs/held.py), counting it if so: at most HELD_CV_LIMIT files per client, and
    HELD_CV_MAX_MB in all. A held file lives an hour, so the total is bounded by the bytes
    held in this clock hour and the one before (a released file still counts: the bound errs
    on the side of the disk)."""
    usage = get_usage(
        request, group=HELD_CV_GROUP, key=client_ip, rate=held_cv_rate, increment=False
    )
    if usage is not None and usage["count"] >= usage["limit"]:
        return False
    hour = int(time.time() // 3600)
    this_hour, last_hour = HELD_BYTES_KEY.format(hour=hour), HELD_BYTES_KEY.format(hour=hour - 1)
    held = sum(cache.get_many([this_hour, last_hour]).values())
    if held + size > settings.HELD_CV_MAX_MB * 1024 * 1024:
        return False
    get_usage(request, group=HELD_CV_GROUP, key=client_ip, rate=held_cv_rate, increment=True)
    cache.add(this_hour, 0, timeout=3 * 3600)
    cache.incr(this_hour, size)
    return True
