"""The pieces of a lead's forms that every surface shares (the intake form, the attorneys'
forms, the admin) and the form of a CSV import's row."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from .cvs.validators import CV_SIGNATURES
from .models import Lead

CV_ACCEPT = ",".join(CV_SIGNATURES)


class PersonFieldsMixin:
    """For includes/person_fields.html: the form's short fields about the person (the names,
    the email, and any other short field of Lead.PERSON_FIELDS), in their order."""

    def short_person_fields(self):
        return [self[f.name] for f in Lead.short_person_fields() if f.name in self.fields]

    def error_summary(self):
        """For includes/error_summary.html: (message, id of the field it is about, or "") for
        each error, in the page's order."""
        summary = [(error, "") for error in self.non_field_errors()]
        for field in self.visible_fields():
            summary += [(f"{field.label}: {error}", field.auto_id) for error in field.errors]
        return summary


class CVInput(forms.ClearableFileInput):
    """A file input that never links to the stored file: CVs have no public URL."""

    template_name = "includes/cv_input.html"


def offer_states_of(form, user):
    """Limit the `state` choice of a lead's form to the state the lead is in (a new one:
    pending) and those `user` may move it to (states.MOVES)."""
    lead = form.instance
    allowed = {lead.state, *(move.to for move in lead.next_moves(user))}
    field = form.fields["state"]
    field.choices = [(value, label) for value, label in field.choices if value in allowed]


class LeadImportForm(forms.ModelForm):
    """One row of a CSV import (leads/csv/imports.py), checked like a lead from any other form."""

    class Meta:
        model = Lead
        # The person's fields but the files, which a CSV row cannot carry.
        fields = [field.name for field in Lead.person_fields(files=False)]
        # The model asks for a resume or a CV file; a CSV row cannot carry a file.
        error_messages = {NON_FIELD_ERRORS: {"resume_or_cv": "The resume is empty."}}
