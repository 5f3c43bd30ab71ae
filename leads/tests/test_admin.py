import datetime
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from leads import lifecycle
from leads.models import Activity, Lead, Note, Resubmission
from leads.tests.files import pdf_upload

from .factories import LeadFactory, UserFactory, change_form_data, lead_form_data

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:leads_lead_changelist")
IMPORT_PAGE = reverse("admin:leads_lead_import")


def test_attorney_sees_leads_in_the_admin(attorney_client):
    LeadFactory(first_name="Ana", last_name="Silva", email="ana@example.com")
    response = attorney_client.get(CHANGELIST, {"q": "silva"})
    assert response.status_code == 200
    assert "ana@example.com" in response.content.decode()


def test_non_staff_user_cannot_open_the_admin(client, outsider, lead):
    client.force_login(outsider)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert "login" in response.url


def test_mark_reached_out_action_records_who_and_when(attorney_client, attorney):
    leads = LeadFactory.create_batch(2)
    other = LeadFactory()
    response = attorney_client.post(
        CHANGELIST,
        {"action": "mark_reached_out", "_selected_action": [lead.pk for lead in leads]},
        follow=True,
    )
    assert "2 lead(s) marked as reached out." in response.content.decode()
    for lead in leads:
        lead.refresh_from_db()
        assert lead.state == Lead.State.REACHED_OUT
        assert lead.reached_out_by == attorney
        assert lead.reached_out_at is not None
    other.refresh_from_db()
    assert other.state == Lead.State.PENDING


def test_mark_pending_action(attorney_client, attorney):
    lead = LeadFactory()
    lifecycle.move_lead(lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney)
    attorney_client.post(CHANGELIST, {"action": "mark_pending", "_selected_action": [lead.pk]})
    lead.refresh_from_db()
    assert (lead.state, lead.reached_out_at, lead.reached_out_by) == ("PENDING", None, None)


