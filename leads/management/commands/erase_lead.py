from django.core.management.base import BaseCommand

from leads import lifecycle, privacy
from leads.models import Erasure

REASONS = {"request": Erasure.Reason.REQUEST, "retention": Erasure.Reason.RETENTION}


class Command(BaseCommand):
    help = (
        "Erase a person: their lead, CV files, notes, history, resubmissions, queued tasks and "
        "admin log entries (see lifecycle.erase_lead()). Leaves one entry in the erasure log, "
        "with the lead's number only. A person not found is no error."
    )

    def add_arguments(self, parser):
        parser.add_argument("email_or_id", help="The person's email address, or the lead's id.")
        parser.add_argument(
            "--reason",
            choices=REASONS,
            default="request",
            help="request: the person asked (default); retention: kept too long.",
        )

    def handle(self, email_or_id, reason, **options):
        lead = privacy.find_lead(email_or_id)
        erased = None
        if lead is not None:
            erased = lifecycle.erase_lead(lead.pk, actor=None, reason=REASONS[reason])
        if erased is None or not erased.found:  # or erased meanwhile
            self.stdout.write("Nothing to erase: no lead has this email address or id.")
            return
        removed = ", ".join(f"{what}: {count}" for what, count in erased.removed.items())
        self.stdout.write(self.style.SUCCESS(f"Lead {erased.lead_id} erased ({removed})."))
