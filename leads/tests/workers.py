"""Real `manage.py worker` processes on the test database, for the tests of a worker killed in
the middle of its task (test_task_lease*.py); the SMTP server they send to is conftest.py's
`mail_server`."""

import os
import secrets
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PROSPECT = "amara@example.com"
ATTORNEYS = "intake@firm.example"
WAIT_SECONDS = 40  # a bound for a broken worker, never a measure: the tests' leases are seconds


@contextmanager
def worker_processes(mail_server, tmp_path, **env):
    """A function that starts a `manage.py worker` of the `default` queue, on the test database,
    sending to `mail_server`, with the settings `env` (the lease, TASKS_URL...); each started
    one is stopped (SIGTERM) at the end."""
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
        **env,
    }

    def start():
        log = open(tmp_path / f"worker-{len(processes)}.log", "w")  # noqa: SIM115 (closed below)
        command = [sys.executable, "manage.py", "worker", "--queue", "default"]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        processes.append((process, log))
        return process

    try:
        yield start
    finally:
        for process, log in processes:
            process.terminate()  # on RQ, a warm shutdown: the job running, if any, ends first
            process.wait(timeout=WAIT_SECONDS)
            log.close()


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
