import json
import os

from django.core.management.base import BaseCommand, CommandError

from leads import privacy


class Command(BaseCommand):
    help = (
        "Write everything held about a person (lead, CV file names, notes, history, what they "
        "sent again) as one JSON document, to answer an access request. A file written with "
        "--output is readable by its owner alone (mode 0600)."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's email address (or the lead's id).")
        parser.add_argument(
            "--output", metavar="FILE", help="Write to FILE instead of the standard output."
        )

    def handle(self, email, output, **options):
        lead = privacy.find_lead(email)
        if lead is None:
            raise CommandError(f"No lead has the email address or id {email!r}: nothing is held.")
        document = json.dumps(privacy.person_data(lead), indent=2, ensure_ascii=False)
        if output is None:
            self.stdout.write(document)
            return
        try:
            # Readable by the app's user alone (0600), even where the umask would allow more,
            # and made so before the person's data goes in.
            descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(descriptor, 0o600)  # a file that was there keeps its mode otherwise
            with open(descriptor, "w", encoding="utf-8") as file:
                file.write(document + "\n")
        except OSError as error:
            raise CommandError(f"Could not write {output}: {error.strerror}.") from None
        self.stdout.write(f"Lead {lead.pk}'s data written to {output}.")
