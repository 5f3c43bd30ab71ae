import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from leads.models import Lead


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"prospect{n}@example.com")
    resume = factory.Faker("paragraph", nb_sentences=4)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.SelfAttribute("username")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct horse battery staple")


class AttorneyFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def attorneys_group(user, create, extracted, **kwargs):
        if create:
            user.groups.add(attorneys_group())


# What the data migrations 0002, 0005, 0009 and 0012 give the group.
ATTORNEY_PERMISSIONS = [
    *["view_lead", "add_lead", "change_lead", "delete_lead"],
    *["view_activity", "view_note", "add_note", "view_resubmission"],
]
ATTORNEY_TASK_PERMISSIONS = ["view_dbtaskresult"]


def attorneys_group():
    """The group the data migration creates. Transactional tests (live server, browser) empty
    the database afterwards, so later ones may need to create it again, as the migration did."""
    group, created = Group.objects.get_or_create(name="Attorneys")
    if created:
        group.permissions.set(
            Permission.objects.filter(
                Q(content_type__app_label="leads", codename__in=ATTORNEY_PERMISSIONS)
                | Q(
                    content_type__app_label="django_tasks_database",
                    codename__in=ATTORNEY_TASK_PERMISSIONS,
                )
            )
        )
    return group
