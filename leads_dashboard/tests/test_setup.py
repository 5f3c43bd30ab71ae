"""What a newcomer or a deploy recipe types first works: `manage.py migrate` alone, and
`manage.py runserver` without DEBUG=true; settings that would run the site unsafely stop it."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from leads.models import Lead


@pytest.mark.django_db(transaction=True)
def test_migrate_alone_creates_the_cache_table(client):
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE cache_entries")
    executor = MigrationExecutor(connection)
    executor.migrate([("leads", "0007_task_outcome_keys")])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # as `manage.py migrate` does

    assert "cache_entries" in connection.introspection.table_names()
    data = {"first_name": "Ana", "last_name": "Lima", "email": "ana@example.com", "resume": "CV"}
    settings.INTAKE_RATE_LIMIT = "5/m"  # the limit's counters live in that table
    response = client.post(reverse("intake:form"), data)
    assert response.status_code == 302
    assert Lead.objects.filter(email="ana@example.com").exists()


def production_env():
    """This process's environment, less what the tests' settings add: the production settings
    with DEBUG and SECRET_KEY unset."""
    unset = {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    return {key: value for key, value in os.environ.items() if key not in unset}


def manage_check(tmp_path, **env):
    """`manage.py check` with the production settings and `env`: (exit status, stderr)."""
    env = {**production_env(), "SQLITE_PATH": str(tmp_path / "db.sqlite3"), **env}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stderr


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    status, errors = manage_check(tmp_path, DEBUG="false")
    assert status == 1
    assert "ImproperlyConfigured: SECRET_KEY is not set" in errors


def test_it_starts_without_a_secret_key_in_development(tmp_path):
    status, errors = manage_check(tmp_path, DEBUG="true")
    assert (status, errors) == (0, "")


@pytest.mark.parametrize("name", ["DEBUG", "HTTPS", "SECURE_PROXY_SSL_HEADER"])
def test_it_refuses_a_boolean_that_is_not_one(tmp_path, name):
    env = {"DEBUG": "true", name: "ture"}
    status, errors = manage_check(tmp_path, **env)
    assert status == 1
    assert f"ImproperlyConfigured: {name}='ture' is not a boolean" in errors


@pytest.mark.parametrize("value", ["true", "1", "yes", "on", "TRUE", "false", "0", "no", "off"])
def test_it_reads_the_usual_spellings_of_a_boolean(tmp_path, value):
    status, _ = manage_check(tmp_path, DEBUG="true", HTTPS=value)
    assert status == 0


@pytest.mark.parametrize("value", ["abc", "-3", "1.5", "３"])
@pytest.mark.parametrize("name", ["LEAD_RETENTION_DAYS", "STALE_LEAD_DAYS", "EMAIL_TIMEOUT"])
def test_it_refuses_a_number_that_is_not_one(tmp_path, name, value):
    status, errors = manage_check(tmp_path, DEBUG="true", **{name: value})
    assert status == 1
    assert f"ImproperlyConfigured: {name}={value!r} is not a whole number" in errors
    assert "ValueError" not in errors


def test_it_reads_a_number(tmp_path):
    assert manage_check(tmp_path, DEBUG="true", LEAD_RETENTION_DAYS=" 30 ") == (0, "")


def runserver(tmp_path, **env):
    """Start `manage.py runserver` on a free port, with nothing collected in STATIC_ROOT (as on a
    fresh clone); returns the process and the intake form's URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **production_env(),
        "SECRET_KEY": "a-key-of-this-test-only-0123456789-0123456789-0123456789",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "STATIC_ROOT": str(tmp_path / "static"),
        **env,
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return server, f"http://127.0.0.1:{port}/"


def test_runserver_without_debug_says_what_to_do(tmp_path):
    server, _ = runserver(tmp_path)
    _, errors = server.communicate(timeout=60)
    assert server.returncode == 1
    assert errors.strip().splitlines()[-1] == (
        "CommandError: DEBUG is off and the static files are not collected: for development run "
        "`make run` (or DEBUG=true manage.py runserver); otherwise run `manage.py collectstatic` "
        "first."
    )


def test_runserver_with_debug_serves_the_intake_form(tmp_path):
    server, url = runserver(tmp_path, DEBUG="true")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=10) as page:
                    status, html = page.status, page.read().decode()
                break
            except urllib.error.HTTPError as error:  # an answer: the server is up
                status, html = error.code, error.read().decode()
                break
            except OSError:  # not listening yet
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert status == 200
    assert "Send my information" in html
