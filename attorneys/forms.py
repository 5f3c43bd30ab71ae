from django import forms

from leads.email_addresses import email_key
from leads.forms import CV_ACCEPT, CVInput, PersonFieldsMixin, offer_states_of
from leads.models import Erasure, Lead, Note


class LeadForm(PersonFieldsMixin, forms.ModelForm):
    """The attorneys' form for creating and editing a lead, by `user`: its states are the ones
    they may move the lead to. The views save it through leads/lifecycle.py, which records who
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


class EraseForm(forms.Form):
    """The typed confirmation of an erasure: the person's email address (in any spelling of it,
    see leads/email_addresses.py), and why."""

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
        # The attorney sees the address on the lead's page already: say which one to type.
        self.fields["email"].help_text = f"Type {lead.email} to confirm that this is the person."

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
