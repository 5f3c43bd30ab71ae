"""The sign-in forms: Django's, asking for what staff type, their email address (an account's
username is its email: `manage.py create_attorney`)."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm


class EmailSignInMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.label = "Email address"
        username.widget = forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "username", "maxlength": username.max_length}
        )


class EmailAuthenticationForm(EmailSignInMixin, AuthenticationForm):
    """The attorneys' sign-in (/accounts/login/)."""


class EmailAdminAuthenticationForm(EmailSignInMixin, AdminAuthenticationForm):
    """The admin's sign-in (/admin/login/)."""
