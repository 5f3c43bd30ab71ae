"""The side work of a lead (two emails, reading a CV) runs in the worker, never in a request: on
the database queue and on Redis (a real redis-server, started by scripts/with-redis).

These tests commit (transaction=True), as production does: the Redis queue gets its tasks once
the lead's transaction has committed. The worker runs in this process (`manage.py worker
--burst`), so that emails land in mail.outbox, or reach a real SMTP server where one is named.
"""

import datetime
import smtplib
import socket
import threading
import time
import types
import urllib.request

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bench.run import make_hostile_pdf  # the crafted PDF of the issue, as the bench sends it
from leads import lifecycle, notifications
from leads.cvs import text as cv_text
from leads.models import Activity, Erasure, Lead
from leads.tests.files import make_pdf

from .throwaway_servers import redis_url, use_redis

pytestmark = pytest.mark.django_db(transaction=True)

Kind = Activity.Kind
INTAKE = reverse("intake:form")


def form_data(n=0, **overrides):
    return {
        "first_name": "Amara",
        "last_name": "Okafor",
        "email": f"amara{n}@example.com",
        "resume": "Registered nurse, 6 years in intensive care.",
        **overrides,
    }


def api_data(n=0):
    data = form_data(n)
    return {name.upper(): value for name, value in data.items()}


@pytest.fixture(params=["database", "redis"])
def queue(request, settings):
    """The task queue of the test (the default database queue, or Redis); returns a function
    that runs the worker once: `manage.py worker --burst`, in this process."""
    if request.param == "redis":
        use_redis(settings, redis_url())
        import django_rq

        redis = django_rq.get_connection("default")
        redis.flushdb()
        request.addfinalizer(redis.flushdb)
    return lambda: call_command("worker", "--burst", verbosity=0)


