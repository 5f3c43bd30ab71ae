from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management.base import CommandError
from whitenoise.runserver_nostatic.management.commands.runserver import (
    Command as RunserverCommand,
)


class Command(RunserverCommand):
    """Django's development server (as whitenoise sets it up), which refuses to start with DEBUG
    off before `collectstatic` has run: every page would answer 500 ("Missing staticfiles
    manifest entry")."""

    def handle(self, *args, **options):
        manifest_missing = isinstance(
            staticfiles_storage, ManifestFilesMixin
        ) and not staticfiles_storage.exists(staticfiles_storage.manifest_name)
        if not settings.DEBUG and manifest_missing:
            raise CommandError(
                "DEBUG is off and the static files are not collected: for development run "
                "`make run` (or DEBUG=true manage.py runserver); otherwise run "
                "`manage.py collectstatic` first."
            )
        super().handle(*args, **options)
