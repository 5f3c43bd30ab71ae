from django.contrib import admin, messages
from django.db import models

from .forms import CVInput
from .models import Lead


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "state", "created_at", "reached_out_at"]
    list_display_links = ["full_name", "email"]
    list_filter = ["state", "created_at", "reached_out_at"]
    search_fields = ["first_name", "last_name", "email"]
    date_hierarchy = "created_at"
    list_select_related = ["reached_out_by"]
    readonly_fields = ["created_at", "updated_at", "reached_out_at", "reached_out_by"]
    fields = ["first_name", "last_name", "email", "resume", "cv", "state", *readonly_fields]
    actions = ["mark_reached_out", "mark_pending"]
    list_per_page = 50
    # CVs have no public URL: the widget does not link to the stored file (the lead's page in
    # the attorneys' pages has the permission-checked download).
    formfield_overrides = {models.FileField: {"widget": CVInput}}

    @admin.display(description="Name", ordering="last_name")
    def full_name(self, lead):
        return lead.full_name

    def save_model(self, request, lead, form, change):
        # The state goes through the model's methods so that who and when are recorded.
        new_state = lead.state
        lead.state = form.initial.get("state", Lead.State.PENDING)
        super().save_model(request, lead, form, change)
        lead.set_state(new_state, by=request.user)

    @admin.action(description="Mark selected leads as reached out", permissions=["change"])
    def mark_reached_out(self, request, queryset):
        self._set_state(request, queryset, Lead.State.REACHED_OUT)

    @admin.action(description="Mark selected leads as pending", permissions=["change"])
    def mark_pending(self, request, queryset):
        self._set_state(request, queryset, Lead.State.PENDING)

    def _set_state(self, request, queryset, state):
        changed = 0
        for lead in queryset.exclude(state=state):
            lead.set_state(state, by=request.user)
            changed += 1
        label = Lead.State(state).label.lower()
        self.message_user(request, f"{changed} lead(s) marked as {label}.", messages.SUCCESS)
