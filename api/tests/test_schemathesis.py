"""Fuzz the JSON API against its own OpenAPI schema with schemathesis (the `st` command).

A live server serves the API from the test database (SQLite or PostgreSQL, like the rest of the
suite); schemathesis reads /api/schema/ and sends generated requests, valid and invalid, with an
attorney's token. Every default check is on: no 5xx, statuses, headers and bodies as the schema
says, valid data accepted, invalid data refused. Its summary, with the number of cases, is printed
even without `pytest -s`."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from rest_framework.authtoken.models import Token

from leads.tests.factories import LeadFactory, UserFactory

MIN_CASES = 1000
# Cases per operation in the fuzzing phase and scenarios in the stateful one: with the coverage
# phase, about 1,700 cases in all (the count varies from run to run), in about a minute and a half
# on two cores.
FUZZING_EXAMPLES = 300
STATEFUL_EXAMPLES = 20
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")


def schemathesis_config(lead_ids):
    # The live server answers each request in a thread; with SQLite in memory they all share one
    # connection, which two requests must not use at once.
    workers = 1 if connection.vendor == "sqlite" and connection.is_in_memory_db() else 2
    return f"""
hooks = {json.dumps(str(HOOKS))}
workers = {workers}

[generation]
max-examples = {FUZZING_EXAMPLES}
# Like Django's forms, DRF refuses NUL characters in text (400); the schema does not say so.
allow-x00 = false
database = "none"

[phases.stateful.generation]
max-examples = {STATEFUL_EXAMPLES}

# Half of the generated ids are leads that exist, so that /get/{{id}} and /update/{{id}} are
# exercised beyond their 404.
[dictionaries.lead_ids]
values = {json.dumps(lead_ids)}

[parameters."path.id"]
dictionary = "lead_ids"
probability = 0.5
"""


@pytest.mark.fuzz
@pytest.mark.django_db(transaction=True)
def test_the_api_keeps_to_its_schema(live_server, tmp_path, capsys):
    # An attorney by permissions rather than by group: the Attorneys group comes from a data
    # migration, and an earlier transactional test may have flushed it.
    attorney = UserFactory()
    attorney.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="leads", codename__endswith="_lead")
    )
    token = Token.objects.create(user=attorney)
    lead_ids = [lead.pk for lead in LeadFactory.create_batch(5)]
    config = tmp_path / "schemathesis.toml"
    config.write_text(schemathesis_config(lead_ids))

    st = Path(sys.executable).with_name("st")
    command = [
        str(st),
        "--config-file",
        str(config),
        "--no-color",
        "run",
        f"{live_server.url}/api/schema/",
        "--header",
        f"Authorization: Token {token.key}",
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)

    with capsys.disabled():
        print("\n" + result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    cases = re.search(r"Test cases:\s*(\d+) generated", result.stdout)
    assert cases, "schemathesis printed no case count"
    assert int(cases.group(1)) >= MIN_CASES
