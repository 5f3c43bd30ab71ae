"""Bad input to the attorneys' pages (lead list, detail, create, edit, state buttons), and to
the admin's forms where they take the same lead: a form error or a clear 4xx, never a 500, and
nothing already stored changes; HTML in a lead's fields renders escaped on every page; search
takes SQL and LIKE wildcards as plain text. Also what every form page shares: the size of a
body, and a body posted in another charset.

The helpers, and what every bad-input module checks, are in bad_input.py."""

from urllib.parse import quote, urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from leads.tests.bad_input import (
    EXISTING,
    HUGE_ID,
    INTAKE,
    MB,
    OTHER_EMAIL,
    XSS,
    api,
    form_errors,
    nothing_changes,
)

# The shared fixtures, which pytest finds by their names here (see bad_input.py).
from leads.tests.factories import LeadFactory, lead_form_data

pytestmark = pytest.mark.django_db

LIST = reverse("attorneys:lead_list")
ADMIN_ADD = reverse("admin:leads_lead_add")
ADMIN_CHANGELIST = reverse("admin:leads_lead_changelist")


def detail(lead):
    return reverse("attorneys:lead_detail", args=[lead.pk])


def edit(lead):
    return reverse("attorneys:lead_edit", args=[lead.pk])


def admin_change(lead):
    return reverse("admin:leads_lead_change", args=[lead.pk])


ATTORNEY_FORMS = {
    "create-page": (lambda lead: reverse("attorneys:lead_create"), "form"),
    "edit-page": (edit, "form"),
    "admin-add": (lambda lead: ADMIN_ADD, "adminform"),
    "admin-change": (admin_change, "adminform"),
}


@pytest.mark.parametrize(
    "target, data, field",
    [
        pytest.param("create-page", {"first_name": "  "}, "first_name", id="create-blank-name"),
        pytest.param("edit-page", {"last_name": "x" * 10_000}, "last_name", id="edit-long-name"),
        pytest.param("edit-page", {"email": OTHER_EMAIL.upper()}, "email", id="edit-taken-email"),
        pytest.param(
            "admin-add", {"email": EXISTING["email"].upper()}, "email", id="admin-add-taken-email"
        ),
        pytest.param("admin-change", {"state": "LOST"}, "state", id="admin-change-unknown-state"),
        pytest.param(
            "admin-change",
            {"cv": SimpleUploadedFile("cv.pdf", b"GIF89a")},
            "cv",
            id="admin-change-gif-named-pdf",
        ),
    ],
)
def test_the_attorney_forms_refuse_bad_input(attorney_client, existing, other, target, data, field):
    url_of, form = ATTORNEY_FORMS[target]
    with nothing_changes():
        response = attorney_client.post(
            url_of(existing), {**lead_form_data(state="PENDING"), **data}
        )
    assert field in form_errors(response, form)


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": HUGE_ID},
        {"page_size": "-1"},
        {"ordering": "password"},
        {"state": "<script>"},
        {"attention": "maybe"},
        {"created_after": "0001-01-01T00:00:00+04:45"},
        {"email": "x" * 10_000},
        {"search": "x" * 10_000},
    ],
    ids=lambda params: "-".join(f"{key}={value[:12]}" for key, value in params.items()),
)
def test_the_lead_list_shrugs_off_bad_query_parameters(attorney_client, existing, params):
    with nothing_changes():
        response = attorney_client.get(LIST, params)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(f"{LIST}?search=Existing%00", id="lead-list-search"),
        pytest.param(f"{ADMIN_CHANGELIST}?q=Existing%00", id="admin-search"),
        pytest.param(f"{ADMIN_CHANGELIST}?state__exact=PENDING%00", id="admin-state-filter"),
    ],
)
def test_a_nul_character_in_a_query_parameter_is_never_a_500(attorney_client, existing, url):
    with nothing_changes():
        response = attorney_client.get(url)
    assert response.status_code < 500


@pytest.mark.parametrize(
    "method, route, pk",
    [
        ("get", "attorneys:lead_detail", "abc"),
        ("get", "attorneys:lead_detail", "-1"),
        ("get", "attorneys:lead_detail", HUGE_ID),
        ("post", "attorneys:lead_edit", HUGE_ID),
        ("get", "attorneys:lead_cv", HUGE_ID),
        ("post", "attorneys:lead_set_state", HUGE_ID),
    ],
)
def test_a_page_for_a_malformed_or_unknown_id_is_a_404(
    attorney_client, existing, method, route, pk
):
    url = reverse(route, args=[existing.pk]).replace(f"/{existing.pk}/", f"/{quote(pk)}/")
    with nothing_changes():
        response = getattr(attorney_client, method)(
            url, lead_form_data() if method == "post" else None
        )
    assert response.status_code == 404


