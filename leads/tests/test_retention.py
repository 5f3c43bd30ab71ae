"""Retention: `manage.py purge_leads` erases the leads still pending, never reached out to, with
no contact for LEAD_RETENTION_DAYS days (a resubmission, a note, an edit, a state change), and
reports their ids only."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from leads import history, lifecycle
from leads.models import Activity, Erasure, Lead, Note

from .factories import AttorneyFactory, LeadFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)
DAYS = 30
LIMIT = NOW - datetime.timedelta(days=DAYS)
WHY = f"(pending, never reached out, no contact for more than {DAYS} days)"


@pytest.fixture(autouse=True)
def retention(settings):
    settings.LEAD_RETENTION_DAYS = DAYS


@pytest.fixture
def leads(db):
    old = LeadFactory(created_at=LIMIT - datetime.timedelta(seconds=1), last_name="Oldperson")
    at_limit = LeadFactory(created_at=LIMIT)
    recent = LeadFactory(created_at=NOW - datetime.timedelta(days=1))
    reached_out = LeadFactory(created_at=LIMIT - datetime.timedelta(days=100))
    lifecycle.move_lead(
        reached_out, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=AttorneyFactory()
    )
    return {"old": old, "at_limit": at_limit, "recent": recent, "reached_out": reached_out}


def purge(capsys, *args):
    with freeze_time(NOW):
        call_command("purge_leads", *args)
    return capsys.readouterr().out


def test_it_erases_pending_leads_older_than_the_limit_only(leads, capsys):
    out = purge(capsys)
    assert out == f"1 lead erased {WHY}: {leads['old'].pk}.\n"
    kept = {leads[name].pk for name in ("at_limit", "recent", "reached_out")}
    assert set(Lead.objects.values_list("pk", flat=True)) == kept
    erasure = Erasure.objects.get()
    assert (erasure.lead_id, erasure.erased_by, erasure.reason) == (
        leads["old"].pk,
        None,
        Erasure.Reason.RETENTION,
    )


def test_a_second_run_finds_nothing(leads, capsys):
    purge(capsys)
    assert purge(capsys) == f"0 leads erased {WHY}.\n"
    assert Erasure.objects.count() == 1


def test_a_dry_run_lists_the_ids_and_erases_nothing(leads, capsys):
    older = LeadFactory(created_at=LIMIT - datetime.timedelta(days=3))
    out = purge(capsys, "--dry-run")
    expected = f"{older.pk}, {leads['old'].pk}"  # oldest first
    assert out == (
        f"2 leads would be erased {WHY}: {expected}.\n"
        f"  {older.pk}: last contact {older.created_at:%Y-%m-%d %H:%M} UTC\n"
        f"  {leads['old'].pk}: last contact {leads['old'].created_at:%Y-%m-%d %H:%M} UTC\n"
    )
    assert "Oldperson" not in out and "@" not in out
    assert Lead.objects.count() == 5
    assert not Erasure.objects.exists()


def test_a_person_who_wrote_again_recently_is_kept(leads, capsys):
    # Submitted 400 days ago, sent the form again yesterday.
    lead = LeadFactory(created_at=NOW - datetime.timedelta(days=400))
    with freeze_time(NOW - datetime.timedelta(days=1)):
        lifecycle.submit_lead(
            Lead(first_name="Ana", last_name="Again", email=lead.email, resume="News."),
            source=Activity.Source.FORM,
            site_url="",
        )
    assert lead.resubmissions.exists()
    assert purge(capsys, "--dry-run").startswith("1 lead would be erased (pending, never")
    purge(capsys)
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_a_lead_reached_out_to_and_back_to_pending_is_kept(leads, capsys):
    lead = LeadFactory(created_at=NOW - datetime.timedelta(days=400))
    attorney = AttorneyFactory()
    with freeze_time(NOW - datetime.timedelta(days=300)):
        lifecycle.move_lead(
            lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
        )
        lifecycle.move_lead(lead, Lead.State.PENDING, source=Activity.Source.PAGE, actor=attorney)
    lead.refresh_from_db()
    assert (lead.state, lead.reached_out_at) == (Lead.State.PENDING, None)
    purge(capsys)
    assert Lead.objects.filter(pk=lead.pk).exists()
    assert not Lead.objects.filter(pk=leads["old"].pk).exists()


@pytest.mark.parametrize(("days_ago", "kept"), [(DAYS - 1, True), (DAYS + 1, False)])
def test_a_note_counts_as_contact_while_it_is_recent(capsys, attorney, days_ago, kept):
    lead = LeadFactory(created_at=NOW - datetime.timedelta(days=400))
    with freeze_time(NOW - datetime.timedelta(days=days_ago)):
        lifecycle.add_note(
            Note(lead=lead, author=attorney, body="Called, no answer."), source=Activity.Source.PAGE
        )
    out = purge(capsys, "--dry-run")
    last_contact = NOW - datetime.timedelta(days=days_ago)
    assert (f"{lead.pk}: last contact {last_contact:%Y-%m-%d %H:%M} UTC" in out) is not kept
    purge(capsys)
    assert Lead.objects.filter(pk=lead.pk).exists() is kept


def test_the_worker_s_emails_are_not_contact(capsys):
    lead = LeadFactory(created_at=NOW - datetime.timedelta(days=400))
    with freeze_time(NOW - datetime.timedelta(days=1)):
        history.record_outcome(lead.pk, Activity.Kind.EMAIL_FAILED, "Confirmation (retried)")
    purge(capsys)
    assert not Lead.objects.filter(pk=lead.pk).exists()


def test_it_erases_the_cv_files_too(capsys, django_capture_on_commit_callbacks):
    lead = LeadFactory(
        created_at=LIMIT - datetime.timedelta(days=1), cv=SimpleUploadedFile("cv.txt", b"cv\n")
    )
    storage = Lead._meta.get_field("cv").storage
    assert storage.exists(lead.cv.name)
    with django_capture_on_commit_callbacks(execute=True):
        out = purge(capsys)
    assert out.startswith("1 lead erased")
    assert not storage.exists(lead.cv.name)


def test_it_is_off_when_the_setting_is_zero(leads, settings, capsys):
    settings.LEAD_RETENTION_DAYS = 0
    assert purge(capsys) == "Retention is off (LEAD_RETENTION_DAYS is 0): nothing erased.\n"
    assert purge(capsys, "--dry-run").startswith("Retention is off")
    assert Lead.objects.count() == 4


def test_the_limit_moves_with_time(leads, capsys):
    with freeze_time(NOW + datetime.timedelta(seconds=1)):
        assert timezone.now() - leads["at_limit"].created_at > datetime.timedelta(days=DAYS)
        call_command("purge_leads")
    assert "2 leads erased" in capsys.readouterr().out
    assert not Lead.objects.filter(pk=leads["at_limit"].pk).exists()


def test_the_intake_page_tells_prospects_how_long_an_unanswered_submission_is_kept(
    client, settings
):
    notice = "If we have not contacted you within 30 days, we delete your details and your CV."
    assert notice in client.get("/").content.decode()

    settings.LEAD_RETENTION_DAYS = 0
    page = client.get("/").content.decode()
    assert "What we do with your details" in page and "we delete your details" not in page
