"""OPTIONS on every route of the project (the URL walk of test_url_guard) is answered, never a 500,
whoever asks, and tells anonymous callers nothing about a lead."""

from urllib.parse import urlparse

import pytest
from django.urls import reverse

from .routes import (
    REDIRECTS,
    ROUTES,
    assert_no_lead_data,
    content_of,
    stored,
    url_of,
)

pytestmark = pytest.mark.django_db

ANSWERS = {200, 204, 401, 403, 404, 405}
SIGN_IN_PAGES = {reverse("login"), reverse("admin:login")}


@pytest.mark.parametrize("route", ROUTES.values(), ids=lambda route: route.pattern)
def test_options_is_answered_on_every_route(site, route):  # noqa: F811 (the fixture)
    url = url_of(route, site)
    before = stored()
    for who in ("anonymous", "attorney", "superuser"):
        client = site.client(who, route.kind)
        response = client.options(url)
        what = f"OPTIONS {url} by {who}"
        content_of(response)
        if response.status_code in REDIRECTS:
            # To sign in, or where GET goes too: the admin's old object URLs to their change
            # pages, its "view on site" link to the lead's page, its sign-out (signed out) to
            # its index, which asks to sign in.
            location = response["Location"]
            if urlparse(location).path not in SIGN_IN_PAGES:
                answer = client.get(url)
                assert (answer.status_code, answer.get("Location")) == (
                    response.status_code,
                    location,
                ), f"{what}: {response.status_code} to {location}"
        else:
            assert response.status_code in ANSWERS, f"{what}: {response.status_code}"
        if who == "anonymous":
            assert_no_lead_data(response, site, what)
    assert stored() == before, f"OPTIONS {url} changed data"
