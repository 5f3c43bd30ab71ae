import itertools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.urls import reverse

from leads.models import Lead

# Every user the factories make signs in with this password.
PASSWORD = "correct horse battery staple"


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
    password = factory.django.Password(PASSWORD)


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


# Not LeadFactory's prospect{n}@example.com: a lead from the factory never holds one of these.
_new_emails = itertools.count()
# What an attorney's form (edit page, admin) holds of a lead; a CV is an upload, sent only when
# a test gives one.
EDITED_FIELDS = [*(field.name for field in Lead.person_fields(files=False)), "state"]


def lead_form_data(lead=None, /, *, without=(), **overrides):
    """The form payload (intake form, attorneys' pages, admin) of a valid new lead: fixed,
    readable names and resume, and a fresh email each call. Given a `lead`, that lead's fields
    and state as they stand instead, as its edit page posts them back.

    Overrides take the model's field names, and may add fields (`state="PENDING"`,
    `cv=upload`); `without` names the fields to leave out (`lead_form_data(without=["resume"])`),
    so that None stays a value a test may send."""
    if lead is None:
        data = {
            "first_name": "Maria",
            "last_name": "Gonzalez",
            "email": f"applicant{next(_new_emails)}@example.com",
            "resume": "Nurse, 8 years.",
        }
    else:
        data = {name: getattr(lead, name) for name in EDITED_FIELDS}
    data.update(overrides)
    return {name: value for name, value in data.items() if name not in without}


def lead_api_data(lead=None, /, *, without=(), **overrides):
    """lead_form_data() as a JSON API body: the same arguments, by the model's field names
    (`lead_api_data(email="x@example.com", state="PENDING")`), under the API's names: the
    model's name in capitals, "first_name" -> "FIRST_NAME" (docs/api.md)."""
    data = lead_form_data(lead, without=without, **overrides)
    return {name.upper(): value for name, value in data.items()}


def change_form_data(client, lead, **fields):
    """What a browser posts from the lead's change page: the lead's fields and the management
    forms of the read-only inlines (history and notes)."""
    response = client.get(reverse("admin:leads_lead_change", args=[lead.pk]))
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update(
            {management.add_prefix(key): value for key, value in management.initial.items()}
        )
    return {**data, **lead_form_data(lead, **fields)}


# Each stored address, and spellings of it that were accepted as new leads beside it.
VARIANTS = {
    "kate@example.com": [
        '"kate"@example.com',  # quotes the local part does not need
        '"ka\\te"@example.com',  # an escaped letter in quotes
        "KATE@EXAMPLE.COM",
        "\u212aate@example.com",  # KELVIN SIGN, which NFKC makes a K
    ],
    "kate.d@exämple.com": [
        "kate.d@xn--exmple-cua.com",  # the domain's IDNA form
        "kate.d@exa\u0308mple.com",  # NFD: a + COMBINING DIAERESIS
        "Kate.D@EXÄMPLE.com",
    ],
    "sam@example.com": ["ſam@example.com"],  # LATIN SMALL LETTER LONG S
    "iris@example.com": ["İris@example.com", "ıris@example.com"],  # Turkish dotted I, dotless i
}


CASES = [(stored, variant) for stored, variants in VARIANTS.items() for variant in variants]
