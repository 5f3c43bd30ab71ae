"""PostgreSQL's planner keeps a finer histogram of the search keys (leads/search.py).

With the default (100 buckets), a name shared by 6,300 of a million leads fell inside one bucket
and was estimated at one lead: PostgreSQL then read each of them from the table to check the
search's other words, where it can intersect the words' index matches first (a two-word search
went from 11 to 4 ms). ANALYZE samples more rows for it (some 5 s at a million leads, in the
background). SQLite has no such setting."""

from django.db import migrations

SEARCH_KEYS = ["search_first_name", "search_last_name", "search_email"]


def set_statistics(target):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        columns = ", ".join(f"ALTER COLUMN {key} SET STATISTICS {target}" for key in SEARCH_KEYS)
        schema_editor.execute(f"ALTER TABLE leads_lead {columns}")

    return operation


class Migration(migrations.Migration):
    dependencies = [("leads", "0017_list_created_index")]

    operations = [migrations.RunPython(set_statistics(1000), set_statistics(-1))]
