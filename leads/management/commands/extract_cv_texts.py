import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from leads.models import Lead
from leads.tasks import CV_READ, read_cv


class Command(BaseCommand):
    help = (
        "Read the words of the CVs that have none stored (CVs uploaded before CV search "
        "existed), so that the search finds them: the worker's task, run here."
    )

    def handle(self, **options):
        leads = Lead.objects.exclude(cv="").filter(cv_text="").only("pk", "cv")
        read = unreadable = 0
        for lead in tqdm(leads, unit="CV", disable=not sys.stdout.isatty()):
            outcome = read_cv.call(lead.pk, lead.cv.name)
            if outcome == CV_READ:
                read += 1
            else:
                unreadable += 1
                self.stderr.write(f"Lead {lead.pk}: {outcome}")
        self.stdout.write(f"Read {read} CV(s); {unreadable} could not be read.")
