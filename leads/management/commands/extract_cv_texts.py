import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from leads.models import Lead


class Command(BaseCommand):
    help = (
        "Read the words of the CVs that have none stored (CVs uploaded before CV search "
        "existed, or that could not be read), so that the search finds them."
    )

    def handle(self, **options):
        leads = Lead.objects.exclude(cv="").filter(cv_text="").only("pk", "cv")
        read = unreadable = 0
        for lead in tqdm(leads, unit="CV", disable=not sys.stdout.isatty()):
            if lead.store_cv_words():
                read += 1
            else:
                unreadable += 1
                self.stderr.write(f"Lead {lead.pk}: {lead.activities.first().message}")
        self.stdout.write(f"Read {read} CV(s); {unreadable} could not be read.")
