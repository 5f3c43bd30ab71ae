"""The app on one IPv6 socket that takes IPv4 clients too (as `gunicorn -b [::]:PORT` listens): an
IPv4 client arrives as ::ffff:a.b.c.d, and is still limited and locked out on its own, not with
every other IPv4 client (lib.client_ip.ipv6_network).

These run Django's live server on such a socket and connect from several loopback addresses. A
machine without IPv6 fails them: they are not skipped."""

import http.client
import http.cookiejar
import re
import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.cache import cache
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from django.urls import reverse

from leads.models import Lead
from leads.tests.factories import PASSWORD, lead_api_data

from .live import NoRedirect, request

pytestmark = pytest.mark.django_db(transaction=True)


class DualStackServer(ThreadedWSGIServer):
    """Django's threaded live server on [::], with IPV6_V6ONLY off whatever the system's default
    (net.ipv6.bindv6only), so that IPv4 clients connect to it too. It notes each client's
    address, as the app sees it in REMOTE_ADDR."""

    address_family = socket.AF_INET6

    def __init__(self, *args, **kwargs):
        self.clients = []
        super().__init__(*args, **kwargs)

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def verify_request(self, request, client_address):
        self.clients.append(client_address[0])
        return True


class DualStackLiveServerThread(LiveServerThread):
    server_class = DualStackServer


@pytest.fixture
def dual_stack_server(transactional_db, settings):
    """The app listening on [::]:PORT. The test database is a file (see settings), so the server's
    threads share it without the connections pytest-django hands over for in-memory SQLite."""
    assert socket.has_ipv6, "this Python has no IPv6 support"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "[::1]"]
    thread = DualStackLiveServerThread("::", StaticFilesHandler)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error  # e.g. no IPv6 on this machine: a failure, not a skip
    assert thread.httpd.socket.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) == 0
    cache.clear()  # the intake counters (the cache table outlives each test's data)
    yield thread
    cache.clear()
    thread.terminate()


class SourceAddressHandler(urllib.request.HTTPHandler):
    """Connects from the given local address, so that one machine plays several clients."""

    def __init__(self, source):
        super().__init__()
        self.source = source

    def http_open(self, req):
        return self.do_open(http.client.HTTPConnection, req, source_address=(self.source, 0))


def client_from(source):
    """A client on one loopback address, with its own cookies, that does not follow redirects."""
    cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    return urllib.request.build_opener(SourceAddressHandler(source), cookies, NoRedirect())


def submit(server, source, email):
    """An anonymous POST /create from `source` to the server's IPv4 (or IPv6) loopback."""
    host = "[::1]" if ":" in source else "127.0.0.1"
    url = f"http://{host}:{server.port}/create"
    status, _ = request(url, "POST", lead_api_data(email=email), opener=client_from(source))
    return status


def sign_in(server, source, username, password):
    """Load the sign-in page (CSRF cookie and token), then send the form, from `source`."""
    url = f"http://127.0.0.1:{server.port}{reverse('login')}"
    opener = client_from(source)
    _, page = request(url, opener=opener)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    form = {"csrfmiddlewaretoken": csrf, "username": username, "password": password}
    req = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Referer": url},
        method="POST",
    )
    try:
        with opener.open(req, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_an_ipv4_client_over_its_limit_does_not_limit_the_others(dual_stack_server, settings):
    # Per hour, not per minute: a minute's window could turn over in the middle of the test.
    settings.INTAKE_RATE_LIMIT = "2/h"
    statuses = [submit(dual_stack_server, "127.0.0.6", f"six-{n}@example.com") for n in range(3)]
    assert statuses == [202, 202, 429]

    assert submit(dual_stack_server, "127.0.0.7", "seven@example.com") == 202
    assert submit(dual_stack_server, "::1", "ipv6@example.com") == 202
    assert Lead.objects.count() == 4
    # The IPv4 clients came in on the IPv6 socket, as IPv4-mapped addresses.
    assert {"::ffff:127.0.0.6", "::ffff:127.0.0.7", "::1"} <= set(dual_stack_server.httpd.clients)


def test_a_locked_out_ipv4_client_does_not_lock_out_the_others(
    dual_stack_server, attorney, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(dual_stack_server, "127.0.0.11", attorney.username, "wrong") == 200
    assert sign_in(dual_stack_server, "127.0.0.11", attorney.username, "wrong") == 429
    # Locked out there, even with the right password.
    assert sign_in(dual_stack_server, "127.0.0.11", attorney.username, PASSWORD) == 429

    assert sign_in(dual_stack_server, "127.0.0.12", attorney.username, PASSWORD) == 302
    assert {"::ffff:127.0.0.11", "::ffff:127.0.0.12"} <= set(dual_stack_server.httpd.clients)
