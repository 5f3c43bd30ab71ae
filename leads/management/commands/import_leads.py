import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from leads.csv.imports import REQUIRED_COLUMNS, ImportRefused, import_leads


class Command(BaseCommand):
    help = (
        f"Import leads from a CSV file with the columns {', '.join(REQUIRED_COLUMNS)} (an "
        "export of leads works too). Duplicates and invalid rows are skipped and reported "
        "with their line numbers; see leads/csv/imports.py for the rules."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file, UTF-8.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report, but store nothing."
        )

    def handle(self, file, dry_run, **options):
        bar = tqdm(unit="row", disable=not sys.stdout.isatty())

        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)

        try:
            with open(file, "rb") as csv_file:
                report = import_leads(csv_file, dry_run=dry_run, progress=progress)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except ImportRefused as error:
            raise CommandError(f"{file} was not imported: {error}") from None
        finally:
            bar.close()

        verb = "Would create" if dry_run else "Created"
        style = self.style
        sections = [
            (f"{verb} {len(report.created)} lead(s):", report.created, style.SUCCESS),
            (f"Skipped {len(report.duplicates)} duplicate(s):", report.duplicates, style.WARNING),
            (f"Skipped {len(report.invalid)} invalid row(s):", report.invalid, style.ERROR),
        ]
        for title, rows, style in sections:
            self.stdout.write(style(title))
            for row in rows:
                self.stdout.write(f"  {row}")
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was stored."))
