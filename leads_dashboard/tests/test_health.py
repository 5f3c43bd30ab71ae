"""GET /healthz (leads/health.py): the state of the database, the cache, the CV storage and the
task queue, for load balancers and uptime checks: no sign-in, no limit, no personal data."""

import datetime
import socket
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from leads.tasks import delete_held_cv, send_new_lead_emails
from leads.tests.factories import LeadFactory
from leads.tests.throwaway_servers import redis_url, use_redis

# Transactional: the checks run in threads of their own, on connections of their own.
pytestmark = pytest.mark.django_db(transaction=True)

ALL_OK = {
    "status": "ok",
    "database": "ok",
    "cache": "ok",
    "cv_storage": "ok",
    "task_queue": "ok",
    "oldest_queued_task_seconds": 0,
}


def healthz(client=None, **headers):
    return (client or Client()).get(reverse("healthz"), headers=headers)


def closed_port():
    """A port on 127.0.0.1 that nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_reports_each_component_ok_without_a_sign_in(settings):
    response = healthz()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == ALL_OK
    assert "no-store" in response["Cache-Control"]


def test_it_leaves_no_probe_behind(settings):
    assert healthz().status_code == 200
    assert not list(Path(settings.STORAGES["cvs"]["OPTIONS"]["location"]).rglob("*.*"))
    table = connection.ops.quote_name(settings.CACHES["default"]["LOCATION"])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {table}")
        assert not [key for (key,) in cursor.fetchall() if "healthz" in key]


@pytest.fixture
def database_unreachable(monkeypatch, tmp_path):
    """Every new connection to the database goes where no database is (a missing folder for
    SQLite, a closed port for PostgreSQL), so that the driver itself fails to connect. The
    test's own connection, already open, keeps working."""
    wrapper = type(connections["default"])
    real_params = wrapper.get_connection_params

    def unreachable_params(self):
        params = real_params(self)
        if self.vendor == "sqlite":
            return {**params, "database": str(tmp_path / "no-such-folder" / "db.sqlite3")}
        return {**params, "host": "127.0.0.1", "port": closed_port()}

    monkeypatch.setattr(wrapper, "get_connection_params", unreachable_params)
    return tmp_path


def test_it_answers_503_when_the_database_is_unreachable(database_unreachable):
    response = healthz()
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == "unavailable"
    # Only "ok"/"unavailable": no driver message, address or path.
    for detail in ("unable to open", "refused", "127.0.0.1", str(database_unreachable)):
        assert detail not in response.content.decode()


def test_a_cache_or_storage_outage_is_reported_but_keeps_the_host_in_service(settings, tmp_path):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        },
    }
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "cvs": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(not_a_folder / "cvs")},
        },
    }
    response = healthz()
    assert response.status_code == 200
    assert response.json() == {
        **ALL_OK,
        "status": "degraded",
        "cache": "unavailable",
        "cv_storage": "unavailable",
    }
    assert "Connection" not in response.content.decode()


def test_it_reports_how_long_the_oldest_queued_task_has_waited():
    now = timezone.now()
    queued_10_minutes_ago = delete_held_cv.enqueue("held/a.pdf")
    delete_held_cv.enqueue("held/b.pdf")
    # A retry queued an hour ago has waited since it fell due, 5 minutes ago; one due in an
    # hour does not wait yet.
    retry_due = delete_held_cv.using(run_after=now - datetime.timedelta(minutes=5))
    retry_due = retry_due.enqueue("held/c.pdf")
    retry_later = delete_held_cv.using(run_after=now + datetime.timedelta(hours=1))
    retry_later = retry_later.enqueue("held/d.pdf")
    DBTaskResult.objects.filter(pk=queued_10_minutes_ago.id).update(
        enqueued_at=now - datetime.timedelta(minutes=10)
    )
    DBTaskResult.objects.filter(pk__in=[retry_due.id, retry_later.id]).update(
        enqueued_at=now - datetime.timedelta(hours=2)
    )
    answer = healthz().json()
    assert answer["task_queue"] == "ok"
    assert 600 <= answer["oldest_queued_task_seconds"] < 900


def test_it_shows_no_lead_data():
    leads = [LeadFactory(), LeadFactory()]
    for lead in leads:
        send_new_lead_emails.enqueue(lead.pk, "http://testserver")
    response = healthz()
    assert response.status_code == 200
    for lead in leads:
        for value in filter(None, (lead.email, lead.first_name, lead.last_name, lead.resume)):
            assert value not in response.content.decode()
    assert set(response.json()) == set(ALL_OK)


def test_it_is_not_rate_limited(settings):
    settings.INTAKE_RATE_LIMIT = "5/m"
    settings.INTAKE_FLOOD_LIMIT = "20/m"
    client = Client()
    assert [healthz(client).status_code for _ in range(40)] == [200] * 40


def test_a_load_balancer_may_probe_by_address_over_plain_http(settings):
    settings.ALLOWED_HOSTS = ["leads.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = healthz(host="10.0.3.7:8000")
    assert response.status_code == 200
    assert response.json() == ALL_OK
    # The rest of the site still refuses that host, and sends plain HTTP to HTTPS.
    assert Client().get(reverse("login"), headers={"host": "10.0.3.7:8000"}).status_code == 400
    response = Client().get(reverse("login"), headers={"host": "leads.example.com"})
    assert response.status_code == 301
    assert response["Location"].startswith("https://leads.example.com/")


def test_it_answers_get_head_and_options_only():
    client = Client()
    assert client.head(reverse("healthz")).status_code == 200
    assert client.options(reverse("healthz")).status_code == 200
    assert client.post(reverse("healthz")).status_code == 405


def test_it_reports_the_redis_queue_and_its_oldest_task(settings):
    use_redis(settings, redis_url())
    import django_rq

    redis = django_rq.get_connection("default")
    redis.flushdb()
    try:
        job = django_rq.get_queue("default").fetch_job(delete_held_cv.enqueue("held/a.pdf").id)
        job.enqueued_at = timezone.now() - datetime.timedelta(minutes=10)
        job.save()
        delete_held_cv.enqueue("held/b.pdf")
        answer = healthz().json()
    finally:
        redis.flushdb()
    assert answer["task_queue"] == "ok"
    assert 600 <= answer["oldest_queued_task_seconds"] < 900


def test_an_unreachable_redis_queue_is_reported(settings):
    use_redis(settings, f"redis://127.0.0.1:{closed_port()}/0")
    response = healthz()
    assert response.status_code == 200
    assert response.json() == {
        **ALL_OK,
        "status": "degraded",
        "task_queue": "unavailable",
        "oldest_queued_task_seconds": None,
    }
