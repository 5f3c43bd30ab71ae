import datetime
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from tqdm import tqdm

from leads import lifecycle
from leads.models import Erasure, Lead


def expired_leads():
    """Pending leads created more than LEAD_RETENTION_DAYS days ago: nobody took them up. A lead
    an attorney reached out to is the firm's client file, kept by its own rules."""
    cutoff = timezone.now() - datetime.timedelta(days=settings.LEAD_RETENTION_DAYS)
    return Lead.objects.filter(state=Lead.State.PENDING, created_at__lt=cutoff)


class Command(BaseCommand):
    help = (
        "Erase the leads still pending LEAD_RETENTION_DAYS days after they were submitted, as "
        "erase_lead does (reason: retention). Run it daily from cron. Off when the setting is 0."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the leads it would erase; erase none."
        )

    def handle(self, dry_run, **options):
        if settings.LEAD_RETENTION_DAYS <= 0:
            self.stdout.write("Retention is off (LEAD_RETENTION_DAYS is 0): nothing erased.")
            return
        ids = list(expired_leads().order_by("created_at", "pk").values_list("pk", flat=True))
        if dry_run:
            self._report(ids, "would be erased")
            return
        erased = []
        # Each lead is erased in a transaction of its own: a long purge never holds the lock.
        for pk in tqdm(ids, unit="lead", disable=not sys.stdout.isatty()):
            if lifecycle.erase_lead(pk, actor=None, reason=Erasure.Reason.RETENTION).found:
                erased.append(pk)
        self._report(erased, "erased")

    def _report(self, ids, done):
        # Ids only: the report goes to cron's mail and logs.
        days = settings.LEAD_RETENTION_DAYS
        noun = "lead" if len(ids) == 1 else "leads"
        self.stdout.write(
            f"{len(ids)} {noun} {done} (pending for more than {days} days)"
            + (f": {', '.join(map(str, ids))}." if ids else ".")
        )
