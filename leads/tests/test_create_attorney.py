import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_creates_a_staff_attorney_with_a_generated_password(client):
    out = io.StringIO()
    call_command("create_attorney", "lawyer@firm.example", "--no-input", stdout=out)
    user = get_user_model().objects.get(username="lawyer@firm.example")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["Attorneys"]
    password = out.getvalue().split("Password (shown only this once): ")[1].strip()
    response = client.post(
        reverse("login"), {"username": "lawyer@firm.example", "password": password}, follow=True
    )
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == reverse("attorneys:dashboard")


def test_it_refuses_an_existing_account():
    call_command("create_attorney", "lawyer@firm.example", "--no-input", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_attorney", "LAWYER@firm.example", "--no-input", stdout=io.StringIO())


def test_it_refuses_an_invalid_email():
    with pytest.raises(CommandError, match="not a valid email"):
        call_command("create_attorney", "nope", "--no-input")
