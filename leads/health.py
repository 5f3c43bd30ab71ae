"""GET /healthz, for load balancers and uptime checks (docs/operations.md, "Health check").

django-health-check runs the checks (each with a time limit, every exception caught and logged);
its Database check and a CV-storage variant of its Storage check are used as they are, the cache
and the task queue have checks of their own below. The answer is ours: JSON naming each
component "ok" or "unavailable", never an error's text (a database or mail error can name a
person), the age of the task that has waited longest, and 503 only when the database is
unreachable: without it no page works, while the others fail one feature at a time.
"""

import asyncio
import contextlib
import dataclasses
import uuid
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from django.core.cache import caches
from django.db import connections
from django.db.models import Case, F, Min, When
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max
from health_check.base import HealthCheck
from health_check.checks import Database, Storage
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


class _OwnConnection:
    """A check run in a thread of its own (every check here is sync: see HealthView), on a
    database connection of its own, closed when it is done."""

    def run(self):
        try:
            self.check()
        finally:
            connections.close_all()


@dataclasses.dataclass
class Cache(_OwnConnection, HealthCheck):
    """The cache stores, reads and deletes a value. (django-health-check's Cache check leaves its
    key to expire: in the database cache, the default, a row per probe until the table's cull.)"""

    alias: str = "default"

    def check(self):
        cache = caches[self.alias]
        key = f"healthz:{uuid.uuid4().hex}"
        cache.set(key, "ok", timeout=60)
        try:
            if cache.get(key) != "ok":
                raise ServiceUnavailable("The value read back is not the one stored.")
        finally:
            cache.delete(key)


@dataclasses.dataclass
class CVStorage(Storage):
    """The CVs' storage (STORAGES["cvs"]: the folder or the bucket) saves, reads and deletes a
    file; at the top level, so that no empty folder of probes is left among the CVs."""

    alias: str = "cvs"

    def get_file_name(self):
        return f"healthz-{uuid.uuid4().hex}.txt"


@dataclasses.dataclass
class TaskQueue(_OwnConnection, HealthCheck):
    """The task queue (the database's, or Redis with TASKS_URL) answers, and how long the task
    that has waited longest for a worker has waited, in seconds (0 when none waits): a stopped
    worker shows here before anyone misses an email."""

    oldest_queued_seconds: int | None = dataclasses.field(default=None, init=False, repr=False)

    def check(self):
        backend = task_backends["default"]
        if isinstance(backend, DatabaseBackend):
            since = _waiting_since_in_database()
        else:
            since = _waiting_since_in_redis(backend.queues)
        age = (timezone.now() - since).total_seconds() if since else 0
        self.oldest_queued_seconds = max(0, int(age))


def _waiting_since_in_database():
    # A task waits from when it was queued, a retry (run_after, leads.tasks.retry_later) from
    # when it fell due; ready() leaves out the retries not due yet.
    since = Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
    return DBTaskResult.objects.ready().aggregate(since=Min(since))["since"]


def _waiting_since_in_redis(queue_names):
    import django_rq  # installed with TASKS_URL only (settings.py)

    times = []
    for name in queue_names:
        queue = django_rq.get_queue(name)
        # Workers take jobs from the head; RQ's scheduler puts retries there once they are due,
        # stamped with that time.
        head = next(iter(queue.get_job_ids(0, 1)), None)
        job = queue.fetch_job(head) if head else None
        if job is not None and job.enqueued_at is not None:
            times.append(job.enqueued_at)
    return min(times, default=None)


COMPONENTS = {
    "database": Database,
    "cache": Cache,
    "cv_storage": CVStorage,
    "task_queue": TaskQueue,
}


@contextlib.contextmanager
def _abandoned_on_exit(executor):
    """The checks' threads, not waited for once the answer is ready: a check past its time limit
    (5 s: a database, Redis or bucket that never answers) must not hold the answer back. So every
    check is sync, run in one of these threads; an async check would run its queries in the
    request's thread, which cannot be abandoned."""
    try:
        yield executor
    finally:
        executor.shutdown(wait=False)


class HealthView(HealthCheckView):
    checks = COMPONENTS.values()
    http_method_names = ["get", "head", "options"]

    def get_executor(self):
        return _abandoned_on_exit(ThreadPoolExecutor(thread_name_prefix="healthz"))

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks())
            )
        states = {
            name: "unavailable" if result.error else "ok"
            for name, result in zip(COMPONENTS, results, strict=True)
        }
        queue = next(result.check for result in results if isinstance(result.check, TaskQueue))
        if states["database"] != "ok":
            status, overall = 503, "unavailable"
        else:
            status = 200
            overall = "ok" if set(states.values()) == {"ok"} else "degraded"
        answer = {"status": overall, **states}
        answer["oldest_queued_task_seconds"] = queue.oldest_queued_seconds
        return JsonResponse(answer, status=status)


health = HealthView.as_view()


class HealthCheckMiddleware:
    """Answer /healthz before CommonMiddleware checks the Host header against ALLOWED_HOSTS: a
    load balancer probes each app host by its address (AWS's sends `Host: 10.0.3.7:8000`), which
    ALLOWED_HOSTS does not list, and the probe would get a 400 and log an error every time. The
    answer builds no link from the Host, so any Host is safe here. Placed after
    SecurityMiddleware (its headers; /healthz is SECURE_REDIRECT_EXEMPT) and CSPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.path = None  # /healthz, reversed once (this runs for every request)

    def __call__(self, request):
        if self.path is None:
            self.path = reverse("healthz")
        if request.path == self.path:
            return async_to_sync(health)(request)
        return self.get_response(request)
