from django.contrib.auth.management import create_permissions
from django.db import migrations

ATTORNEYS_GROUP = "Attorneys"
# Attorneys read what a prospect sent again (in the admin too); nobody edits it.
PERMISSIONS = ["view_resubmission"]


def permissions(apps):
    leads_config = apps.get_app_config("leads")
    leads_config.models_module = True
    create_permissions(leads_config, apps=apps, verbosity=0)
    leads_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="leads", codename__in=PERMISSIONS)


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name=ATTORNEYS_GROUP)
    group.permissions.add(*permissions(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=ATTORNEYS_GROUP):
        group.permissions.remove(*permissions(apps))


class Migration(migrations.Migration):
    dependencies = [("leads", "0011_resubmissions")]

    operations = [migrations.RunPython(grant, revoke)]
