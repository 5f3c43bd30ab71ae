from django.contrib.auth.management import create_permissions
from django.db import migrations

ATTORNEYS_GROUP = "Attorneys"
# Attorneys read a lead's history and notes and add notes; nobody edits history, and notes are
# not edited through the pages either.
PERMISSIONS = ["view_activity", "view_note", "add_note"]


def grant(apps, schema_editor):
    leads_config = apps.get_app_config("leads")
    leads_config.models_module = True
    create_permissions(leads_config, apps=apps, verbosity=0)
    leads_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ATTORNEYS_GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="leads", codename__in=PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=ATTORNEYS_GROUP):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="leads", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [("leads", "0004_history_notes_cv_text")]

    operations = [migrations.RunPython(grant, revoke)]
