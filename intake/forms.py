from django import forms
from django.utils.datastructures import MultiValueDict

from leads.cvs import held
from leads.forms import CV_ACCEPT, CVInput, PersonFieldsMixin
from leads.models import Lead
from leads.throttling import may_hold_cv


class IntakeForm(PersonFieldsMixin, forms.ModelForm):
    """The public form a prospect fills in. Every rule comes from the Lead model.

    A CV file that came with a submission the page sends back (an error elsewhere, the rate
    limit) is held for the next try (leads/cvs/held.py): the page shows it as attached."""

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

    def __init__(self, data=None, files=None, *, cv_holder=None, **kwargs):
        self.held_cv = None
        self.cv_holder = cv_holder  # this browser's (held.holder_of())
        self.cv_not_held = False  # a valid CV came and was not kept: it must be chosen again
        if data is not None and not (files and files.get("cv")) and not data.get("held_cv_remove"):
            self.held_cv = held.find(data.get("held_cv"), cv_holder)
            if self.held_cv is not None:
                files = files.copy() if files is not None else MultiValueDict()
                files["cv"] = held.as_upload(self.held_cv)
        super().__init__(data, files, **kwargs)
        # A known email goes to its lead (lifecycle.submit_lead()): see Lead.refuse_known_email.
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

    def hold_cv(self, request):
        """The page goes back to the prospect: keep a valid CV file for the next try, if this
        client may hold one more (throttling.may_hold_cv()). Returns the browser's holder token,
        for the response's cookie, or None if nothing new is held."""
        if self.has_error("cv"):
            self.held_cv = None
        elif self.held_cv is None and self.files.get("cv"):
            upload = self.files["cv"]
            if not may_hold_cv(request, upload.size):
                self.cv_not_held = True
                return None
            self.cv_holder = self.cv_holder or held.new_holder()
            email = self.data.get("email", "")
            self.held_cv = held.hold(upload, holder=self.cv_holder, email=email)
            return self.cv_holder
        return None

    def release_cv(self):
        """The submission is stored: the held copy of its CV goes."""
        if self.held_cv is not None:
            held.release(self.held_cv)
