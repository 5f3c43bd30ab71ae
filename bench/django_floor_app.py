"""The framework floor: what Django and DRF cost on this machine before any of the project's
work. The same two routes as scenarios 1 and 2, served by a DRF view with no middleware, no
validation and no history, reading and writing the project's Lead table through the ORM, with no
authentication or (FLOOR_TOKEN_AUTH=1) with DRF's token authentication, as the project's API
has. bench/run.py measures both next to the project and the bare baseline, to show how much of
the baseline's speed the framework alone leaves.

    SQLITE_PATH=/tmp/writes.sqlite3 gunicorn bench.django_floor_app:application
"""

import os

from django.conf import settings

TOKEN_AUTH = os.environ.get("FLOOR_TOKEN_AUTH") == "1"

settings.configure(
    DEBUG=False,
    SECRET_KEY="floor",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "rest_framework.authtoken",
        "leads",
    ],
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ["SQLITE_PATH"],
            "CONN_MAX_AGE": 600,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    },
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": (
            ["rest_framework.authentication.TokenAuthentication"] if TOKEN_AUTH else []
        ),
        "DEFAULT_PERMISSION_CLASSES": (
            ["rest_framework.permissions.IsAuthenticated"] if TOKEN_AUTH else []
        ),
        "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser" if TOKEN_AUTH else None,
    },
    STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "cvs": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    },
    USE_TZ=True,
    STALE_LEAD_DAYS=7,
)

import django  # noqa: E402 (settings first)

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from leads.models import Lead  # noqa: E402

FIELDS = ["id", "first_name", "last_name", "email", "resume", "state", "created_at"]


class LeadRead(APIView):
    def get(self, request, pk):
        return Response(Lead.objects.filter(pk=pk).values(*FIELDS).first() or {})


class LeadCreate(APIView):
    def post(self, request):
        data = request.data
        lead = Lead.objects.create(
            first_name=data["FIRST_NAME"],
            last_name=data["LAST_NAME"],
            email=data["EMAIL"],
            resume=data["RESUME"],
        )
        return Response({"LEAD_ID": lead.pk}, status=201)


urlpatterns = [path("create", LeadCreate.as_view()), path("get/<int:pk>", LeadRead.as_view())]
application = get_wsgi_application()
