import datetime
import logging
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from leads.models import TaskWorker

logger = logging.getLogger(__name__)


class WorkerStopped(Exception):
    """What a task failed of when its worker stopped while running it, every attempt."""


class Command(BaseCommand):
    help = (
        "Run the background worker: the emails of new leads (queue `default`) and the reading "
        "of CVs (queue `cvs`), from the database or, with TASKS_URL, from Redis. The Procfile "
        "runs one worker per queue (`worker`, `cvreader`)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue",
            choices=settings.TASK_QUEUES,
            help="Run this queue's tasks only (default: every queue).",
        )
        parser.add_argument(
            "--burst", action="store_true", help="Run the tasks that are due, then exit."
        )

    def handle(self, *, queue, burst, verbosity, **options):
        if settings.TASKS_URL:
            # In the order given: a worker of every queue takes the emails before the CVs. The
            # scheduler moves retries (tasks with a run_after) to their queue when they are due.
            # The lease is RQ's job heartbeat (settings.RQ's WORKER_CLASS, leads/tasks_rq.py).
            queues = [queue] if queue else settings.TASK_QUEUES
            args = [*queues, "--with-scheduler", *(["--burst"] if burst else [])]
            call_command("rqworker", *args, verbosity=verbosity)
            return
        worker_id = get_random_string(32)
        if count := requeue_abandoned_tasks():
            self.stderr.write(f"{count} task(s) left running by a stopped worker queued again.")
        if not burst:
            # A burst run (tests, a one-off) says nothing while it runs: a task of its that
            # takes longer than the lease may be run again by a long-running worker, which
            # its idempotence makes harmless.
            beat(worker_id)
            threading.Thread(target=keep_lease, args=[worker_id], daemon=True).start()
        args = ["--queue-name", queue or "*", "--worker-id", worker_id]
        args += ["--batch", "--no-startup-delay"] if burst else []
        call_command("db_worker", *args, verbosity=verbosity)


def keep_lease(worker_id):
    """Forever, in a thread beside the tasks (which may wait on a mail server for long): say
    that this worker is alive, and queue again the tasks of the workers that are not."""
    pause = settings.TASK_LEASE_SECONDS / 3
    while True:
        time.sleep(pause)
        try:
            close_old_connections()  # one dropped by the database is replaced
            beat(worker_id)
            requeue_abandoned_tasks()
        except Exception:  # the database away for a while: try again next time
            logger.exception("Could not renew the lease of worker %s", worker_id)
            connection.close()


def beat(worker_id):
    TaskWorker.objects.update_or_create(worker_id=worker_id, defaults={"seen_at": timezone.now()})


def requeue_abandoned_tasks():
    """Queue again each task of the database queue that is running, was started more than
    TASK_LEASE_SECONDS ago, and whose worker has not said it is alive for as long: that worker
    was killed (or lost its host). A task that has cost TASK_MAX_ATTEMPTS workers so fails
    instead (a CV that takes the worker's memory, say). Returns how many were queued again."""
    expired = timezone.now() - datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS)
    alive = set(TaskWorker.objects.filter(seen_at__gte=expired).values_list("pk", flat=True))
    running = DBTaskResult.objects.running().filter(started_at__lt=expired)
    requeued = 0
    for task in running.only("worker_ids", "started_at"):
        if task.worker_ids and task.worker_ids[-1] in alive:
            continue
        # Unless a worker took it meanwhile (its started_at then changed), or it ended.
        unchanged = DBTaskResult.objects.running().filter(pk=task.pk, started_at=task.started_at)
        if len(task.worker_ids) < settings.TASK_MAX_ATTEMPTS:
            requeued += unchanged.update(status=TaskResultStatus.READY)
        else:
            unchanged.update(
                status=TaskResultStatus.FAILED,
                finished_at=timezone.now(),
                exception_class_path=f"{__name__}.{WorkerStopped.__qualname__}",
                traceback=f"Its worker stopped while running it, {len(task.worker_ids)} times.",
            )
    TaskWorker.objects.filter(seen_at__lt=expired).delete()
    return requeued