def test_change_form_state_goes_through_the_model(attorney_client, attorney, lead):
    url = reverse("admin:leads_lead_change", args=[lead.pk])
    response = attorney_client.post(
        url, change_form_data(attorney_client, lead, state="REACHED_OUT")
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.state == Lead.State.REACHED_OUT
    assert lead.reached_out_by == attorney


def test_change_form_refuses_duplicate_email(attorney_client, lead):
    LeadFactory(email="taken@example.com")
    url = reverse("admin:leads_lead_change", args=[lead.pk])
    response = attorney_client.post(url, lead_form_data(lead, email="Taken@example.com"))
    assert response.status_code == 200
    assert "A lead with this email address already exists." in response.content.decode()


def test_timestamps_are_read_only(attorney_client, lead):
    response = attorney_client.get(reverse("admin:leads_lead_change", args=[lead.pk]))
    form = response.context["adminform"].form
    for field in ("created_at", "updated_at", "reached_out_at", "reached_out_by"):
        assert field not in form.fields


def test_change_form_does_not_link_to_the_cv_file(attorney_client):

    lead = LeadFactory(cv=pdf_upload())
    html = attorney_client.get(reverse("admin:leads_lead_change", args=[lead.pk])).content.decode()
    # Only the permission-checked download, by the name the prospect gave the file.
    cv_url = reverse("attorneys:lead_cv", args=[lead.pk])
    assert f'Current CV: <a href="{cv_url}" download>cv.pdf</a>' in html
    assert lead.cv.name not in html


def test_the_history_and_notes_are_shown_read_only(attorney_client, attorney):
    lead = lifecycle.create_lead(LeadFactory.build(), source=Activity.Source.FORM)
    lifecycle.move_lead(lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney)
    Note.objects.create(lead=lead, author=attorney, body="Called, left a voicemail.")
    response = attorney_client.get(reverse("admin:leads_lead_change", args=[lead.pk]))

    inlines = {inline.opts.model: inline for inline in response.context["inline_admin_formsets"]}
    assert set(inlines) == {Activity, Note, Resubmission}
    for inline in inlines.values():
        assert inline.has_view_permission
        assert not inline.has_add_permission
        assert not inline.has_change_permission
        assert not inline.has_delete_permission
    entries = [form.original for form in inlines[Activity]]
    assert [entry.kind for entry in entries] == ["STATE_CHANGED", "CREATED"]  # newest first
    html = response.content.decode()
    assert "State: Pending → Reached out" in html
    assert "Called, left a voicemail." in html


def test_the_add_page_has_no_inlines(attorney_client):
    response = attorney_client.get(reverse("admin:leads_lead_add"))
    assert response.context["inline_admin_formsets"] == []


def test_admin_creation_is_recorded(attorney_client, attorney):
    response = attorney_client.post(
        reverse("admin:leads_lead_add"), lead_form_data(state="REACHED_OUT")
    )
    assert response.status_code == 302
    lead = Lead.objects.get()
    created, changed = lead.activities.order_by("id")
    assert (created.kind, created.source, created.actor) == ("CREATED", "ADMIN", attorney)
    assert (changed.kind, changed.source, changed.actor) == ("STATE_CHANGED", "ADMIN", attorney)


def test_admin_edit_records_the_fields_that_changed(attorney_client, attorney):
    lead = LeadFactory(first_name="Ana", last_name="Silva")
    data = change_form_data(attorney_client, lead, first_name="Anna", state="REACHED_OUT")
    response = attorney_client.post(reverse("admin:leads_lead_change", args=[lead.pk]), data)
    assert response.status_code == 302
    edited, state_changed = lead.activities.order_by("id")
    assert (edited.kind, edited.source, edited.actor) == ("EDITED", "ADMIN", attorney)
    assert edited.changes == {"First name": ["Ana", "Anna"]}
    assert (state_changed.kind, state_changed.source) == ("STATE_CHANGED", "ADMIN")


def test_admin_save_without_changes_records_nothing(attorney_client, lead):
    data = change_form_data(attorney_client, lead)
    attorney_client.post(reverse("admin:leads_lead_change", args=[lead.pk]), data)
    assert not lead.activities.exists()


def test_the_state_actions_record_the_back_office_as_source(attorney_client, attorney, lead):
    attorney_client.post(CHANGELIST, {"action": "mark_reached_out", "_selected_action": [lead.pk]})
    entry = lead.activities.get()
    assert (entry.kind, entry.source, entry.actor) == ("STATE_CHANGED", "ADMIN", attorney)


def test_the_needs_attention_filter_and_column(attorney_client, attorney, settings):
    settings.STALE_LEAD_DAYS = 7
    long_ago = timezone.now() - datetime.timedelta(days=8)
    stale = LeadFactory(created_at=long_ago)
    handled = LeadFactory(created_at=long_ago)
    lifecycle.move_lead(
        handled, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
    )
    LeadFactory()

    response = attorney_client.get(CHANGELIST, {"needs_attention": "yes"})

    assert list(response.context["cl"].result_list) == [stale]
    badge = '<span class="attention-badge">Needs attention</span>'
    assert badge in response.content.decode()
    everything = attorney_client.get(CHANGELIST).content.decode()
    assert everything.count(badge) == 1
    assert 'alt="True"' not in everything  # no yes/no icons, which read backwards here


def test_the_attention_column_marks_stale_leads_only(attorney, settings):
    settings.STALE_LEAD_DAYS = 7
    long_ago = timezone.now() - datetime.timedelta(days=8)
    handled = LeadFactory(created_at=long_ago)
    lifecycle.move_lead(
        handled, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
    )
    needs_attention = admin.site.get_model_admin(Lead).needs_attention

    assert "Needs attention" in needs_attention(LeadFactory(created_at=long_ago))
    assert needs_attention(LeadFactory()) is None
    assert needs_attention(handled) is None


def test_the_lead_list_shows_the_useful_columns_with_short_labels(attorney_client):
    LeadFactory()
    response = attorney_client.get(CHANGELIST)
    headers = [str(header["text"]).lower() for header in response.context["result_headers"]]
    assert headers[1:] == ["name", "email", "state", "attention", "submitted"]


def test_the_breadcrumbs_name_the_app_intake(attorney_client):
    html = attorney_client.get(CHANGELIST).content.decode()
    assert '<a href="/admin/leads/">Leads</a>' in html


def test_the_import_is_a_dry_run_unless_unticked(attorney_client):
    response = attorney_client.get(IMPORT_PAGE)
    assert response.context["form"]["dry_run"].value() is True
    assert 'name="dry_run" id="id_dry_run" checked' in response.content.decode()


def test_the_import_page_sends_attorneys_to_no_shell_command(attorney_client):
    html = attorney_client.get(IMPORT_PAGE).content.decode()
    assert "manage.py" not in html
    assert "split a larger file into several, or ask the firm's" in " ".join(html.split())


def test_the_read_only_inlines_have_no_empty_header_cells(attorney_client, attorney):
    lead = lifecycle.create_lead(LeadFactory.build(), source=Activity.Source.FORM)
    Note.objects.create(lead=lead, author=attorney, body="Called, left a voicemail.")
    html = attorney_client.get(reverse("admin:leads_lead_change", args=[lead.pk])).content
    assert b"<th></th>" not in html
    assert b'<th class="original"></th>' not in html
    assert b"notes-group" in html


def test_the_attorneys_group_may_view_the_task_results():
    # As migration 0009 sets it up (transactional tests empty the database afterwards).
    group = Group.objects.get(name="Attorneys")
    assert group.permissions.filter(codename="view_dbtaskresult").exists()


@pytest.mark.parametrize(
    "page", [reverse("admin:leads_lead_add"), reverse("attorneys:lead_create")]
)
def test_without_the_change_permission_a_new_lead_can_only_start_pending(client, page):
    # Adding leads, not changing them: moving one to "reached out" is a change (states.MOVES).
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename__in=["add_lead", "view_lead"]))
    client.force_login(clerk)
    response = client.post(page, lead_form_data(state="REACHED_OUT"))
    assert response.status_code == 200
    assert "Select a valid choice. REACHED_OUT is not one of the available choices." in (
        response.content.decode()
    )
    assert not Lead.objects.exists()
    response = client.post(page, lead_form_data(state="PENDING"))
    assert response.status_code == 302
    assert Lead.objects.get().state == Lead.State.PENDING


def test_the_change_page_s_times_carry_their_time_zone(client, settings):
    settings.TIME_ZONE = "Europe/Madrid"
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    lead = LeadFactory()
    page = client.get(reverse("admin:leads_lead_change", args=[lead.pk])).content.decode()
    # Created and updated, each with CET/CEST, as on the attorneys' pages.
    assert len(re.findall(r'<time datetime="[^"]+"[^>]*>', page)) >= 2
    assert re.search(r"CES?T", page)
