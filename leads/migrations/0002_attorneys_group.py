from django.contrib.auth.management import create_permissions
from django.db import migrations

ATTORNEYS_GROUP = "Attorneys"
LEAD_PERMISSIONS = ["view_lead", "add_lead", "change_lead", "delete_lead"]


def create_attorneys_group(apps, schema_editor):
    # Permissions are normally created after all migrations have run; create them now so the
    # group can be given them on a fresh database.
    leads_config = apps.get_app_config("leads")
    leads_config.models_module = True
    create_permissions(leads_config, apps=apps, verbosity=0)
    leads_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ATTORNEYS_GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="leads", codename__in=LEAD_PERMISSIONS)
    )


def delete_attorneys_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=ATTORNEYS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("leads", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_attorneys_group, delete_attorneys_group)]
