"""Each process remembers a user's permission set for PERMISSIONS_CACHE_SECONDS
(lib.auth_backends.CachedPermissionsBackend); a change of groups or permissions is seen at once
by the process that made it, and deactivating an account everywhere at once."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from leads.tests.factories import attorneys_group

pytestmark = pytest.mark.django_db


def test_the_permission_set_is_read_once(attorney_client, lead, django_assert_max_num_queries):
    url = reverse("attorneys:lead_detail", args=[lead.pk])
    attorney_client.get(url)
    with django_assert_max_num_queries(12) as queries:
        assert attorney_client.get(url).status_code == 200
    assert not [q for q in queries.captured_queries if "auth_permission" in q["sql"]]


def test_leaving_the_group_takes_effect_at_once(attorney_client, attorney, lead):
    url = f"/get/{lead.pk}"
    assert attorney_client.get(url).status_code == 200
    attorney.groups.remove(attorneys_group())
    assert attorney_client.get(url).status_code == 403
    attorney.groups.add(attorneys_group())
    assert attorney_client.get(url).status_code == 200


def test_a_permission_taken_from_the_group_goes_at_once(attorney_client, lead):
    url = reverse("attorneys:lead_edit", args=[lead.pk])
    assert attorney_client.get(url).status_code == 200
    attorneys_group().permissions.remove(Permission.objects.get(codename="change_lead"))
    assert attorney_client.get(url).status_code == 403


def test_a_deactivated_account_is_refused_at_once(attorney_client, attorney, lead):
    url = reverse("attorneys:lead_detail", args=[lead.pk])
    assert attorney_client.get(url).status_code == 200
    attorney.is_active = False
    attorney.save()
    assert attorney_client.get(url).status_code != 200
