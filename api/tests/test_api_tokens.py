from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token, TokenProxy

from leads.tests.factories import AttorneyFactory, UserFactory

pytestmark = pytest.mark.django_db


def create_api_token(*args):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_it_prints_a_working_token(client, lead):
    attorney = AttorneyFactory(username="ada@firm.example")
    key, err = create_api_token("ADA@firm.example")
    assert Token.objects.get(user=attorney).key == key
    assert err == ""
    response = client.get(f"/get/{lead.pk}", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200


def test_it_prints_the_same_token_again(attorney):
    assert create_api_token(attorney.email)[0] == create_api_token(attorney.email)[0]


def test_reset_replaces_the_token(client, attorney):
    old, _ = create_api_token(attorney.email)
    new, _ = create_api_token(attorney.email, "--reset")
    assert new != old
    response = client.get("/get", headers={"Authorization": f"Token {old}"})
    assert response.status_code == 401


def test_it_warns_when_the_user_is_not_an_attorney():
    website = UserFactory(username="website", email="web@firm.example")
    key, err = create_api_token("website")
    assert Token.objects.get(user=website).key == key
    assert "not an attorney" in err


def test_it_refuses_an_unknown_user():
    with pytest.raises(CommandError, match="No user"):
        create_api_token("nobody@example.com")


def test_it_refuses_an_inactive_user():
    UserFactory(username="gone@firm.example", is_active=False)
    with pytest.raises(CommandError, match="inactive"):
        create_api_token("gone@firm.example")


def test_tokens_are_managed_in_the_admin(admin_client):
    assert admin.site.is_registered(TokenProxy)
    assert admin_client.get("/admin/authtoken/tokenproxy/").status_code == 200


def get_with_token(client, lead, key):
    return client.get(f"/get/{lead.pk}", headers={"Authorization": f"Token {key}"})


def test_a_token_stops_working_once_deleted_or_its_user_deactivated(client, attorney, lead):
    token = Token.objects.create(user=attorney)
    assert get_with_token(client, lead, token.key).status_code == 200

    attorney.is_active = False
    attorney.save()
    response = get_with_token(client, lead, token.key)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "User inactive or deleted."

    attorney.is_active = True
    attorney.save()
    token.delete()
    response = get_with_token(client, lead, token.key)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid token."
    assert response["WWW-Authenticate"] == "Token"
