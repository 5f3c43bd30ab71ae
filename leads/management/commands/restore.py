from django.core.management.base import BaseCommand, CommandError

from leads import backups


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup`: the whole database, then the CV files. Refused, "
        "with nothing changed, if this install already holds leads or CV files, unless --force. "
        "See docs/operations.md, Backups."
    )

    def add_arguments(self, parser):
        parser.add_argument("src", help="the backup's folder")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the database and the CV files of the same names even if this "
            "install holds leads (the others stay)",
        )

    def handle(self, src, force, **options):
        try:
            manifest, unapplied = backups.restore(src, force=force)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        counts = manifest["counts"]
        self.stdout.write(
            f"Restored {counts['leads']} lead(s), {counts['notes']} note(s) and "
            f"{counts['cv_files']} CV file(s) from the backup of {manifest['created_at']}."
        )
        if unapplied:
            self.stdout.write(
                f"The backup predates {len(unapplied)} migration(s) of this version: run "
                "`manage.py migrate`."
            )
