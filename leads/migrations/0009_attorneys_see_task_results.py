from django.contrib.auth.management import create_permissions
from django.db import migrations

ATTORNEYS_GROUP = "Attorneys"


def grant(apps, schema_editor):
    # Attorneys see the background tasks (Admin > Task results), so that they notice an email
    # that could not be sent, and run failed ones again.
    tasks_config = apps.get_app_config("django_tasks_database")
    tasks_config.models_module = True
    create_permissions(tasks_config, apps=apps, verbosity=0)
    tasks_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ATTORNEYS_GROUP)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="django_tasks_database", codename="view_dbtaskresult"
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=ATTORNEYS_GROUP):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="django_tasks_database", codename="view_dbtaskresult"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0008_cache_table"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
