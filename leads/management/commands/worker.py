from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run the background worker: the emails of new leads and the reading of CVs "
        "(leads/tasks.py), from the database queue or, with TASKS_URL, from Redis. "
        "The Procfile's `worker` process."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--burst", action="store_true", help="Run the tasks that are due, then exit."
        )

    def handle(self, *, burst, verbosity, **options):
        if settings.TASKS_URL:
            # The scheduler moves retries (tasks with a run_after) to the queue when they are due.
            args = ["default", "--with-scheduler", *(["--burst"] if burst else [])]
            call_command("rqworker", *args, verbosity=verbosity)
        else:
            args = ["--queue-name", "*", *(["--batch", "--no-startup-delay"] if burst else [])]
            call_command("db_worker", *args, verbosity=verbosity)
