"""The Redis queue (settings.TASKS_URL, django-tasks-rq on RQ) with the database queue's lease:
a job whose worker dies (kill -9, out of memory, its host lost) runs again, TASK_MAX_ATTEMPTS
times in all. settings.RQ names these classes.

RQ does the work itself: a worker renews its job's heartbeat every third of TASK_LEASE_SECONDS,
and a worker's maintenance (every TASK_LEASE_SECONDS, and when it starts) retries a job whose
heartbeat is older than that (StartedJobRegistry.cleanup), as it retries a job whose work horse
died, if the job has retries left. A task that raises is not retried by RQ: the tasks retry
themselves, later (leads/tasks.py, retry_later())."""

import django_rq.queues
import rq
from django.conf import settings
from django_tasks_rq import Job as TaskJob


class Queue(django_rq.queues.DjangoRQ):
    def create_job(self, *args, retry=None, **kwargs):
        if retry is None and settings.TASK_MAX_ATTEMPTS > 1:
            retry = rq.Retry(max=settings.TASK_MAX_ATTEMPTS - 1)
        return super().create_job(*args, retry=retry, **kwargs)


class Job(TaskJob):
    def _execute(self):
        try:
            return super()._execute()
        except Exception:  # the task failed (or timed out), its worker did not die
            self.retries_left = 0
            raise


class Worker(rq.Worker):
    def __init__(self, *args, **kwargs):
        lease = settings.TASK_LEASE_SECONDS
        kwargs.setdefault("maintenance_interval", lease)
        kwargs.setdefault("job_monitoring_interval", max(lease // 3, 1))
        super().__init__(*args, **kwargs)

    @property
    def dequeue_timeout(self):
        # An idle worker waits that long for a job, then does its maintenance if due.
        return settings.TASK_LEASE_SECONDS

    def get_heartbeat_ttl(self, job, working_time=0.0):
        return settings.TASK_LEASE_SECONDS
