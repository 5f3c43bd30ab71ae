import datetime as dt
import random
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from tqdm import tqdm

from leads.models import Lead
from leads.signals import forget_cached_counts

FIRST_NAMES = (
    "Amara Ana Carlos Chen Daniela David Elena Fatima Hiroshi Ibrahim Ines Ivan Jamal Javier "
    "Julia Kwame Laila Lucas Maria Mateo Mei Mohammed Nadia Nikolai Olga Omar Priya Rafael Rosa "
    "Sara Sofia Tariq Thomas Valentina Wei Yusuf Zara Aisha Arjun Beatriz"
).split()
LAST_NAMES = (
    "Okafor Silva Gonzalez Chen Novak Haddad Rossi Kim Nguyen Petrov Rahman Garcia Martins "
    "Kowalski Ibrahim Mensah Tanaka Sato Costa Ali Khan Singh Fernandes Lopez Moreau Schmidt "
    "Ivanova Osei Yilmaz Abebe Patel Hussain Dubois Kaur Romero Torres Mwangi Alvarez Sousa"
).split()
DOMAINS = ["example.com", "example.org", "example.net", "mail.example"]
RESUMES = [
    "Software engineer with {years} years of experience, looking for an H-1B sponsor.",
    "Registered nurse, {years} years in intensive care; asking about a green card.",
    "PhD researcher in biology, {years} years of publications; interested in EB-1 or O-1.",
    "Chef with {years} years in restaurants; my employer wants to sponsor me.",
    "Graduate student finishing a master's degree; asking about OPT and what comes after.",
]


class Command(BaseCommand):
    help = "Fill the database with N realistic fake leads, fast (bulk inserts)."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="How many leads to create.")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--seed", type=int, default=None, help="Random seed, for repeatability."
        )

    def handle(self, count, batch_size, seed, **options):
        if count < 0:
            raise CommandError("COUNT must be 0 or more.")
        rng = random.Random(seed)
        now = timezone.now()
        # Emails carry a number above every existing lead's id, so they never collide.
        first_number = (Lead.objects.aggregate(Max("id"))["id__max"] or 0) + 1
        progress = tqdm(total=count, unit="lead", disable=not sys.stdout.isatty())
        created = 0
        while created < count:
            size = min(batch_size, count - created)
            batch = [self._fake_lead(rng, now, first_number + created + i) for i in range(size)]
            with transaction.atomic():
                Lead.objects.bulk_create(batch, batch_size=1000)
            created += size
            progress.update(size)
        progress.close()
        forget_cached_counts()  # bulk_create sends no signals
        self.stdout.write(self.style.SUCCESS(f"Created {created} leads."))

    def _fake_lead(self, rng, now, number):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        created_at = now - dt.timedelta(seconds=rng.randint(0, 365 * 24 * 3600))
        lead = Lead(
            first_name=first,
            last_name=last,
            email=f"{first}.{last}.{number}@{rng.choice(DOMAINS)}".lower(),
            resume=rng.choice(RESUMES).format(years=rng.randint(1, 20)),
            created_at=created_at,
            updated_at=created_at,
        )
        if rng.random() < 0.3:
            lead.state = Lead.State.REACHED_OUT
            lead.reached_out_at = created_at + dt.timedelta(hours=rng.randint(1, 240))
        return lead
