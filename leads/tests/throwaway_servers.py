"""The servers that scripts/with-redis and scripts/with-s3 start beside the tests."""

import os

import pytest


def throwaway_server_url(variable, script):
    """The address that `script` (e.g. scripts/with-redis) gives the tests in `variable`. Without
    it the test is skipped, saying why; under CI=true it fails instead."""
    url = os.environ.get(variable)
    if not url:
        message = f"{variable} is not set: run the tests with {script} (make test)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1... under `pytest -n`
    if worker and url.startswith("redis://"):
        # Each test process empties a Redis database of its own, not the one its neighbour uses.
        url = f"{url.rsplit('/', 1)[0]}/{int(worker.removeprefix('gw'))}"
    return url


def use_redis(settings, url):
    """What settings.py does for TASKS_URL=url."""
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django_rq", "django_tasks_rq"]
    settings.TASKS_URL = url
    queues = settings.TASK_QUEUES
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": queues}}
    settings.RQ_QUEUES = {queue: {"URL": url} for queue in queues}
    # Jobs run in the worker's own process (no work horse per job), as with the database.
    settings.RQ = {**settings.RQ, "WORKER_CLASS": "rq.worker.SimpleWorker"}


def redis_url():
    return throwaway_server_url("TEST_REDIS_URL", "scripts/with-redis")