def test_the_state_buttons_refuse_a_get(attorney_client, existing):
    with nothing_changes():
        response = attorney_client.get(reverse("attorneys:lead_set_state", args=[existing.pk]))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


@pytest.mark.parametrize(
    "method, url_of",
    [
        pytest.param("put", lambda lead: INTAKE, id="put-intake"),
        pytest.param("delete", detail, id="delete-detail"),
        pytest.param("put", edit, id="put-edit"),
    ],
)
def test_other_methods_on_the_pages_change_nothing(attorney_client, existing, method, url_of):
    with nothing_changes():
        response = getattr(attorney_client, method)(url_of(existing), lead_form_data())
    assert response.status_code < 500


# --- Odd but valid input: rendered escaped, searched as plain text ----------------------------

ESCAPED_PAGES = {
    "lead-detail": detail,
    "lead-list": lambda lead: LIST,
    "lead-list-search": lambda lead: f"{LIST}?search=%3Cscript",
    "lead-edit": edit,
    "admin-changelist": lambda lead: ADMIN_CHANGELIST,
    "admin-changelist-search": lambda lead: f"{ADMIN_CHANGELIST}?q=alert",
    "admin-change": admin_change,
    "admin-history": lambda lead: reverse("admin:leads_lead_history", args=[lead.pk]),
    "admin-delete": lambda lead: reverse("admin:leads_lead_delete", args=[lead.pk]),
    "lead-erase": lambda lead: reverse("attorneys:lead_erase", args=[lead.pk]),
}


@pytest.mark.parametrize("page", ESCAPED_PAGES)
def test_html_in_every_text_field_renders_escaped(eraser_client, page):
    lead = LeadFactory(**XSS)
    response = eraser_client.get(ESCAPED_PAGES[page](lead))
    assert response.status_code == 200
    html = response.content.decode()
    for field, value in XSS.items():
        assert value not in html, f"{field} is rendered unescaped"
    assert "<script>alert" not in html and "<img src=x" not in html
    assert escape(XSS["first_name"]) in html


@pytest.mark.parametrize(
    "url, data",
    [
        pytest.param(reverse("attorneys:lead_create"), {}, id="create-page"),
        pytest.param(ADMIN_ADD, {"_save": "Save"}, id="admin-add"),
    ],
)
def test_the_success_message_escapes_the_name(attorney_client, url, data):
    response = attorney_client.post(url, {**XSS, "state": "PENDING", **data}, follow=True)
    assert response.status_code == 200
    assert len(response.context["messages"]) == 1
    html = response.content.decode()
    for value in XSS.values():
        assert value not in html
    assert escape(XSS["first_name"]) in html


@pytest.mark.parametrize("query", ["%", "_", "' OR 1=1 --"])
def test_search_takes_sql_and_like_wildcards_as_plain_text(attorney_client, token, existing, query):
    with nothing_changes():
        page = attorney_client.get(LIST, {"search": query})
        listed = api(attorney_client, "get", f"/get?{urlencode({'search': query})}", token=token)
    assert page.status_code == 200
    assert list(page.context["page"]) == []
    assert listed.status_code == 200
    assert listed.json()["count"] == 0


# --- Every form page: the size of a body, and its charset -------------------------------------


@pytest.mark.parametrize(
    "url_of",
    [
        pytest.param(lambda lead: INTAKE, id="intake"),
        pytest.param(edit, id="attorney-edit-page"),
        pytest.param(admin_change, id="admin-change-form"),
    ],
)
def test_a_10_mb_form_body_is_a_413(attorney_client, existing, url_of):
    with nothing_changes():
        response = attorney_client.post(url_of(existing), lead_form_data(resume="x" * (10 * MB)))
    assert response.status_code == 413
    assert "The file is too large" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/", "/thanks/", "/accounts/login/", "/admin/login/", "/leads/{lead}/notes/"]
)
def test_a_form_posted_in_another_charset_is_a_400(url, attorney, lead):
    from django.test import Client

    url = url.format(lead=lead.pk)
    client = Client(enforce_csrf_checks=True)
    client.force_login(attorney)
    client.get("/")  # the CSRF cookie
    with nothing_changes():
        response = client.post(
            url,
            "first_name=J%E9r%F4me&last_name=X",
            content_type="application/x-www-form-urlencoded; charset=latin-1",
        )
    assert response.status_code == 400


def test_a_form_posted_in_utf_8_with_its_charset_named_is_accepted(client):
    response = client.post(
        INTAKE,
        urlencode(lead_form_data()),
        content_type="application/x-www-form-urlencoded; charset=UTF-8",
    )
    assert response.status_code == 302
