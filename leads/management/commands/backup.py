from django.core.management.base import BaseCommand, CommandError

from leads import backups


class Command(BaseCommand):
    help = (
        "Back up the database (a consistent snapshot, taken while the app runs) and every CV "
        "file into DEST, a new folder private to this user (0700, files 0600). `restore DEST` "
        "brings it back. See docs/operations.md, Backups."
    )

    def add_arguments(self, parser):
        parser.add_argument("dest", help="the folder to create (or an empty one)")

    def handle(self, dest, **options):
        try:
            manifest = backups.back_up(dest)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        counts = manifest["counts"]
        self.stdout.write(
            f"Backed up {counts['leads']} lead(s), {counts['notes']} note(s) and "
            f"{counts['cv_files']} CV file(s) into {dest}."
        )
