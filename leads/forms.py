from django import forms

from .models import Lead
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

    def is_bot(self):
        return bool(self.data.get("website"))


class LeadForm(forms.ModelForm):
    """The attorneys' form for creating and editing a lead.

    State changes go through Lead.set_state() so that who and when are recorded."""

    class Meta:
        model = Lead
        fields = ["first_name", "last_name", "email", "resume", "cv", "state"]
        widgets = {
            "resume": forms.Textarea(attrs={"rows": 10}),
            "cv": CVInput(attrs={"accept": CV_ACCEPT}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved_state = self.instance.state

    def save_by(self, user):
        new_state = self.instance.state
        self.instance.state = self.saved_state
        lead = self.save()
        lead.set_state(new_state, by=user)
        return lead
