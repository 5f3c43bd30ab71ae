import datetime
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from tqdm import tqdm

from leads import lifecycle
from leads.models import Activity, Erasure, Lead, Resubmission

# What counts as contact with the person: they wrote again, or someone at the firm worked on the
# lead. The worker's emails do not count (a failed email retried every day would keep a lead).
CONTACTS = [
    Activity.Kind.RESUBMITTED,
    Activity.Kind.NOTE_ADDED,
    Activity.Kind.EDITED,
    Activity.Kind.STATE_CHANGED,
]


def expired_leads(now=None):
    """The leads to erase: pending, never reached out to (no state change in their history:
    a lead an attorney reached out to and moved back to Pending is the firm's client file, kept
    by its own rules), and with no contact for more than LEAD_RETENTION_DAYS days: submitted
    before the cutoff, and neither sent again nor worked on since. Each with `last_contact`."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.LEAD_RETENTION_DAYS)
    history = Activity.objects.filter(lead=OuterRef("pk"))
    return (
        Lead.objects.filter(
            state=Lead.State.PENDING, reached_out_at__isnull=True, created_at__lt=cutoff
        )
        .exclude(Exists(history.filter(kind=Activity.Kind.STATE_CHANGED)))
        .exclude(Exists(history.filter(kind__in=CONTACTS, created_at__gte=cutoff)))
        .exclude(Exists(Resubmission.objects.filter(lead=OuterRef("pk"), created_at__gte=cutoff)))
        .annotate(
            last_contact=Greatest(
                "created_at",
                Coalesce(
                    Subquery(
                        history.filter(kind__in=CONTACTS)
                        .order_by("-created_at")
                        .values("created_at")[:1]
                    ),
                    "created_at",
                ),
            )
        )
    )


class Command(BaseCommand):
    help = (
        "Erase the leads still pending, never reached out to, with no contact (resubmission, "
        "note, edit, state change) for LEAD_RETENTION_DAYS days, as erase_lead does (reason: "
        "retention). Run it daily from cron. Off when the setting is 0."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List the leads it would erase, each with its last contact; erase none.",
        )

    def handle(self, dry_run, **options):
        if settings.LEAD_RETENTION_DAYS <= 0:
            self.stdout.write("Retention is off (LEAD_RETENTION_DAYS is 0): nothing erased.")
            return
        expired = expired_leads().order_by("last_contact", "pk")
        if dry_run:
            leads = list(expired.values_list("pk", "last_contact"))
            self._report([pk for pk, _ in leads], "would be erased")
            for pk, last_contact in leads:
                self.stdout.write(f"  {pk}: last contact {last_contact:%Y-%m-%d %H:%M} UTC")
            return
        ids = list(expired.values_list("pk", flat=True))
        erased = []
        # Each lead is erased in a transaction of its own: a long purge never holds the lock.
        # A lead that someone worked on, or whose person wrote, since the list was read stays.
        for pk in tqdm(ids, unit="lead", disable=not sys.stdout.isatty()):
            if not expired_leads().filter(pk=pk).exists():
                continue
            if lifecycle.erase_lead(pk, actor=None, reason=Erasure.Reason.RETENTION).found:
                erased.append(pk)
        self._report(erased, "erased")

    def _report(self, ids, done):
        # Ids only: the report goes to cron's mail and logs.
        days = settings.LEAD_RETENTION_DAYS
        noun = "lead" if len(ids) == 1 else "leads"
        self.stdout.write(
            f"{len(ids)} {noun} {done} (pending, never reached out, no contact for more than "
            f"{days} days)" + (f": {', '.join(map(str, ids))}." if ids else ".")
        )
