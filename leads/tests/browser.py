"""The browser tests' Chromium (Debian's, through Playwright: no browser download) and their
screenshots (docs/screenshots/, the README's). Locally a browser test is skipped with a reason
when Chromium is missing; with CI=true it fails instead, so CI cannot pass without it.

The fixtures `browser` (one Chromium per test module) and `page` (a fresh context per test) are
in conftest.py."""

from pathlib import Path

from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
