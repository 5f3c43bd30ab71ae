"""Fixtures of the bad-input tests (test_*_bad_input.py; what they share is in bad_input.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from .bad_input import EXISTING, OTHER_EMAIL, PDF
from .factories import LeadFactory


@pytest.fixture
def existing(db):
    """The data already there, which no bad request may change: a lead with a CV file."""
    return LeadFactory(**EXISTING, cv=SimpleUploadedFile("existing.pdf", PDF))


@pytest.fixture
def other(db):
    """A second lead, whose email an edit of the first one may try to take."""
    return LeadFactory(email=OTHER_EMAIL)


@pytest.fixture
def token(attorney):
    """An attorney's API token."""
    return Token.objects.create(user=attorney).key
