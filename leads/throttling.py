"""The anonymous intake rate limits, shared by the public form and POST /create: accepted
submissions per client (INTAKE_RATE_LIMIT), and every POST, accepted or not (INTAKE_FLOOD_LIMIT).
"""

from django.conf import settings
from django_ratelimit.core import get_usage

from lib.client_ip import client_ip

INTAKE_GROUP = "intake"
FLOOD_GROUP = "intake-flood"


def intake_rate(group, request):
    return settings.INTAKE_RATE_LIMIT or None


def flood_rate(group, request):
    return settings.INTAKE_FLOOD_LIMIT or None


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
