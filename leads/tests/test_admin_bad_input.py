"""Bad input that only the admin takes: ids that cannot exist in its URLs and in its actions,
and lookups its filters do not make. Each is answered the admin's own way or with a 400, never
a 500, and changes nothing. (The admin's lead forms are in test_pages_bad_input.py, beside the
attorneys' pages that take the same lead.)

The helpers, and what every bad-input module checks, are in bad_input.py."""

import pytest
from django.urls import reverse

from .bad_input import HUGE_ID, nothing_changes

# The shared fixtures, which pytest finds by their names here (see bad_input.py).

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("view, pk", [("change", "abc"), ("change", HUGE_ID), ("delete", HUGE_ID)])
def test_the_admin_sends_a_malformed_or_unknown_id_back_to_its_index(
    eraser_client, existing, view, pk
):
    with nothing_changes():
        response = eraser_client.get(reverse(f"admin:leads_lead_{view}", args=[pk]))
    # The admin's own way: back to its index with a "doesn't exist" message, not a 404.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_the_admin_refuses_lookups_its_filters_do_not_make(attorney_client):
    changelist = reverse("admin:leads_lead_changelist")
    assert attorney_client.get(changelist, {"email__regex": "("}).status_code == 400
    assert attorney_client.get(changelist, {"state__exact": "PENDING"}).status_code == 200
    assert attorney_client.get(changelist, {"created_at__year": "2026"}).status_code == 200


@pytest.mark.parametrize(
    "drill_down",
    [
        {"year": "9999"},  # the year's end is in year 10000
        {"year": "9999", "month": "12"},
        {"year": "9999", "month": "12", "day": "31"},
        {"year": "99999999999999999999"},
        {"year": "2026", "month": "13"},
        {"year": "-1"},
    ],
)
@pytest.mark.parametrize(
    "changelist, field",
    [
        ("admin:leads_lead_changelist", "created_at"),
        ("admin:axes_accessattempt_changelist", "attempt_time"),
        ("admin:axes_accesslog_changelist", "attempt_time"),
        ("admin:axes_accessfailurelog_changelist", "attempt_time"),
    ],
)
def test_a_date_drill_down_the_admin_cannot_bound_is_a_bad_lookup_not_a_500(
    admin_client, existing, changelist, field, drill_down
):
    query = {f"{field}__{part}": value for part, value in drill_down.items()}
    response = admin_client.get(reverse(changelist), query)
    # The admin's answer to any lookup it cannot make: back to the list, marked ?e=1.
    assert response.status_code == 302
    assert response.url.endswith("?e=1")
    assert admin_client.get(response.url).status_code == 200


@pytest.mark.parametrize("value", ["abc", "\x00", HUGE_ID, "1.5"])
@pytest.mark.parametrize(
    "changelist, action",
    [
        ("admin:leads_lead_changelist", "mark_reached_out"),
        ("admin:auth_user_changelist", "delete_selected"),
        ("admin:django_tasks_database_dbtaskresult_changelist", "run_again"),
    ],
)
def test_an_admin_action_on_ids_that_cannot_exist_is_a_400(
    admin_client, lead, changelist, action, value
):
    with nothing_changes():
        response = admin_client.post(
            reverse(changelist), {"action": action, "_selected_action": [value]}
        )
    assert response.status_code == 400


def test_an_admin_action_on_a_token_with_a_nul_is_a_400(admin_client):
    # A token's key is any text; a NUL is not (PostgreSQL refuses it in a query).
    response = admin_client.post(
        reverse("admin:authtoken_tokenproxy_changelist"),
        {"action": "delete_selected", "_selected_action": ["\x00"]},
    )
    assert response.status_code == 400
