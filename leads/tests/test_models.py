import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from leads import lifecycle
from leads.models import Activity, DuplicateEmail, Lead
from leads.tests.files import pdf_upload

from .factories import AttorneyFactory, LeadFactory

pytestmark = pytest.mark.django_db


def test_new_lead_is_pending():
    lead = LeadFactory()
    assert lead.state == Lead.State.PENDING
    assert lead.reached_out_at is None
    assert lead.reached_out_by is None


def test_full_clean_trims_names_and_email_domain():
    lead = Lead(first_name="  Ana ", last_name=" Silva ", email=" Ana@Example.COM ", resume="x")
    lead.full_clean()
    assert (lead.first_name, lead.last_name, lead.email) == ("Ana", "Silva", "Ana@example.com")


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_blank_name_is_invalid(field):
    lead = LeadFactory.build(**{field: "   "})
    with pytest.raises(ValidationError) as error:
        lead.full_clean()
    assert field in error.value.message_dict


def test_lead_needs_resume_or_cv():
    lead = LeadFactory.build(resume="")
    with pytest.raises(ValidationError) as error:
        lead.full_clean()
    assert "resume as text or upload a CV" in str(error.value.message_dict["__all__"])


def test_cv_alone_is_enough():
    cv = pdf_upload()
    lead = LeadFactory.build(resume="", cv=cv)
    lead.full_clean()
    lead.save()
    assert Lead.objects.get().cv.name.endswith(".pdf")


def test_duplicate_email_in_other_case_is_refused_by_validation_on_the_email_field():
    LeadFactory(email="jane.doe@example.com")
    lead = LeadFactory.build(email="JANE.Doe@example.com")
    with pytest.raises(ValidationError) as error:
        lead.full_clean()
    assert error.value.message_dict["email"] == ["A lead with this email address already exists."]


def test_database_refuses_duplicate_email_in_other_case():
    LeadFactory(email="jane.doe@example.com")
    with pytest.raises(DuplicateEmail):
        LeadFactory(email="Jane.DOE@example.com")
    assert Lead.objects.count() == 1


def test_database_refuses_lead_without_resume_or_cv():
    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.bulk_create([LeadFactory.build(resume="")])
    assert Lead.objects.count() == 0


def test_database_refuses_unknown_state():
    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.bulk_create([LeadFactory.build(state="LOST")])


def test_moving_to_reached_out_records_who_and_when():
    lead = LeadFactory()
    attorney = AttorneyFactory()
    lifecycle.move_lead(lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney)
    lead.refresh_from_db()
    assert lead.state == Lead.State.REACHED_OUT
    assert lead.reached_out_by == attorney
    assert lead.reached_out_at is not None


def test_moving_back_to_pending_clears_the_record():
    lead = LeadFactory()
    lifecycle.move_lead(
        lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=AttorneyFactory()
    )
    lifecycle.move_lead(lead, Lead.State.PENDING, source=Activity.Source.PAGE, actor=None)
    lead.refresh_from_db()
    assert lead.state == Lead.State.PENDING
    assert lead.reached_out_at is None
    assert lead.reached_out_by is None


def test_set_state_to_same_state_keeps_the_original_record():
    lead = LeadFactory()
    first = AttorneyFactory()
    lifecycle.move_lead(lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=first)
    reached_at = lead.reached_out_at
    lifecycle.move_lead(
        lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=AttorneyFactory()
    )
    lead.refresh_from_db()
    assert (lead.reached_out_by, lead.reached_out_at) == (first, reached_at)


def test_search_matches_each_word_in_names_or_email():
    ana = LeadFactory(first_name="Ana", last_name="Silva", email="ana@example.com")
    LeadFactory(first_name="Bob", last_name="Silva", email="bob@example.com")
    assert list(Lead.objects.search("ana silva")) == [ana]
    assert list(Lead.objects.search("ANA@EXAMPLE")) == [ana]
    assert Lead.objects.search("silva").count() == 2


def test_counts_by_state_lists_every_state():
    LeadFactory.create_batch(2)
    assert Lead.objects.counts_by_state() == {"PENDING": 2, "REACHED_OUT": 0}


def test_deleting_a_lead_deletes_its_cv_file(django_capture_on_commit_callbacks):
    lead = LeadFactory(cv=pdf_upload())
    storage, name = lead.cv.storage, lead.cv.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        lead.delete()
    assert not storage.exists(name)


def test_replacing_a_cv_deletes_the_old_file(django_capture_on_commit_callbacks):
    lead = LeadFactory(cv=pdf_upload())
    storage, old_name = lead.cv.storage, lead.cv.name
    lead.cv = pdf_upload("new.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        lead.save()
    assert not storage.exists(old_name)
    assert storage.exists(lead.cv.name)


def test_a_refused_duplicate_leaves_no_cv_file_behind():
    LeadFactory(email="taken@example.com")
    lead = LeadFactory.build(email="TAKEN@example.com", cv=pdf_upload())
    storage = lead.cv.storage
    with pytest.raises(DuplicateEmail):
        lead.save()
    assert [files for _, _, files in os.walk(storage.location) if files] == []


def test_seed_leads_creates_leads_with_dates_spread_over_a_year():
    from django.core.management import call_command

    call_command("seed_leads", "50", "--seed", "3", stdout=io.StringIO())
    assert Lead.objects.count() == 50
    dates = Lead.objects.values_list("created_at", flat=True)
    assert (max(dates) - min(dates)).days > 30


def test_seed_leads_refuses_a_batch_size_below_one():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="batch-size"):
        call_command("seed_leads", "5", "--batch-size", "0")


@pytest.mark.parametrize("query", ["Özdemir", "ÖZDEMIR", "Łukasz Özdemir", "lukasz@"])
def test_search_finds_accented_names_typed_as_written(query):
    lukasz = LeadFactory(first_name="Łukasz", last_name="Özdemir", email="lukasz@example.com")
    LeadFactory(first_name="Olga", last_name="Ozdemir")
    assert list(Lead.objects.search(query)) == [lukasz]


def test_the_migrations_match_the_models():
    # A model change without its migration would leave deployed databases behind the code.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_search_keys_migration_fills_in_the_leads_already_stored():
    before = ("leads", "0005_attorneys_notes_and_history_permissions")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old_lead = executor.loader.project_state([before]).apps.get_model("leads", "Lead")
    old_lead.objects.create(
        first_name="ÖZLEM", last_name="Çelik", email="Ozlem@example.com", resume="Resume"
    )

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # 0006_search_keys, and any later

    lead = Lead.objects.get()
    assert (lead.search_first_name, lead.search_last_name, lead.search_email) == (
        "özlem",
        "çelik",
        "ozlem@example.com",
    )
    assert list(Lead.objects.search("özl ÇEL")) == [lead]
