"""A worker killed (kill -9) in the middle of sending a lead's emails, as systemd's
`Restart=always` then starts another at once: real `manage.py worker` processes on the test
database, and a real SMTP server."""

import signal

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from leads.management.commands.worker import requeue_abandoned_tasks
from leads.models import Activity, Lead, TaskWorker

from .workers import ATTORNEYS, PROSPECT, WAIT_SECONDS, form_data, wait_until, worker_processes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def start_worker(mail_server, tmp_path):
    """Starts `manage.py worker` processes on the test database, with a lease of 2 s."""
    with worker_processes(mail_server, tmp_path, TASK_LEASE_SECONDS="2") as start:
        yield start


def test_tasks_of_a_killed_worker_run_again_and_send_each_email_once(
    client, mail_server, start_worker
):
    client.post(reverse("intake:form"), form_data())
    killed = start_worker()
    assert mail_server.hanging.wait(WAIT_SECONDS), "the worker never sent the first email"
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    start_worker()  # at once, as Restart=always does

    task = DBTaskResult.objects.get()
    wait_until(lambda: task.refresh_from_db() or task.status == "SUCCESSFUL")
    recipients = sorted(rcpt for rcpt, _ in mail_server.received)
    assert recipients == [[PROSPECT], [ATTORNEYS]]
    # The copy the server never took and the one it took are the same message.
    [(hung_rcpt, hung)] = mail_server.hung
    [prospects] = [message for rcpt, message in mail_server.received if rcpt == [PROSPECT]]
    assert hung_rcpt == [PROSPECT]
    assert prospects["Message-ID"] == hung["Message-ID"]
    lead = Lead.objects.get()
    sent = Activity.objects.filter(lead=lead, kind=Activity.Kind.EMAIL_SENT)
    assert sent.count() == 2
    assert len(task.worker_ids) == 2


def test_a_task_whose_worker_is_alive_is_left_running(client):
    client.post(reverse("intake:form"), form_data())
    DBTaskResult.objects.update(status="RUNNING", started_at="2026-01-01T00:00Z", worker_ids=["a"])
    TaskWorker.objects.create(worker_id="a", seen_at="2999-01-01T00:00Z")
    assert requeue_abandoned_tasks() == 0
    assert DBTaskResult.objects.get().status == "RUNNING"


def test_a_task_that_keeps_killing_its_workers_fails(client, settings):
    client.post(reverse("intake:form"), form_data())
    workers = [f"w{n}" for n in range(settings.TASK_MAX_ATTEMPTS)]
    DBTaskResult.objects.update(
        status="RUNNING", started_at="2026-01-01T00:00Z", worker_ids=workers
    )
    assert requeue_abandoned_tasks() == 0
    task = DBTaskResult.objects.get()
    assert task.status == "FAILED"
    stopped = f"Its worker stopped while running it, {len(workers)} times."
    assert task.task_result.errors[0].traceback == stopped
