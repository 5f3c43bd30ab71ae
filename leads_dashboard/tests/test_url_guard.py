"""Every URL of the project is either on a short, explained list of public URLs, or refuses
anonymous users and non-attorneys while it works for the attorneys it is for.

The test walks the project's URL resolver (the admin and the API included), so a URL added later
is checked too: if it is neither on PUBLIC nor guarded, its case fails and says which it is."""

import re
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern
from rest_framework.authtoken.models import Token
from rest_framework.views import APIView

from leads.models import Activity, Erasure, Lead, Note, Resubmission
from leads.tasks import read_cv
from leads.tests.factories import AttorneyFactory, LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

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


@pytest.fixture
def site(db):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    lead = LeadFactory(
        first_name="Zebulon",
        last_name="Quillfeather",
        email="zebulon.quillfeather@example.com",
        resume=RESUME,
        cv=SimpleUploadedFile("cv.pdf", CV),
    )
    users = {
        "anonymous": None,
        "outsider": UserFactory(),
        "staff": UserFactory(is_staff=True),
        "attorney": AttorneyFactory(),
        "eraser": AttorneyFactory(),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }
    users["eraser"].user_permissions.add(Permission.objects.get(codename="erase_lead"))
    tokens = {
        who: Token.objects.create(user=user).key for who, user in users.items() if user is not None
    }
    attempt = {
        "user_agent": "test",
        "ip_address": "127.0.0.1",
        "username": "someone@example.com",
        "http_accept": "*/*",
        "path_info": reverse("login"),
    }
    AccessAttempt.objects.create(**attempt, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**attempt)
    AccessFailureLog.objects.create(**attempt)
    read_cv.enqueue(lead.pk, lead.cv.name)  # a background task, for the admin's task results
    # The prospect sent the form again (with a CV): kept beside the lead.
    Resubmission.objects.create(
        lead=lead,
        first_name=lead.first_name,
        last_name=lead.last_name,
        email=lead.email,
        resume=RESUME,
        cv=SimpleUploadedFile("cv.pdf", CV),
    )
    # Another lead, erased: the erasure log's entry.
    Erasure.objects.create(lead_id=lead.pk + 1000, reason=Erasure.Reason.REQUEST)
    return Site(lead=lead, users=users, tokens=tokens)


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


def refusal_problem(route, who, response, client):
    """Why this answer is not the refusal `who` should get from `route`, or None."""
    status = response.status_code
    if route.kind == "page":
        if who == "anonymous":
            ok = redirects_to(response, "login")
            return None if ok else f"{status} instead of a redirect to the sign-in page"
        return None if status == 403 else f"{status} instead of 403"
    if route.kind == "api":
        expected = 401 if who == "anonymous" else 403
        if status != expected:
            return f"{status} instead of {expected}"
        assert response.json()["error"]["status"] == expected
        return None
    if who in ("anonymous", "outsider"):
        ok = redirects_to(response, "admin:login")
        return None if ok else f"{status} instead of a redirect to the admin's sign-in page"
    if route.pattern in ADMIN_PAGES_FOR_ANY_STAFF:
        return None
    answer = final_answer(client, response)
    if answer.status_code in (403, 404) or redirects_to(answer, "admin:login"):
        return None
    return f"{answer.status_code} (after redirects) instead of 403 for staff who are not attorneys"


def privileged_user(route, site):
    """Who the URL is for: attorneys, except the admin pages of other models (superusers)."""
    if route.pattern in NOTHING_TO_OPEN:
        return None
    if route.pattern in OWN_PERMISSION:
        return OWN_PERMISSION[route.pattern]
    model = route.admin_model
    if model is None or model is Lead:
        return "attorney"
    # Some admin pages are offered to no one: django-axes' logs cannot be added by hand.
    request = RequestFactory().get("/")
    request.user = site.users["superuser"]
    model_admin = admin.site._registry[model]
    action = route.name.rsplit("_", 1)[-1] if route.name else ""
    offered = {
        "add": model_admin.has_add_permission,
        "delete": model_admin.has_delete_permission,
    }.get(action, model_admin.has_view_or_change_permission)(request)
    return "superuser" if offered else None


def stored():
    return (
        list(Lead.objects.order_by("pk").values()),
        get_user_model().objects.count(),
        Token.objects.count(),
        Note.objects.count(),
        Activity.objects.count(),
    )


