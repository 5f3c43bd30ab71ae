"""docs/configuration.md lists every environment variable the settings read."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# env.str("NAME", ...), env.db(...), env.email_url(...), envbool("NAME", ...), envint(...),
# os.environ.get("NAME") and os.environ.setdefault("NAME", ...).
READ = re.compile(
    r"""(?:\benv\.\w+|\benvbool|\benvint|os\.environ\.(?:get|setdefault))\(\s*["'](\w+)["']"""
)
DOCUMENTED = re.compile(r"^\| `(\w+)` \|", re.M)


def variables_read():
    sources = ["leads_dashboard/settings.py", "leads_dashboard/test_settings.py"]
    return {name for source in sources for name in READ.findall((ROOT / source).read_text())}


def test_it_finds_the_variables_the_settings_read():
    # The pattern still matches how settings.py reads its variables.
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "HTTPS", "EMAIL_URL", "LEAD_RETENTION_DAYS"} <= (
        variables_read()
    )


def test_every_variable_the_settings_read_is_documented():
    documented = set(DOCUMENTED.findall((ROOT / "docs/configuration.md").read_text()))
    assert variables_read() - documented == set()


def test_the_example_env_file_lists_every_documented_variable():
    documented = set(DOCUMENTED.findall((ROOT / "docs/configuration.md").read_text()))
    listed = set(re.findall(r"^# ?(\w+)=", (ROOT / ".env.example").read_text(), re.M))
    assert documented - listed == set()
