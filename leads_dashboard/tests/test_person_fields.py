"""The person's fields are declared once (Lead.PERSON_FIELDS, with each field's verbose_name and
help_text): every form, the admin, the API, the CSV export and import, the history, the lead's
page and the resubmissions take them from there. Each test goes through every declared field,
so a surface that lists fields by hand fails here when a field is added."""

import io

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory
from django.urls import reverse
from django.utils.text import capfirst

from api.serializers import LeadCreateWithCVSerializer, LeadSerializer
from attorneys.forms import LeadForm
from intake.forms import IntakeForm
from leads import history
from leads.csv.exports import EXPORT_COLUMNS
from leads.csv.imports import import_leads
from leads.forms import LeadImportForm
from leads.models import Lead, Resubmission
from leads.tests.factories import LeadFactory

FIELDS = Lead.person_fields()
FILES = [field for field in FIELDS if isinstance(field, models.FileField)]
TEXTS = Lead.person_fields(files=False)


def test_the_declared_fields_are_the_lead_s_and_have_labels():
    assert [field.name for field in FIELDS] == Lead.PERSON_FIELDS
    assert {field.name for field in FIELDS} == {field.name for field in TEXTS} | {
        field.name for field in FILES
    }
    for field in FIELDS:
        assert field.verbose_name, field.name


@pytest.mark.parametrize("form", [IntakeForm, LeadForm])
def test_the_forms_have_every_field(form):
    assert [name for name in form.base_fields if name in Lead.PERSON_FIELDS] == Lead.PERSON_FIELDS


def test_the_import_reads_every_field_but_the_files():
    assert list(LeadImportForm.base_fields) == [field.name for field in TEXTS]


def test_the_admin_form_has_every_field(attorney):
    request = RequestFactory().get("/")
    request.user = attorney
    fields = admin.site.get_model_admin(Lead).get_fields(request)
    assert [name for name in fields if name in Lead.PERSON_FIELDS] == Lead.PERSON_FIELDS


def test_the_history_tracks_every_field_by_its_label():
    assert history.TRACKED_FIELDS == {field.name: capfirst(field.verbose_name) for field in FIELDS}


def test_the_api_has_every_field_under_its_upper_case_name():
    fields = LeadSerializer().fields
    for field in TEXTS:
        assert fields[field.name.upper()].source == field.name
    for field in FILES:
        assert f"{field.name.upper()}_URL" in fields
        assert field.name.upper() in LeadCreateWithCVSerializer().fields


def test_the_export_has_a_column_for_every_field():
    for field in TEXTS:
        assert field.name in EXPORT_COLUMNS
    for field in FILES:
        assert f"has_{field.name}" in EXPORT_COLUMNS


def test_a_resubmission_keeps_every_field():
    for field in FIELDS:
        assert type(Resubmission._meta.get_field(field.name)) is type(field)


@pytest.mark.django_db
def test_an_export_imports_back_with_every_field(attorney_client, attorney):
    lead = LeadFactory()
    exported = b"".join(
        attorney_client.get(reverse("attorneys:lead_export")).streaming_content
    ).decode("utf-8-sig")
    lead.delete()
    report = import_leads(io.BytesIO(exported.encode()), actor=attorney)
    assert len(report.created) == 1
    imported = Lead.objects.get()
    for field in TEXTS:
        assert getattr(imported, field.name) == getattr(lead, field.name), field.name


@pytest.mark.django_db
def test_the_lead_page_and_its_form_show_every_field(attorney_client):
    lead = LeadFactory()
    page = attorney_client.get(lead.get_absolute_url()).content.decode()
    for field in Lead.short_person_fields():
        assert f"<dt>{capfirst(field.verbose_name)}</dt>" in page
    form = attorney_client.get(reverse("attorneys:lead_edit", args=[lead.pk])).content.decode()
    for field in FIELDS:
        assert f'name="{field.name}"' in form