@pytest.mark.parametrize("route", GUARDED, ids=lambda route: route.pattern)
def test_it_refuses_anonymous_users_and_non_attorneys(site, route):
    url = url_of(route, site)
    before = stored()
    for who in ("anonymous", "outsider", "staff"):
        client = site.client(who, route.kind)
        for method in METHODS:
            response = send(client, method, url, route.kind)
            what = f"{method.upper()} {url} by {who}"
            assert response.status_code < 500, f"{what}: {response.status_code}"
            assert_no_lead_data(response, site, what)
            if response.status_code == 405:
                continue
            problem = refusal_problem(route, who, response, client)
            assert problem is None, (
                f"{what}: {problem}. Guard the view, or add {route.pattern!r} to PUBLIC with "
                "the reason it is public."
            )
    assert stored() == before, f"requests to {url} by non-attorneys changed data"

    # The URL works for the people it is for, so the refusals above are not mere 404s.
    privileged = privileged_user(route, site)
    if privileged is None:
        return
    client = site.client(privileged, route.kind)
    method = "get"
    response = send(client, method, url, route.kind)
    if response.status_code == 405:
        allowed = response["Allow"].lower()
        method = next(m for m in ("patch", "post", "put", "delete") if m in allowed)
        response = send(client, method, url, route.kind)
    content_of(response)
    assert response.status_code < 400, f"{method.upper()} {url} by {privileged}: {response}"

    # With that method, which the view does take, every other caller is refused outright.
    for who in ("anonymous", "outsider", "staff"):
        client = site.client(who, route.kind)
        response = send(client, method, url, route.kind)
        problem = refusal_problem(route, who, response, client)
        assert problem is None, f"{method.upper()} {url} by {who}: {problem}"


@pytest.mark.parametrize("pattern", PUBLIC)
def test_a_public_url_shows_no_lead_data(site, pattern):
    assert pattern in ROUTES, f"{pattern!r} is on PUBLIC but is no URL pattern any more"
    url = url_of(ROUTES[pattern], site)
    response = Client().get(url)
    assert response.status_code < 400 or response.status_code == 405, response.status_code
    assert_no_lead_data(response, site, f"GET {url}")


def test_the_walk_sees_the_pages_the_api_and_the_admin():
    # Guards against a walk that quietly finds nothing (and so checks nothing).
    assert {
        "leads/",
        "leads/<int:pk>/",
        "leads/<int:pk>/cv/",
        "leads/<int:pk>/state/",
        "leads/<int:pk>/erase/",
        "leads/<int:pk>/export.json",
        "get",
        "get/<str:pk>",
        "update/<str:pk>",
        "admin/leads/lead/",
        "admin/leads/lead/<path:object_id>/change/",
        "admin/r/<path:content_type_id>/<path:object_id>/",
    } <= set(ROUTES)
    assert {route.kind for route in GUARDED} == {"page", "api", "admin"}
    assert set(ADMIN_PAGES_FOR_ANY_STAFF) | set(NOTHING_TO_OPEN) | set(OWN_PERMISSION) <= set(
        ROUTES
    )


@pytest.mark.parametrize("pattern", OWN_PERMISSION)
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_attorney_without_the_pages_own_permission_is_refused(site, pattern, method):
    url = url_of(ROUTES[pattern], site)
    before = stored()
    response = send(site.client("attorney", "page"), method, url, "page")
    assert response.status_code == 403
    assert_no_lead_data(response, site, f"{method.upper()} {url} by an attorney")
    assert stored() == before


@pytest.mark.parametrize("page", ["changelist", "add", "change", "history", "delete"])
def test_the_admin_lead_pages_need_an_attorney(site, page):
    args = [] if page in ("changelist", "add") else [site.lead.pk]
    url = reverse(f"admin:leads_lead_{page}", args=args)
    # Being staff opens the admin, but not its lead pages: those need the Attorneys group.
    response = site.client("staff", "admin").get(url)
    assert response.status_code == 403
    assert_no_lead_data(response, site, f"GET {url} by staff")
    # Deleting a lead erases the person: that needs the erase permission too.
    privileged = "eraser" if page == "delete" else "attorney"
    assert site.client(privileged, "admin").get(url).status_code == 200
    if page == "delete":
        assert site.client("attorney", "admin").get(url).status_code == 403


def test_the_admin_index_lists_leads_for_attorneys_only(site):
    changelist = reverse("admin:leads_lead_changelist")
    staff_index = site.client("staff", "admin").get(reverse("admin:index"))
    attorney_index = site.client("attorney", "admin").get(reverse("admin:index"))
    assert staff_index.status_code == attorney_index.status_code == 200
    assert changelist not in staff_index.content.decode()
    assert changelist in attorney_index.content.decode()
