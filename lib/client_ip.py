"""The client's IP address, by one rule for every limit: the intake limits (leads/throttling.py)
and django-axes' sign-in throttling (AXES_CLIENT_IP_CALLABLE)."""

import ipaddress

from django.conf import settings


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


def axes_client_ip(request):
    """The client IP for django-axes' sign-in throttling: the same rule as the intake limits."""
    return client_ip(None, request)
