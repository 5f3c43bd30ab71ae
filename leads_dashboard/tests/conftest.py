"""The URL tests' `site` fixture (routes.Site)."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token

from leads.models import Erasure, Resubmission
from leads.tasks import read_cv
from leads.tests.factories import AttorneyFactory, LeadFactory, UserFactory

from .routes import CV, RESUME, Site


@pytest.fixture
def site(db):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    lead = LeadFactory(
        first_name="Zebulon",
        last_name="Quillfeather",
        email="zebulon.quillfeather@example.com",
        resume=RESUME,
        cv=SimpleUploadedFile("cv.pdf", CV),
    )
    users = {
        "anonymous": None,
        "outsider": UserFactory(),
        "staff": UserFactory(is_staff=True),
        "attorney": AttorneyFactory(),
        "eraser": AttorneyFactory(),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }
    users["eraser"].user_permissions.add(Permission.objects.get(codename="erase_lead"))
    tokens = {
        who: Token.objects.create(user=user).key for who, user in users.items() if user is not None
    }
    attempt = {
        "user_agent": "test",
        "ip_address": "127.0.0.1",
        "username": "someone@example.com",
        "http_accept": "*/*",
        "path_info": reverse("login"),
    }
    AccessAttempt.objects.create(**attempt, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**attempt)
    AccessFailureLog.objects.create(**attempt)
    read_cv.enqueue(lead.pk, lead.cv.name)  # a background task, for the admin's task results
    # The prospect sent the form again (with a CV): kept beside the lead.
    Resubmission.objects.create(
        lead=lead,
        first_name=lead.first_name,
        last_name=lead.last_name,
        email=lead.email,
        resume=RESUME,
        cv=SimpleUploadedFile("cv.pdf", CV),
    )
    # Another lead, erased: the erasure log's entry.
    Erasure.objects.create(lead_id=lead.pk + 1000, reason=Erasure.Reason.REQUEST)
    return Site(lead=lead, users=users, tokens=tokens)
