"""test_task_lease.py's worker killed with kill -9 mid-send, on the Redis queue (TASKS_URL):
real `manage.py worker` processes (RQ's, each with a work horse per job), one killed with its
horse (as its host lost), another started at once. Runs under scripts/with-redis."""

import os
import signal
from pathlib import Path

import django_rq
import pytest
from django.urls import reverse
from django_tasks import default_task_backend

from leads.models import Activity, Lead

from .throwaway_servers import redis_url, use_redis
from .workers import (
    ATTORNEYS,
    PROSPECT,
    WAIT_SECONDS,
    form_data,
    wait_until,
    worker_processes,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis(settings):
    url = redis_url()
    use_redis(settings, url)
    redis = django_rq.get_connection("default")
    redis.flushdb()
    yield url
    redis.flushdb()


@pytest.fixture
def start_worker(mail_server, redis, tmp_path):
    """Starts `manage.py worker` processes on the test database and Redis, with a lease of
    3 s."""
    with worker_processes(mail_server, tmp_path, TASKS_URL=redis, TASK_LEASE_SECONDS="3") as start:
        yield start


def test_a_job_of_a_killed_worker_runs_again_and_sends_each_email_once(
    client,
    mail_server,
    start_worker,
):
    client.post(reverse("intake:form"), form_data())
    [job_id] = django_rq.get_queue("default").get_job_ids()
    killed = start_worker()
    assert mail_server.hanging.wait(WAIT_SECONDS), "the worker never sent the first email"
    # Its host lost: the worker killed, and its work horse and scheduler (processes of their
    # own, which outlive it) with it.
    children = Path(f"/proc/{killed.pid}/task/{killed.pid}/children").read_text().split()
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    for child in children:
        os.kill(int(child), signal.SIGKILL)
    start_worker()  # at once, as Restart=always does

    wait_until(lambda: default_task_backend.get_result(job_id).status == "SUCCESSFUL")
    recipients = sorted(rcpt for rcpt, _ in mail_server.received)
    assert recipients == [[PROSPECT], [ATTORNEYS]]
    [(hung_rcpt, hung)] = mail_server.hung
    [prospects] = [message for rcpt, message in mail_server.received if rcpt == [PROSPECT]]
    assert hung_rcpt == [PROSPECT]
    assert prospects["Message-ID"] == hung["Message-ID"]
    sent = Activity.objects.filter(lead=Lead.objects.get(), kind=Activity.Kind.EMAIL_SENT)
    assert sent.count() == 2
    assert default_task_backend.get_result(job_id).errors == []
