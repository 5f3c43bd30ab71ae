from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.datastructures import MultiValueDict

from . import held_cvs
from .identity import email_key
from .models import Erasure, Lead, Note
from .validators import CV_SIGNATURES

CV_ACCEPT = ",".join(CV_SIGNATURES)


class PersonFieldsMixin:
    """For includes/person_fields.html: the form's short fields about the person (the names,
    the email, and any other short field of Lead.PERSON_FIELDS), in their order."""

    def short_person_fields(self):
        return [self[f.name] for f in Lead.short_person_fields() if f.name in self.fields]


class CVInput(forms.ClearableFileInput):
    """A file input that never links to the stored file: CVs have no public URL."""

    template_name = "includes/cv_input.html"


class IntakeForm(PersonFieldsMixin, forms.ModelForm):
    """The public form a prospect fills in. Every rule comes from the Lead model.

    A CV file that came with a submission the page sends back (an error elsewhere, the rate
    limit) is held for the next try (leads/held_cvs.py): the page shows it as attached."""

    # Humans never see this field (it is hidden by CSS and from screen readers); naive bots fill
    # in every input they find.
    website = forms.CharField(required=False, label="Leave this field empty")

    class Meta:
        model = Lead
        fields = Lead.PERSON_FIELDS
        # The prospect's words: the model's labels and hints are the attorneys'.
        labels = {"resume": "Resume text"}
        help_texts = {"resume": "Your resume, or a short summary of your situation."}
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "resume": forms.Textarea(attrs={"rows": 8}),
            "cv": CVInput(attrs={"accept": CV_ACCEPT}),
        }

    # The either-or rule (Lead.clean()) is one error about both fields: the page shows it once,
    # for the two of them, under this id.
    RESUME_OR_CV_ERROR_ID = "resume-or-cv-error"

    def __init__(self, data=None, files=None, **kwargs):
        self.held_cv = None
        if data is not None and not (files and files.get("cv")) and not data.get("held_cv_remove"):
            self.held_cv = held_cvs.find(data.get("held_cv"))
            if self.held_cv is not None:
                files = files.copy() if files is not None else MultiValueDict()
                files["cv"] = held_cvs.as_upload(self.held_cv)
        super().__init__(data, files, **kwargs)
        # A known email goes to its lead (services.submit_lead()): see Lead.refuse_known_email.
        self.instance.refuse_known_email = False

    def is_bot(self):
        return bool(self.data.get("website"))

    def full_clean(self):
        super().full_clean()
        if self.resume_or_cv_error:
            for name in ("resume", "cv"):
                described_by = f"{self.RESUME_OR_CV_ERROR_ID} {self[name].auto_id}_helptext"
                self.fields[name].widget.attrs |= {
                    "aria-invalid": "true",
                    "aria-describedby": described_by,
                }

    @property
    def resume_or_cv_error(self):
        """The either-or rule's message, if the submission broke it."""
        errors = self.non_field_errors().as_data() if self.is_bound else []
        return next((error for error in errors if error.code == "resume_or_cv"), None)

    def error_summary(self):
        """(message, id of the field it is about, or "") for each error, in the page's order;
        the either-or rule's once, about the resume."""
        summary = [
            (error.message, "")
            for error in self.non_field_errors().as_data()
            if error.code != "resume_or_cv"
        ]
        for field in self.visible_fields():
            summary += [(f"{field.label}: {error}", field.auto_id) for error in field.errors]
            if field.name == "resume" and self.resume_or_cv_error:
                summary.append((self.resume_or_cv_error.message, field.auto_id))
        return summary

    def hold_cv(self):
        """The page goes back to the prospect: keep a valid CV file for the next try."""
        if self.has_error("cv"):
            self.held_cv = None
        elif self.held_cv is None and self.files.get("cv"):
            self.held_cv = held_cvs.hold(self.files["cv"])

    def release_cv(self):
        """The submission is stored: the held copy of its CV goes."""
        if self.held_cv is not None:
            held_cvs.release(self.held_cv)


def offer_states_of(form, user):
    """Limit the `state` choice of a lead's form to the state the lead is in (a new one:
    pending) and those `user` may move it to (states.MOVES)."""
    lead = form.instance
    allowed = {lead.state, *(move.to for move in lead.next_moves(user))}
    field = form.fields["state"]
    field.choices = [(value, label) for value, label in field.choices if value in allowed]


class LeadForm(PersonFieldsMixin, forms.ModelForm):
    """The attorneys' form for creating and editing a lead, by `user`: its states are the ones
    they may move the lead to. The views save it through leads/services.py, which records who
    changed the state and when."""

    class Meta:
        model = Lead
        fields = [*Lead.PERSON_FIELDS, "state"]
        widgets = {
            "resume": forms.Textarea(attrs={"rows": 10}),
            "cv": CVInput(attrs={"accept": CV_ACCEPT}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        offer_states_of(self, user)


class NoteForm(forms.ModelForm):
    """An attorney's internal note on a lead."""

    class Meta:
        model = Note
        fields = ["body"]
        labels = {"body": "Add a note"}
        help_texts = {"body": "Internal: only attorneys see notes. Up to 2,000 characters."}
        widgets = {"body": forms.Textarea(attrs={"rows": 3, "maxlength": 2000})}


class LeadImportForm(forms.ModelForm):
    """One row of a CSV import (leads/imports.py), checked like a lead from any other form."""

    class Meta:
        model = Lead
        # The person's fields but the files, which a CSV row cannot carry.
        fields = [field.name for field in Lead.person_fields(files=False)]
        # The model asks for a resume or a CV file; a CSV row cannot carry a file.
        error_messages = {NON_FIELD_ERRORS: {"resume_or_cv": "The resume is empty."}}


class EraseForm(forms.Form):
    """The typed confirmation of an erasure: the person's email address (in any spelling of it,
    see leads/identity.py), and why."""

    reason = forms.ChoiceField(
        label="Why",
        # Deleting in the admin is the third reason, which the admin records itself.
        choices=[(r.value, r.label) for r in Erasure.Reason if r != Erasure.Reason.ADMIN],
        initial=Erasure.Reason.REQUEST,
        widget=forms.RadioSelect,
    )
    email = forms.CharField(
        label="The person's email address",
        help_text="Type it to confirm that this is the person to erase.",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, lead, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead = lead

    def clean_email(self):
        if email_key(self.cleaned_data["email"]) != self.lead.email_key:
            raise forms.ValidationError(
                "That is not this person's email address: nothing was erased.", code="mismatch"
            )
        return self.cleaned_data["email"]

    def error_summary(self):
        """(message, id of the field it is about) for each error (includes/error_summary.html)."""
        return [
            (f"{field.label}: {error}", field.auto_id)
            for field in self.visible_fields()
            for error in field.errors
        ]
