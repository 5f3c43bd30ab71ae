"""The anonymous intake rate limits, shared by the public form and POST /create: accepted
submissions per client (INTAKE_RATE_LIMIT), and every POST, accepted or not (INTAKE_FLOOD_LIMIT).
"""

import ipaddress
import math

from django.conf import settings
from django_ratelimit.core import get_usage

INTAKE_GROUP = "intake"
FLOOD_GROUP = "intake-flood"


def client_ip(group, request):
    """The client's IP: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front, the address
    the outermost trusted proxy saw. Entries a client adds to X-Forwarded-For itself sit to the
    left of what the proxies append, so they are never read."""
    proxies = settings.TRUSTED_PROXY_COUNT
    ip = request.META.get("REMOTE_ADDR", "")
    if proxies:
        forwarded = [ip.strip() for ip in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [ip for ip in forwarded if ip]
        if len(forwarded) >= proxies:
            ip = forwarded[-proxies]
    return ipv6_network(ip)


def ipv6_network(ip):
    """An IPv6 client usually holds a whole /64: count the network, not each address in it. An
    IPv4 client of a server listening on IPv6 and IPv4 together arrives as ::ffff:a.b.c.d: it is
    that IPv4 address, not the network ::/64 that every IPv4 client would share."""
    if ":" not in ip:
        return ip
    try:
        address = ipaddress.IPv6Address(ip)
    except ValueError:
        return ip
    if address.ipv4_mapped:
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address) + "/64"


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


def axes_client_ip(request):
    """The client IP for django-axes' sign-in throttling: the same rule as the intake limit."""
    return client_ip(None, request)


def describe_wait(seconds):
    """A wait in words, rounded up: "40 seconds", "1 minute", "3 minutes", "2 hours"."""
    if seconds < 60:
        count, unit = seconds, "second"
    elif seconds <= 3600:
        count, unit = math.ceil(seconds / 60), "minute"
    else:
        count, unit = math.ceil(seconds / 3600), "hour"
    return f"{count} {unit}{'' if count == 1 else 's'}"
