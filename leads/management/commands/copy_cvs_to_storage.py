import sys
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from leads.models import Lead, Resubmission


class Command(BaseCommand):
    help = (
        "Copy the CV files of a local folder (CV_ROOT) into the configured CV storage, the "
        "bucket of CV_BUCKET: the CVs of the leads and of their resubmissions, by the names the "
        "database has. Run it again at will: an object already there with the same size is "
        "skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="source",
            metavar="PATH",
            help="the folder the CVs were kept in (default: CV_ROOT)",
        )

    def handle(self, source, **options):
        source = Path(source or settings.CV_ROOT)
        storage = Lead._meta.get_field("cv").storage
        if isinstance(storage, FileSystemStorage) and (
            Path(storage.location).resolve() == source.resolve()
        ):
            raise CommandError(
                f"The CV storage is the local folder {source} itself: nothing to copy. Set "
                "CV_BUCKET (see docs/operations.md, CV storage) to copy the CVs into object "
                "storage."
            )
        local = FileSystemStorage(location=source)
        names = sorted(
            {
                *Lead.objects.exclude(cv="").values_list("cv", flat=True),
                *Resubmission.objects.exclude(cv="").values_list("cv", flat=True),
            }
        )
        copied = already_there = missing = 0
        for name in tqdm(names, unit="CV", disable=not sys.stdout.isatty()):
            if not local.exists(name):
                missing += 1
                self.stderr.write(f"Missing locally: {name}")
                continue
            if storage.exists(name):
                if storage.size(name) == local.size(name):
                    already_there += 1
                    continue
                # Not the whole file (a copy cut short): the local one replaces it, at the same
                # name, since the database points to that name.
                storage.delete(name)
            with local.open(name, "rb") as file:
                storage.save(name, file)
            if not _still_held(name):
                # Its person was erased during the copy (whose deletion found nothing yet): a
                # CV must not outlive them.
                storage.delete(name)
                continue
            copied += 1
        self.stdout.write(
            f"Copied {copied} CV(s); {already_there} already there; {missing} missing locally."
        )


def _still_held(name):
    return Lead.objects.filter(cv=name).exists() or Resubmission.objects.filter(cv=name).exists()