@pytest.fixture
def hanging_mail_server(settings):
    """An SMTP server that accepts connections and never answers, as the mail settings' server.
    Returns the list of connections it accepted."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:  # closed at the end of the test
                return

    threading.Thread(target=accept, daemon=True).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = listener.getsockname()
    settings.EMAIL_TIMEOUT = 1
    yield accepted
    listener.close()
    for accepted_connection in accepted:
        accepted_connection.close()


@pytest.fixture
def mail_server(settings):
    """A real SMTP server (aiosmtpd) as the mail settings' server; returns the messages it
    received, as (recipients, raw message)."""
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            received.append((envelope.rcpt_tos, envelope.content))
            return "250 Message accepted"

    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield received
    controller.stop()


def test_the_form_and_the_api_answer_without_the_mail_server(queue, client, hanging_mail_server):
    response = client.post(INTAKE, form_data(1))
    assert response.status_code == 302
    response = client.post("/create", api_data(2), content_type="application/json")
    assert response.status_code == 202
    # Nobody has even connected to the mail server: the emails wait for the worker.
    assert hanging_mail_server == []
    assert Lead.objects.count() == 2


def test_the_worker_sends_each_email_once(queue, client):
    client.post(INTAKE, form_data(1))
    client.post("/create", api_data(2), content_type="application/json")
    assert mail.outbox == []

    queue()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "amara1@example.com",
        "amara2@example.com",
        "intake@firm.example",
        "intake@firm.example",
    ]
    queue()  # nothing left to do
    assert len(mail.outbox) == 4
    for lead in Lead.objects.all():
        sent = lead.activities.filter(kind=Kind.EMAIL_SENT).values_list("message", flat=True)
        assert sorted(sent) == ["Confirmation to the prospect", "Notification to the attorneys"]


def test_a_task_run_twice_sends_each_email_once(queue, client):
    from leads.tasks import send_new_lead_emails

    client.post(INTAKE, form_data())
    lead = Lead.objects.get()
    # As if the queue handed the same task out twice (a requeue, a retry after a lost answer).
    send_new_lead_emails.enqueue(lead.pk, "http://testserver/")
    queue()
    assert sorted(message.to[0] for message in mail.outbox) == [lead.email, "intake@firm.example"]
    assert lead.activities.filter(kind=Kind.EMAIL_SENT).count() == 2


def test_a_failing_email_is_retried_until_it_is_sent(queue, client, monkeypatch, settings):
    attempts = []
    real_send_mail = notifications.send_mail

    def flaky_send_mail(*args, **kwargs):
        attempts.append(args[3])
        if len(attempts) <= 3:
            raise smtplib.SMTPServerDisconnected("mail server restarting")
        return real_send_mail(*args, **kwargs)

    monkeypatch.setattr("leads.notifications.send_mail", flaky_send_mail)
    client.post(INTAKE, form_data())
    queue()
    lead = Lead.objects.get()
    assert len(attempts) == 5  # 3 failures, then the 2 emails
    assert len(mail.outbox) == 2
    assert lead.activities.filter(kind=Kind.EMAIL_SENT).count() == 2
    assert not lead.activities.filter(kind=Kind.EMAIL_FAILED).exists()


def test_an_email_that_keeps_failing_is_recorded_after_the_last_attempt(
    queue, client, monkeypatch, settings
):
    settings.TASK_MAX_ATTEMPTS = 3
    attempts = []

    def broken_send_mail(*args, **kwargs):
        attempts.append(args[3])
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("leads.notifications.send_mail", broken_send_mail)
    client.post(INTAKE, form_data())
    queue()
    lead = Lead.objects.get()
    assert len(attempts) == 6  # 3 attempts for each email
    failures = lead.activities.filter(kind=Kind.EMAIL_FAILED).values_list("message", flat=True)
    assert sorted(failures) == [
        "Confirmation to the prospect (after 3 attempts)",
        "Notification to the attorneys (after 3 attempts)",
    ]


def test_emails_queued_while_the_worker_is_stopped_are_sent_once_it_starts(
    queue, client, mail_server
):
    for n in range(5):
        assert client.post(INTAKE, form_data(n)).status_code == 302
    assert mail_server == []  # no worker: nothing sent, nothing lost

    queue()  # the worker starts
    recipients = sorted(rcpt for rcpt_tos, _ in mail_server for rcpt in rcpt_tos)
    assert recipients == sorted(
        [f"amara{n}@example.com" for n in range(5)] + ["intake@firm.example"] * 5
    )
    queue()  # and again, say after a restart
    assert len(mail_server) == 10


def test_a_cv_becomes_searchable_after_the_worker_runs(queue, client, admin_client):
    cv = SimpleUploadedFile("cv.pdf", make_pdf("Intensive care at Lagos University Hospital"))
    response = client.post(INTAKE, form_data(resume="", cv=cv))
    assert response.status_code == 302
    assert admin_client.get("/get", {"search": "lagos"}).json()["count"] == 0

    queue()
    results = admin_client.get("/get", {"search": "lagos"}).json()["results"]
    assert [lead["EMAIL"] for lead in results] == ["amara0@example.com"]
    queue()  # read once
    assert Lead.objects.get().cv_text == " intensive care at lagos university hospital "


def test_the_emails_do_not_wait_for_the_cvs(queue, client):
    cv = SimpleUploadedFile("cv.pdf", make_pdf("Welder in Porto"))
    client.post(INTAKE, form_data(resume="", cv=cv))
    # The Procfile's two workers: `worker` sends the emails, `cvreader` reads the CVs, so that
    # slow or hostile files queued ahead never hold up a prospect's confirmation.
    call_command("worker", "--burst", "--queue", "default", verbosity=0)
    assert len(mail.outbox) == 2
    assert Lead.objects.get().cv_text == ""
    call_command("worker", "--burst", "--queue", "cvs", verbosity=0)
    assert Lead.objects.get().cv_text == " welder in porto "


def test_an_erased_lead_gets_no_email_and_no_cv_reading(queue, client):
    cv = SimpleUploadedFile("cv.pdf", make_pdf("Never read"))
    client.post(INTAKE, form_data(cv=cv))
    Lead.objects.get().delete()
    queue()
    assert mail.outbox == []
    assert not Activity.objects.exists()


def test_a_hostile_pdf_costs_the_worker_not_the_web(live_server, monkeypatch, run_worker):
    monkeypatch.setattr(cv_text, "TIME_LIMIT_SECONDS", 4)
    readings = []
    real_extract = cv_text.extract_cv_text
    monkeypatch.setattr(
        "leads.tasks.extract_cv_text",
        lambda *args: readings.append(threading.current_thread().name) or real_extract(*args),
    )
    hostile = make_hostile_pdf()
    assert len(hostile) < 12_000

    upload = multipart(live_server.url + "/create", api_data(), "cv.pdf", hostile)
    with urllib.request.urlopen(upload, timeout=30) as response:
        assert response.status == 202
    assert readings == []  # the request only stored it

    # While the worker (this thread) reads the PDF, the site answers.
    answers = []

    reading = DBTaskResult.objects.filter(task_path="leads.tasks.read_cv")

    def visit_home_page_while_the_worker_reads():
        try:
            deadline = time.monotonic() + 60
            while not reading.filter(status="RUNNING").exists():
                assert time.monotonic() < deadline, "the worker never started reading the CV"
                time.sleep(0.05)
            with urllib.request.urlopen(live_server.url + "/", timeout=30) as home:
                answers.append((home.status, reading.get().status))
        finally:
            connection.close()  # this thread's

    visitor = threading.Thread(target=visit_home_page_while_the_worker_reads)
    visitor.start()
    run_worker()
    visitor.join(timeout=60)
    assert answers == [(200, "RUNNING")]
    unreadable = Activity.objects.get(kind=Kind.CV_UNREADABLE)
    assert unreadable.message == "Reading the CV took too long, so its text was not kept."


def multipart(url, fields, filename, content):
    boundary = "leads-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="CV"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return urllib.request.Request(
        url, data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )


HOUR = datetime.timedelta(hours=1)


def broken_send_mail(*args, **kwargs):
    raise ConnectionRefusedError("mail server down")


@pytest.fixture
def mail_outage(monkeypatch):
    """The mail server refuses every email until the test sets `outage.over = True`."""
    outage = types.SimpleNamespace(over=False)
    real_send_mail = notifications.send_mail

    def send_mail(*args, **kwargs):
        if not outage.over:
            raise ConnectionRefusedError("mail server down")
        return real_send_mail(*args, **kwargs)

    monkeypatch.setattr("leads.notifications.send_mail", send_mail)
    return outage


def test_attorneys_see_failed_tasks_and_run_them_again(
    client, attorney_client, run_worker, mail_outage, settings
):
    settings.TASK_MAX_ATTEMPTS = 2
    client.post(INTAKE, form_data())
    run_worker()
    changelist = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    page = attorney_client.get(changelist, {"status__exact": "FAILED"})
    assert page.status_code == 200
    failed = list(page.context["cl"].queryset)
    assert [result.task_name for result in failed] == ["send_new_lead_emails"]

    mail_outage.over = True
    response = attorney_client.post(
        changelist, {"action": "run_again", "_selected_action": [result.pk for result in failed]}
    )
    assert response.status_code == 302
    run_worker()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "amara0@example.com",
        "intake@firm.example",
    ]
    lead = Lead.objects.get()
    assert lead.activities.filter(kind=Kind.EMAIL_SENT).count() == 2
    assert lead.activities.filter(kind=Kind.EMAIL_FAILED).count() == 2  # the history stays


def test_a_failed_task_waits_before_its_next_attempt(queue, client, mail_outage, settings):
    settings.TASK_RETRY_SECONDS = 30
    client.post(INTAKE, form_data())
    queue()  # the first attempts fail; the next ones are due in 30 s
    mail_outage.over = True
    queue()
    assert mail.outbox == []
    if settings.TASKS_URL:
        import django_rq

        assert django_rq.get_queue("default").scheduled_job_registry.count == 1
    else:
        retries = DBTaskResult.objects.filter(status="READY")
        assert retries.count() == 1
        for retry in retries:
            assert 25 < (retry.run_after - timezone.now()).total_seconds() <= 30
        retries.update(run_after=timezone.now())  # 30 s later
        queue()
        assert len(mail.outbox) == 2


def test_with_redis_unreachable_a_submission_is_still_stored(client, settings, caplog):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        closed_port = probe.getsockname()[1]
    use_redis(settings, f"redis://127.0.0.1:{closed_port}/0")
    response = client.post(INTAKE, form_data())
    assert response.status_code == 302
    assert Lead.objects.filter(email="amara0@example.com").exists()
    assert "Could not queue send_new_lead_emails" in caplog.text


def test_a_task_left_running_by_a_stopped_worker_runs_again(client, run_worker):
    client.post(INTAKE, form_data())
    # A worker took the tasks an hour ago, and was killed.
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now() - HOUR)
    run_worker()
    assert len(mail.outbox) == 2
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_a_failed_task_is_run_again_once_however_often_attorneys_ask(
    client, attorney_client, run_worker, monkeypatch, settings
):
    settings.TASK_MAX_ATTEMPTS = 1
    monkeypatch.setattr("leads.notifications.send_mail", broken_send_mail)
    client.post(INTAKE, form_data())
    run_worker()
    failed = [result.pk for result in DBTaskResult.objects.filter(status="FAILED")]
    changelist = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    for _ in range(2):  # a double click
        attorney_client.post(changelist, {"action": "run_again", "_selected_action": failed})
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_a_lead_erased_while_its_emails_fail_leaves_no_error_naming_it(
    client, run_worker, monkeypatch, settings
):
    settings.TASK_MAX_ATTEMPTS = 1
    client.post(INTAKE, form_data())
    lead = Lead.objects.get()

    def refused_while_erased(*args, **kwargs):
        lifecycle.erase_lead(lead.pk, actor=None, reason=Erasure.Reason.REQUEST)
        raise smtplib.SMTPRecipientsRefused({"amara0@example.com": (550, b"No such user")})

    monkeypatch.setattr("leads.notifications.send_mail", refused_while_erased)
    run_worker()

    [result] = DBTaskResult.objects.filter(task_path="leads.tasks.send_new_lead_emails")
    assert result.status == "SUCCESSFUL"
    assert "amara0@example.com" not in str(result.traceback) + str(result.return_value)
