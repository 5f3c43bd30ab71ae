import functools

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR, IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods
from django_tasks import TaskResultStatus
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from . import lifecycle
from .csv.exports import csv_response
from .csv.imports import IMPORTED_FIELDS, REQUIRED_COLUMNS, ImportRefused, import_leads
from .forms import CVInput, offer_states_of
from .models import Activity, Erasure, Lead, Note, Resubmission
from .templatetags.lead_times import when

# The lookups the change list's filters and date hierarchy put in its address.
FILTER_LOOKUPS = {
    "state__exact",
    *(f"created_at__{part}" for part in ("gte", "lt", "year", "month", "day")),
    *(f"reached_out_at__{part}" for part in ("gte", "lt", "isnull")),
}

# An import takes about 1 ms a row: larger files would outlast a web request's timeout, and go
# through `manage.py import_leads` instead (the page tells attorneys to split the file or ask
# the firm's administrator).
IMPORT_PAGE_MAX_ROWS = 10_000


class DateHierarchyChangeList(ChangeList):
    """Django's change list, whose date drill-down answers an address it cannot bound (the
    year 9999, whose end is in year 10000, or a year of 20 digits) as it answers any other bad
    lookup, with the list and "Please correct the error" (?e=1), not a 500."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


class BoundedDateHierarchy:
    """For a ModelAdmin with a date_hierarchy: its change list is DateHierarchyChangeList."""

    def get_changelist(self, request, **kwargs):
        return DateHierarchyChangeList


class ReadOnlyInline(admin.TabularInline):
    """Shown on the lead's page, never added, changed or deleted there."""

    # Django's tabular inline without its delete column and its unlabelled first column (the
    # row's title, which repeats the fields shown): both have an empty header cell.
    template = "admin/leads/readonly_tabular.html"
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="When")
    def created(self, obj):
        """Its time as on the attorneys' pages, with the time zone's abbreviation."""
        return when(obj.created_at)


class ActivityInline(ReadOnlyInline):
    model = Activity
    verbose_name_plural = "history"
    fields = ["created", "kind", "source", "actor", "changes_summary", "message"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description="Changes")
    def changes_summary(self, activity):
        changes = activity.changes.items()
        return "; ".join(f"{label}: {old} → {new}" for label, (old, new) in changes)


