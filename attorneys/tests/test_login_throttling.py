import pytest
from django.urls import reverse

from leads.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")


def test_it_locks_out_after_repeated_failures(client, attorney, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(LOGIN, {"username": attorney.username, "password": "wrong"})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    response = client.post(LOGIN, {"username": attorney.username, "password": "wrong"})
    assert response.status_code == 429

    # Locked out: even the right password is refused, and no session is opened.
    response = client.post(LOGIN, {"username": attorney.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert client.get(reverse("attorneys:lead_list")).status_code == 302


def test_other_clients_are_not_locked_out(client, attorney, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": attorney.username, "password": "wrong"})
    response = client.post(
        LOGIN, {"username": attorney.username, "password": PASSWORD}, REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 302


def test_admin_login_is_throttled_too(client, attorney, settings):
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": attorney.username, "password": "wrong"})
    response = client.post(url, {"username": attorney.username, "password": PASSWORD})
    assert response.status_code == 429


def test_ipv4_clients_of_a_dual_stack_server_are_locked_out_apart(client, attorney, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": attorney.username, "password": "wrong"},
            REMOTE_ADDR="::ffff:127.0.0.11",
        )
    response = client.post(
        LOGIN,
        {"username": attorney.username, "password": PASSWORD},
        REMOTE_ADDR="::ffff:127.0.0.12",
    )
    assert response.status_code == 302
