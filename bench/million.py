"""The attorneys' pages and API reads at a million leads: server time of each, in milliseconds.

    .venv/bin/python bench/million.py                     # seeds /tmp/leads-million/ once
    .venv/bin/python bench/million.py --db PATH --leads 1000000 --runs 7

Seeds a SQLite file of its own (migrate, then `seed_leads N`: 3 to 6 minutes for a million; kept
for the next run) unless it holds N leads already, then times each request in this process with
Django's test client (the whole request: middleware, views, queries, templates). It prints the
median, fastest and slowest of --runs runs per page. "after a new lead" and "after a reach-out"
time the dashboard right after that change, as an attorney opening it then would see it; "cold"
after its cached numbers were dropped (a cache flush, a deploy with an empty cache).

With DATABASE_URL set it uses that database instead (seeded the same way)."""

import argparse
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIST_SORTS = [
    "created_at",
    "updated_at",
    "reached_out_at",
    "first_name",
    "last_name",
    "email",
    "state",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="/tmp/leads-million/db.sqlite3")
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    os.environ.setdefault("SQLITE_PATH", args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leads_dashboard.settings")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # DEBUG off needs one
    # Production's static files (hashed names from a manifest), built next to the database.
    os.environ["STATIC_ROOT"] = str(Path(args.db).parent / "static")
    Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from leads.models import Lead

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    missing = args.leads - Lead.objects.count()
    if missing > 0:
        print(f"Seeding {missing} leads (a million take 3 to 6 minutes)...", flush=True)
        call_command("seed_leads", missing, seed=13, verbosity=0)
        if connection.vendor == "postgresql":
            # What autovacuum does soon after on a live server: statistics for the planner, and
            # the visibility map that lets counts read the indexes alone.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE leads_lead")
    settings.ALLOWED_HOSTS = ["*"]
    run(args.runs)


def run(runs):
    from django.contrib.auth.models import Group, User
    from django.core.cache import cache
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from leads import lifecycle
    from leads.models import Activity, Lead

    attorney, _ = User.objects.get_or_create(
        username="bench-million", defaults={"email": "bench-million@firm.example"}
    )
    attorney.groups.add(Group.objects.get(name="Attorneys"))
    token, _ = Token.objects.get_or_create(user=attorney)
    pages = Client()
    pages.force_login(attorney)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    lead_id = Lead.objects.order_by("pk").values_list("pk", flat=True)[Lead.objects.count() // 2]

    rows = []

    def measure(label, client, url, before=None):
        times = []
        for _ in range(runs):
            if before:
                before()
            start = time.perf_counter()
            response = client.get(url, secure=True)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        rows.append((label, url, statistics.median(times), min(times), max(times)))
        print(f"{label:<34} {statistics.median(times):8.1f} ms", file=sys.stderr, flush=True)

    number = iter(range(10**9))

    def new_lead():
        index = next(number)
        lifecycle.create_lead(
            Lead(
                first_name="Bench",
                last_name="Million",
                email=f"bench.million.{time.time_ns()}.{index}@example.com",
                resume="Measuring.",
            ),
            source=Activity.Source.PAGE,
            actor=attorney,
        )

    def reach_out():
        lead = Lead.objects.filter(state=Lead.State.PENDING).order_by("-pk").first()
        lifecycle.move_lead(
            lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
        )

    measure("dashboard, cold", pages, "/dashboard/", before=cache.clear)
    measure("dashboard, warm", pages, "/dashboard/")
    measure("dashboard, after a new lead", pages, "/dashboard/", before=new_lead)
    measure("dashboard, after a reach-out", pages, "/dashboard/", before=reach_out)
    measure("list", pages, "/leads/")
    # Page 20,000 (500,000 leads in) at a million or more; the middle page of a smaller list.
    deep = min(20000, Lead.objects.count() // 50 or 1)
    middle = Lead.objects.count() // 50 or 1
    measure("list, deep page", pages, f"/leads/?page={deep}")
    measure("list, search", pages, "/leads/?search=amara+okafor")
    measure("list, attention", pages, "/leads/?attention=1")
    for column in LIST_SORTS:
        for ordering in (column, f"-{column}"):
            measure(
                f"list, PENDING by {ordering}", pages, f"/leads/?state=PENDING&ordering={ordering}"
            )
    for ordering in ("last_name", "-email"):
        measure(f"list, all by {ordering}", pages, f"/leads/?ordering={ordering}")
    measure("lead page", pages, f"/leads/{lead_id}/")
    measure("API list", api, "/get")
    measure("API list, search", api, "/get?search=amara+okafor")
    for ordering in ("last_name", "-last_name", "email", "-updated_at"):
        measure(f"API, PENDING by {ordering}", api, f"/get?state=PENDING&ordering={ordering}")
    measure("API list, deep page", api, f"/get?page={deep}")
    if middle != deep:
        measure("API list, middle page", api, f"/get?page={middle}")
    measure("API list, cursor, first", api, "/get?cursor=")
    measure("API list, cursor, deep", api, deep_cursor(Lead.objects.count() // 2))
    measure("API one lead", api, f"/get/{lead_id}")

    print(f"\n{Lead.objects.count()} leads, {runs} runs each, server time in ms\n")
    print(f"| {'page':<34} | {'median':>7} | {'min':>7} | {'max':>7} |")
    print(f"|{'-' * 36}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
    for label, _url, median, fastest, slowest in rows:
        print(f"| {label:<34} | {median:7.1f} | {fastest:7.1f} | {slowest:7.1f} |")


def deep_cursor(position):
    """GET /get's cursor link to the page that starts `position` leads into the list (newest
    first), as an API client following `next` would reach it."""
    from rest_framework.pagination import Cursor

    from api.views import LeadCursorPagination
    from leads.models import Lead

    created_at = Lead.objects.order_by("-created_at", "-id").values_list("created_at", flat=True)[
        position
    ]
    pagination = LeadCursorPagination()
    pagination.base_url = "/get"
    return pagination.encode_cursor(Cursor(offset=0, reverse=False, position=str(created_at)))


if __name__ == "__main__":
    main()
