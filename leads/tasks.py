"""The side work of a lead, done by the worker (`manage.py worker`), never in a request: the two
emails of a new lead (one task for both, so that a submission queues one task fewer), the two
of a prospect's second submission for a known email address (models.Resubmission), and reading
the words of a CV for search (on the "cvs" queue, which the Procfile's `cvreader` runs).

These are tasks of Django's Tasks API (the django-tasks backport: on Django 6 only the imports
change), queued in the database by default or in Redis (settings.TASKS_URL). leads/lifecycle.py
queues them.

Each task is idempotent: its outcome is recorded in the lead's history under a key the lead can
have once (Activity.key), and a task that finds its outcome recorded does nothing. A task run
twice (a retry, a "Run again" from the admin) sends one email and stores the text once. A
task whose worker dies is queued again once the worker's lease ends (manage.py worker); an
email is recorded as soon as the mail server took it, and each copy of it has one Message-ID
(notifications.message_id()), so only a worker dying in the moment between the two sends it
twice, recognisably.

A task that fails is queued again after a growing delay (retry_later()), TASK_MAX_ATTEMPTS times
in all. After the last attempt the failure goes in the lead's history and the task ends FAILED,
with its traceback, in the admin (Task results), which can run it again.
"""

import datetime
import logging
from functools import partial

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db import DatabaseBackend

from . import history
from .cvs.text import CVTextError, extract_cv_text
from .models import Activity, Lead, Resubmission
from .notifications import NEW_LEAD_EMAILS, RESUBMISSION_EMAILS, send_lead_email
from .search import cv_search_text

logger = logging.getLogger(__name__)


@task()
def send_new_lead_emails(lead_id, site_url, attempt=1):
    """Send each email of notifications.NEW_LEAD_EMAILS about lead `lead_id` that is not sent
    yet; if one fails, the task is tried again for the ones not sent."""
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return "Not sent: the lead was deleted."
    retry = partial(retry_later, send_new_lead_emails, attempt, lead_id, site_url)
    return _send_emails(lead, NEW_LEAD_EMAILS, "", site_url, {}, attempt, retry)


@task()
def send_resubmission_emails(resubmission_id, site_url, attempt=1):
    """Send each email of notifications.RESUBMISSION_EMAILS about a prospect's second submission
    (models.Resubmission) that is not sent yet, retried like send_new_lead_emails()."""
    resubmission = Resubmission.objects.select_related("lead").filter(pk=resubmission_id).first()
    if resubmission is None:
        return "Not sent: the lead was deleted."
    retry = partial(retry_later, send_resubmission_emails, attempt, resubmission_id, site_url)
    context = {"resubmission": resubmission}
    key_suffix = f":{resubmission_id}"  # each submission gets its emails
    return _send_emails(
        resubmission.lead, RESUBMISSION_EMAILS, key_suffix, site_url, context, attempt, retry
    )


def _send_emails(lead, emails, key_suffix, site_url, context, attempt, retry):
    failures = {}
    for name, description in emails.items():
        key = f"email:{name}{key_suffix}"
        # Asked just before each email: another run of this task (a requeue of a task whose
        # worker was silent for the lease, but alive) may have sent it meanwhile.
        if history.recorded(lead.pk, key):
            continue
        try:
            send_lead_email(name, lead, site_url, key, **context)
        except Exception as error:  # the mail server: refused, timed out, unknown, ...
            failures[description] = error
        else:
            history.record_outcome(lead.pk, Activity.Kind.EMAIL_SENT, description, key=key)
    if not failures:
        return "Sent."
    if not Lead.objects.filter(pk=lead.pk).exists():
        # Erased while its emails were tried: no retry, and no error kept with this task (an
        # SMTP error can name the address).
        return "Not sent: the lead was deleted."
    errors = ", ".join(sorted({type(error).__name__ for error in failures.values()}))
    if retry():
        return f"Attempt {attempt}: {len(failures)} email(s) not sent ({errors}); queued again."
    for description in failures:
        message = f"{description} (after {attempt} attempts)"
        history.record_outcome(lead.pk, Activity.Kind.EMAIL_FAILED, message)
    raise next(iter(failures.values()))


CV_READ = "Read."


# On a queue of its own: a CV can take the worker 10 s, and anyone can upload one.
@task(queue_name="cvs")
def read_cv(lead_id, cv_name, attempt=1):
    """Store the words of the lead's CV `cv_name` for search (Lead.cv_text). A CV that cannot be
    read (damaged, password-protected, too slow to read) stays, and the lead's history says why.
    Returns CV_READ, or why the words were not stored."""
    # Unless the CV was replaced or removed since, or the lead deleted.
    lead = Lead.objects.filter(pk=lead_id, cv=cv_name).only("cv", "cv_text").first()
    if lead is None:
        return "Not read: the CV or its lead is gone."
    key = f"cv:{cv_name}"
    if lead.cv_text:
        return "Already read."
    if history.recorded(lead_id, key):
        return "Already found unreadable."
    try:
        with lead.cv.storage.open(cv_name, "rb") as cv:
            words = cv_search_text(extract_cv_text(cv, cv_name))
    except (CVTextError, FileNotFoundError) as error:
        reason = str(error) if isinstance(error, CVTextError) else "The CV file is missing."
        history.record_outcome(lead_id, Activity.Kind.CV_UNREADABLE, reason, key=key)
        return reason
    # The storage, not the file, worth another try: the disk, or object storage (CV_BUCKET),
    # whose errors are botocore's (a missing object is FileNotFoundError, above).
    except (OSError, BotoCoreError, ClientError) as error:
        if retry_later(read_cv, attempt, lead_id, cv_name):
            return f"Attempt {attempt} failed ({type(error).__name__}); queued again."
        raise
    Lead.objects.filter(pk=lead_id, cv=cv_name).update(cv_text=words)
    return CV_READ


@task()
def delete_held_cv(name):
    """Delete a CV held for a prospect's next try (leads/cvs/held.py) once it has expired."""
    Lead._meta.get_field("cv").storage.delete(name)
    return "Deleted."


def enqueue_with_lead(task, *args):
    """Queue `task` as part of the caller's transaction. The database queue stores it in that
    transaction, so it is queued if and only if the lead's change commits (and a worker cannot
    see it before). Another queue (Redis) gets it once the transaction has committed; if that
    queue cannot be reached then, the lead stays stored and the error is logged."""
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(partial(_enqueue_or_log, task, *args))


def _enqueue_or_log(task, *args):
    # After the commit: an exception here would answer 500 for a lead that is stored (and the
    # prospect's second try would be refused as a duplicate), and skip the tasks after it.
    try:
        task.enqueue(*args)
    except Exception:
        logger.exception(
            "Could not queue %s%r: the side work of this lead is lost", task.name, args
        )


def retry_later(task, attempt, *args):
    """Queue `task` with `args` again for attempt number `attempt + 1`, after a delay that grows
    4 times each attempt; False, queueing nothing, once it has had TASK_MAX_ATTEMPTS."""
    if attempt >= settings.TASK_MAX_ATTEMPTS:
        return False
    delay = settings.TASK_RETRY_SECONDS * 4 ** (attempt - 1)
    if delay:
        task = task.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    task.enqueue(*args, attempt=attempt + 1)
    return True
