"""The tests' settings (pyproject.toml's DJANGO_SETTINGS_MODULE): production's settings, read
from the same environment, with what a test run needs instead. What differs per test (the CV
folder) is the `test_settings` fixture of conftest.py."""

import os
import tempfile

# Production's settings refuse to start with DEBUG off and no key; tests run with DEBUG off.
os.environ.setdefault("SECRET_KEY", "tests-only-key-never-used-outside-the-test-suite-0123456789")

from .settings import *  # noqa: E402, F403
from .settings import DATABASES, STORAGES  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not Django's shared in-memory database, so that the live-server and concurrency
    # tests exercise the same locking as production; one per test process, so that two test
    # runs on one machine (or two xdist workers) never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get(
            "SQLITE_TEST_PATH", f"{tempfile.gettempdir()}/leads-test-{os.getpid()}.sqlite3"
        )
    }

# Tests do not run collectstatic (nor scan what `make serve` or `make bench` collected: every
# test client's WhiteNoise would).
STATIC_ROOT = None
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# No intake limits unless a test sets one (every test client comes from 127.0.0.1).
INTAKE_RATE_LIMIT = ""
INTAKE_FLOOD_LIMIT = ""
ATTORNEY_EMAIL = "intake@firm.example"
# A failed task is queued again at once, so that one worker run goes through every attempt.
TASK_RETRY_SECONDS = 0
