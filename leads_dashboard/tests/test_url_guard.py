"""Every URL of the project is either on a short, explained list of public URLs, or refuses
anonymous users and non-attorneys while it works for the attorneys it is for.

The test walks the project's URL resolver (the admin and the API included), so a URL added later
is checked too: if it is neither on routes.PUBLIC nor guarded, its case fails and says which."""

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from leads.models import Lead

from .routes import (
    ADMIN_PAGES_FOR_ANY_STAFF,
    GUARDED,
    METHODS,
    NOTHING_TO_OPEN,
    OWN_PERMISSION,
    PUBLIC,
    ROUTES,
    assert_no_lead_data,
    content_of,
    final_answer,
    redirects_to,
    send,
    stored,
    url_of,
)

pytestmark = pytest.mark.django_db


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
