"""A worker killed (kill -9) in the middle of sending a lead's emails, as systemd's
`Restart=always` then starts another at once: real `manage.py worker` processes on the test
database, and a real SMTP server."""

import asyncio
import email
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from leads.management.commands.worker import requeue_abandoned_tasks
from leads.models import Activity, Lead, TaskWorker

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
PROSPECT = "amara@example.com"
ATTORNEYS = "intake@firm.example"
WAIT_SECONDS = 40  # a bound for a broken worker, never a measure: the lease below is 2 s


@pytest.fixture
def mail_server():
    """An SMTP server (aiosmtpd) that takes the whole of the first message, then never answers
    it (as a server that hangs on DATA), and accepts the others. Returns its port, the first
    message (`hung`, set once it hangs) and the messages it accepted."""
    from aiosmtpd.controller import Controller

    server = type("MailServer", (), {})()
    server.hung, server.received, server.hanging = [], [], threading.Event()
    released = threading.Event()

    class Handler:
        async def handle_DATA(self, smtp, session, envelope):  # noqa: N802 (aiosmtpd's name)
            message = (envelope.rcpt_tos, email.message_from_bytes(envelope.content))
            if not server.hung:
                server.hung.append(message)
                server.hanging.set()
                while not released.is_set():
                    await asyncio.sleep(0.1)
                return "451 Never answered"
            server.received.append(message)
            return "250 Message accepted"

    with socket.create_server(("127.0.0.1", 0)) as probe:
        server.port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=server.port)
    controller.start()
    yield server
    released.set()
    controller.stop()


@pytest.fixture
def start_worker(mail_server, tmp_path):
    """Starts `manage.py worker` processes on the test database, with a lease of 2 s."""
    processes = []
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_"))},
        "DJANGO_SETTINGS_MODULE": "leads_dashboard.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": worker_database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{mail_server.port}",
        "EMAIL_TIMEOUT": str(WAIT_SECONDS),
        "ATTORNEY_EMAIL": ATTORNEYS,
        "CV_ROOT": str(tmp_path / "cvs"),
        "TASK_LEASE_SECONDS": "2",
    }

    def start():
        log = open(tmp_path / f"worker-{len(processes)}.log", "w")  # noqa: SIM115 (closed below)
        command = [sys.executable, "manage.py", "worker", "--queue", "default"]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        processes.append((process, log))
        return process

    yield start
    for process, log in processes:
        process.terminate()
        process.wait(timeout=WAIT_SECONDS)
        log.close()


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


def form_data():
    return {
        "first_name": "Amara",
        "last_name": "Okafor",
        "email": PROSPECT,
        "resume": "Registered nurse, 6 years in intensive care.",
    }


def worker_database_url():
    """The test database (pytest-django's) as a DATABASE_URL, for the worker processes."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    user = urllib.parse.quote(db["USER"])
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def wait_until(condition):
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "the worker never finished the task"
        time.sleep(0.1)
