from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from .models import Lead, Note
from .validators import CV_SIGNATURES

CV_ACCEPT = ",".join(CV_SIGNATURES)


class CVInput(forms.ClearableFileInput):
    """A file input that never links to the stored file: CVs have no public URL."""

    template_name = "includes/cv_input.html"


class IntakeForm(forms.ModelForm):
    """The public form a prospect fills in. Every rule comes from the Lead model."""

    # Humans never see this field (it is hidden by CSS and from screen readers); naive bots fill
    # in every input they find.
    website = forms.CharField(required=False, label="Leave this field empty")

    class Meta:
        model = Lead
        fields = ["first_name", "last_name", "email", "resume", "cv"]
        labels = {"resume": "Resume or short summary of your situation", "cv": "CV (optional)"}
        help_texts = {
            "resume": "Paste your resume here, or upload a CV file below (or both).",
            "cv": "PDF, DOC, DOCX, RTF or TXT, up to 5 MB.",
        }
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "resume": forms.Textarea(attrs={"rows": 8}),
            "cv": CVInput(attrs={"accept": CV_ACCEPT}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A known email goes to its lead (services.submit_lead()): see Lead.refuse_known_email.
        self.instance.refuse_known_email = False

    def is_bot(self):
        return bool(self.data.get("website"))


class LeadForm(forms.ModelForm):
    """The attorneys' form for creating and editing a lead. The views save it through
    leads/services.py, which records who changed the state and when."""

    class Meta:
        model = Lead
        fields = ["first_name", "last_name", "email", "resume", "cv", "state"]
        widgets = {
            "resume": forms.Textarea(attrs={"rows": 10}),
            "cv": CVInput(attrs={"accept": CV_ACCEPT}),
        }


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
        fields = ["first_name", "last_name", "email", "resume"]
        # The model asks for a resume or a CV file; a CSV row cannot carry a file.
        error_messages = {NON_FIELD_ERRORS: {"resume_or_cv": "The resume is empty."}}
