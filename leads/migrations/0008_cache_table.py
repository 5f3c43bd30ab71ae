from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The default cache (settings.CACHES) is a database table holding the intake rate limit's
    # counters: without it, every intake POST would fail. `migrate` alone, as deploy recipes run
    # it, now creates it; with CACHE_URL set (Redis, Memcached) this does nothing.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("leads", "0007_task_outcome_keys")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
