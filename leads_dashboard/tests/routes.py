"""The project's routes, walked from its URL resolver, and what the URL tests share: the
site they knock on (one lead with a CV, a sample of every model the admin shows, the people who
knock: the `site` fixture, in conftest.py) and how they read an answer."""

import re
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
from django.apps import apps
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern
from rest_framework.authtoken.models import Token
from rest_framework.views import APIView

from leads.models import Activity, Lead, Note

# URLs anyone may open, and why. Static files (CSS, the Swagger UI assets from
# drf-spectacular-sidecar) are served by WhiteNoise's middleware and have no URL pattern.
PUBLIC = {
    "": "the intake form that prospects fill in",
    "thanks/": "the thank-you page shown after the intake form",
    "create": "the intake form's API twin: anyone may submit a lead (POST only)",
    "create/": "the same, with a trailing slash",
    "accounts/login/": "attorneys sign in here",
    "accounts/logout/": "signing out needs no permission",
    "admin/login/": "the admin's sign-in page",
    "admin/logout/": "the admin's sign-out",
    "api/schema/": "the OpenAPI schema: routes and field names, no lead data (checked below)",
    "api/docs/": "Swagger UI for that schema: a static page (checked below)",
    "healthz": "load balancers' probe: each component ok or not, no lead data (test_health.py)",
}

# Admin URLs any staff user may open: they show nothing about leads (checked below).
ADMIN_PAGES_FOR_ANY_STAFF = {
    "admin/": "the index lists only the models the user has permissions for",
    "admin/password_change/": "changing one's own password",
    "admin/password_change/done/": "changing one's own password",
    "admin/jsi18n/": "the admin's JavaScript translations",
    "admin/autocomplete/": "answers only the autocomplete widgets of forms the user may open",
    "admin/(?P<url>.*)$": "the admin's catch-all: a 404 behind its login",
}

# Guarded URLs that have no page of their own to open, even for an attorney.
NOTHING_TO_OPEN = {
    "admin/autocomplete/": "no admin form of this project has an autocomplete field: a 403",
    "admin/(?P<url>.*)$": "a 404 for everyone signed in to the admin",
}

# Pages that need a permission of their own, beyond being an attorney: who may open them.
OWN_PERMISSION = {
    # leads.erase_lead, granted per user (not to the group); deleting in the admin erases.
    "leads/<int:pk>/erase/": "eraser",
    "admin/leads/lead/<path:object_id>/delete/": "eraser",
}

# Concrete URLs for the regex patterns, by URL name or pattern.
REGEX_SAMPLES = {
    "admin:app_list": "/admin/leads/",
    "admin/(?P<url>.*)$": "/admin/no-such-page/",
}

METHODS = ["get", "post", "put", "patch", "delete"]
REDIRECTS = {301, 302, 303, 307, 308}
RESUME = "Sentinel resume text that only attorneys may read."
CV = b"%PDF-1.4\nSentinel CV bytes that only attorneys may download.\n"


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str | None
    callback: object
    is_regex: bool

    @property
    def kind(self):
        if self.pattern.startswith("admin/"):
            return "admin"
        view_class = getattr(self.callback, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return "api"
        return "page"

    @property
    def admin_model(self):
        """The model of an admin URL such as admin/leads/lead/<id>/change/, or None."""
        match = re.match(r"admin/(\w+)/(\w+)/", self.pattern)
        if not match:
            return None
        try:
            return apps.get_model(*match.groups())
        except LookupError:
            return None


def walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            name = ":".join(filter(None, [namespace, pattern.name])) if pattern.name else None
            yield Route(
                pattern=prefix + str(pattern.pattern),
                name=name,
                callback=pattern.callback,
                is_regex=isinstance(pattern.pattern, RegexPattern),
            )


ROUTES = {route.pattern: route for route in walk(get_resolver().url_patterns)}
GUARDED = [route for pattern, route in ROUTES.items() if pattern not in PUBLIC]


@dataclass
class Site:
    """One lead with a CV, one sample of every model the admin shows, and the people who knock."""

    lead: Lead
    users: dict
    tokens: dict

    def client(self, who, kind):
        user = self.users[who]
        if user is None:
            return Client()
        if kind == "api":
            return Client(headers={"Authorization": f"Token {self.tokens[who]}"})
        client = Client()
        client.force_login(user)
        return client


def sample_value(route, parameter, site):
    """What to put in a URL parameter: the pk of the object the URL is about."""
    model = route.admin_model
    if model is not None:
        instance = model._default_manager.first()
        assert instance is not None, f"create a sample {model.__name__} in the `site` fixture"
        return str(quote(instance.pk))
    if parameter == "content_type_id":
        return str(ContentType.objects.get_for_model(Lead).pk)
    if parameter in ("pk", "object_id"):
        return str(site.lead.pk)
    if parameter == "resubmission_pk":
        return str(site.lead.resubmissions.get().pk)
    pytest.fail(f"No sample value for <{parameter}> in {route.pattern!r}: add one to sample_value")


def url_of(route, site):
    if route.is_regex:
        sample = REGEX_SAMPLES.get(route.name) or REGEX_SAMPLES.get(route.pattern)
        assert sample, f"add a sample URL for the regex pattern {route.pattern!r} to REGEX_SAMPLES"
        return sample
    return "/" + re.sub(
        r"<(?:\w+:)?(\w+)>", lambda match: sample_value(route, match[1], site), route.pattern
    )


def send(client, method, url, kind):
    if method == "get":
        return client.get(url)
    if kind == "api":
        return client.generic(method.upper(), url, "{}", "application/json")
    return client.generic(method.upper(), url, "", "application/x-www-form-urlencoded")


def content_of(response):
    # The test client closes a streamed response once it is read to the end.
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_no_lead_data(response, site, what):
    content = content_of(response)
    for secret in (site.lead.email, site.lead.last_name, RESUME):
        assert secret.encode() not in content, f"{what} shows lead data ({secret!r})"
    assert CV not in content, f"{what} serves the CV file"


def redirects_to(response, url_name):
    return response.status_code in REDIRECTS and urlparse(response.url).path == reverse(url_name)


def final_answer(client, response):
    """Follow redirects (but not one to a sign-in page) to the answer a browser would show."""
    for _ in range(5):
        if response.status_code not in REDIRECTS or redirects_to(response, "admin:login"):
            break
        response = client.get(response.url)
    return response


def stored():
    return (
        list(Lead.objects.order_by("pk").values()),
        get_user_model().objects.count(),
        Token.objects.count(),
        Note.objects.count(),
        Activity.objects.count(),
    )
