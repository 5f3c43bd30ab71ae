import datetime

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

# A task of the database queue still running after this long was left by a worker that died
# (killed, out of memory, its host lost): no task takes more than a minute. Tasks are
# idempotent, so it is queued again. (RQ does the same for its own jobs.)
ABANDONED_AFTER = datetime.timedelta(minutes=15)


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
            queues = [queue] if queue else settings.TASK_QUEUES
            args = [*queues, "--with-scheduler", *(["--burst"] if burst else [])]
            call_command("rqworker", *args, verbosity=verbosity)
            return
        abandoned = DBTaskResult.objects.running().filter(
            started_at__lt=timezone.now() - ABANDONED_AFTER
        )
        if count := abandoned.update(status=TaskResultStatus.READY):
            self.stderr.write(f"{count} task(s) left running by a stopped worker queued again.")
        args = ["--queue-name", queue or "*", *(["--batch", "--no-startup-delay"] if burst else [])]
        call_command("db_worker", *args, verbosity=verbosity)