class NoteInline(ReadOnlyInline):
    model = Note
    fields = ["author", "created", "body"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class ResubmissionInline(ReadOnlyInline):
    model = Resubmission
    verbose_name_plural = "sent again by the prospect"
    # The CV is downloaded from the lead's page (permission-checked), never linked from here.
    fields = ["created", *(field.name for field in Lead.person_fields(files=False)), "has_cv"]
    readonly_fields = fields

    @admin.display(description="CV", boolean=True)
    def has_cv(self, resubmission):
        return bool(resubmission.cv)


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "needs_attention"

    def lookups(self, request, model_admin):
        return [("yes", "Pending for too long")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.stale()
        return queryset


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="CSV file")
    # On unless unticked: a first upload only shows what the file would do.
    dry_run = forms.BooleanField(
        label="Dry run: check the file and show the report, but store nothing",
        required=False,
        initial=True,
    )


@admin.register(Lead)
class LeadAdmin(BoundedDateHierarchy, admin.ModelAdmin):
    # Short labels and times, as on the attorneys' lead list, so that the columns fit a laptop's
    # screen beside the filters. No "reached out" column: the state says whether, the filter
    # finds when, and the lead's page says when and by whom.
    list_display = ["full_name", "email", "state", "needs_attention", "submitted"]
    list_display_links = ["full_name", "email"]
    list_filter = [NeedsAttentionFilter, "state", "created_at", "reached_out_at"]
    search_fields = ["first_name", "last_name", "email"]
    date_hierarchy = "created_at"
    list_select_related = ["reached_out_by"]
    # The times as on the attorneys' pages: in TIME_ZONE, its abbreviation shown (Django's
    # read-only dates carry none).
    readonly_fields = ["created", "updated", "reached_out", "reached_out_by"]
    fields = [*Lead.PERSON_FIELDS, "state", *readonly_fields]
    # And "Mark selected leads as <state>", one per state: see get_actions().
    actions = ["export_csv"]
    list_per_page = 50
    # CVs have no public URL: the widget does not link to the stored file (the lead's page in
    # the attorneys' pages has the permission-checked download).
    formfield_overrides = {models.FileField: {"widget": CVInput}}

    def get_inlines(self, request, obj):
        # A new lead has no history or notes yet (and the add form then needs no inline data).
        return [ResubmissionInline, ActivityInline, NoteInline] if obj is not None else []

    def get_urls(self):
        view = require_http_methods(["GET", "HEAD", "POST"])(self.import_view)
        return [
            path("import/", self.admin_site.admin_view(view), name="leads_lead_import"),
            *super().get_urls(),
        ]

    def lookup_allowed(self, lookup, value, request):
        # Only what the filters and the date drill-down ask: any other lookup in the address
        # (?email__regex=( say) would reach the database as typed. Refused lookups are a 400.
        return lookup in FILTER_LOOKUPS or lookup == NeedsAttentionFilter.parameter_name

    @admin.display(description="Name", ordering="last_name")
    def full_name(self, lead):
        return lead.full_name

    # A badge on the leads that need attention, as on the attorneys' lead list, and nothing on
    # the others: Django's yes/no icons put a green tick on exactly the leads that need help.
    @admin.display(description="Attention", empty_value="")
    def needs_attention(self, lead):
        if lead.is_stale:
            return format_html('<span class="attention-badge">{}</span>', "Needs attention")
        return None

    @admin.display(description="Submitted", ordering="created_at")
    def submitted(self, lead):
        return when(lead.created_at)

    @admin.display(description="Created at")
    def created(self, lead):
        return when(lead.created_at)

    @admin.display(description="Updated at")
    def updated(self, lead):
        return when(lead.updated_at)

    @admin.display(description="Reached out at")
    def reached_out(self, lead):
        return when(lead.reached_out_at) or "-"

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class LeadAdminForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if "state" in self.fields:  # not when read-only (the view permission only)
                    offer_states_of(self, request.user)

        return LeadAdminForm

    def save_model(self, request, lead, form, change):
        save = lifecycle.change_lead if change else lifecycle.create_lead
        save(lead, source=Activity.Source.ADMIN, actor=request.user)

    # Deleting a lead here erases the person, as the lead page's "Erase this person" does: only
    # with the erase_lead permission, and leaving lifecycle.erase_lead()'s Erasure entry instead
    # of the admin's log entry, whose text would name the person.
    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("leads.erase_lead")

    def log_deletions(self, request, queryset):
        return []

    def delete_model(self, request, lead):
        lifecycle.erase_lead(lead.pk, actor=request.user, reason=Erasure.Reason.ADMIN)

    def delete_queryset(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            lifecycle.erase_lead(pk, actor=request.user, reason=Erasure.Reason.ADMIN)

    @admin.action(description="Export selected leads as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        return csv_response(queryset, f"leads-{timezone.localdate():%Y-%m-%d}.csv")

    def get_actions(self, request):
        """The actions, with move_lead() once per state: "Mark selected leads as <state>"."""
        actions = super().get_actions(request)
        if self.has_change_permission(request) and IS_POPUP_VAR not in request.GET:
            for state, label in Lead.State.choices:
                name = f"mark_{state.lower()}"
                action = functools.partial(type(self).move_lead, state=state)
                actions[name] = (action, name, f"Mark selected leads as {label.lower()}")
        return actions

    def move_lead(self, request, queryset, state):
        """Move the selected leads to `state`, each as states.MOVES allows."""
        changes = lifecycle.move_leads(
            queryset.exclude(state=state), state, source=Activity.Source.ADMIN, actor=request.user
        )
        label = Lead.State(state).label.lower()
        message = f"{len(changes.moved)} lead(s) marked as {label}."
        self.message_user(request, message, messages.SUCCESS)
        if changes.refused:
            message = (
                f"{changes.refused} lead(s) cannot be marked {label} from the state they are in."
            )
            self.message_user(request, message, messages.WARNING)

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = ImportUploadForm(request.POST, request.FILES)
        else:
            form = ImportUploadForm()
        report = None
        if form.is_bound and form.is_valid():
            try:
                report = import_leads(
                    form.cleaned_data["file"],
                    dry_run=form.cleaned_data["dry_run"],
                    actor=request.user,
                    max_rows=IMPORT_PAGE_MAX_ROWS,
                )
            except ImportRefused as error:
                form.add_error("file", str(error))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import leads from a CSV file",
            "opts": self.opts,
            "form": form,
            "report": report,
            "max_rows": f"{IMPORT_PAGE_MAX_ROWS:,}",
            "required_columns": REQUIRED_COLUMNS,
            "optional_columns": [name for name in IMPORTED_FIELDS if name not in REQUIRED_COLUMNS],
            # Larger bodies are refused by lib.middleware.RefuseOversizedBodiesMiddleware.
            "max_size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        }
        return TemplateResponse(request, "admin/leads/lead/import.html", context)


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin):
    """The erasure log (lifecycle.erase_lead()): read only, as an audit trail must be. It names
    no one but the attorney who erased."""

    list_display = ["lead_id", "reason", "erased_by", "erased_at"]
    list_filter = ["reason", "erased_at"]
    list_select_related = ["erased_by"]
    list_display_links = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The background tasks queued in the database (leads/tasks.py): django-tasks-db's read-only
# admin, plus an action to run failed ones again. Attorneys may view them (migration 0009).
# django-axes' logs (superusers only) have date drill-downs too.
for model, model_admin in [
    (AccessAttempt, axes_admin.AccessAttemptAdmin),
    (AccessLog, axes_admin.AccessLogAdmin),
    (AccessFailureLog, axes_admin.AccessFailureLogAdmin),
]:
    admin.site.unregister(model)  # axes registered it on its import, just above
    admin.site.register(model, type(model_admin.__name__, (BoundedDateHierarchy, model_admin), {}))

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    list_display = ["task_name", "status", "arguments", "enqueued_at", "finished_at"]
    list_filter = ["status", "task_path"]
    actions = ["run_again"]

    @admin.display(description="Arguments")
    def arguments(self, result):
        values = [*result.args_kwargs["args"], *result.args_kwargs["kwargs"].values()]
        return ", ".join(str(value) for value in values)

    @admin.action(description="Run the selected failed tasks again", permissions=["view"])
    def run_again(self, request, queryset):
        # Tasks are idempotent, so running one again is safe; still, each failed result is run
        # again once, whoever asks twice: it then says by whom and as which task.
        with transaction.atomic():
            failed = queryset.select_for_update().filter(
                status=TaskResultStatus.FAILED, return_value__isnull=True
            )
            for result in failed:
                kwargs = {**result.args_kwargs["kwargs"], "attempt": 1}
                rerun = result.task.enqueue(*result.args_kwargs["args"], **kwargs)
                result.return_value = {"run_again_as": rerun.id, "by": request.user.get_username()}
                result.save(update_fields=["return_value"])
                self.log_change(request, result, f"Run again as task {rerun.id}.")
        self.message_user(
            request,
            f"{len(failed)} failed task(s) queued again, from a first attempt.",
            messages.SUCCESS,
        )


if apps.is_installed("django_rq"):
    from django_rq.admin import QueueAdmin
    from django_rq.models import Dashboard

    @admin.register(Dashboard)
    class RedisQueueAdmin(QueueAdmin):
        """django-rq's pages (queues, failed jobs and their requeue), with TASKS_URL. They show
        jobs' arguments and tracebacks and can empty queues, and django-rq lets any staff user
        in: here only users with its permission (superusers)."""

        def get_urls(self):
            return [
                URLPattern(url.pattern, self._guarded(url.callback), url.default_args, url.name)
                for url in super().get_urls()
            ]

        @staticmethod
        def _guarded(view):
            @functools.wraps(view)
            def guarded_view(request, *args, **kwargs):
                if not request.user.has_perm("django_rq.admin"):
                    raise PermissionDenied
                return view(request, *args, **kwargs)

            return guarded_view

        def has_module_permission(self, request):
            return request.user.has_perm("django_rq.admin")
