"""A bucket of the tests' own on the S3 endpoint of scripts/with-s3 (moto's server), made the CV
storage through the settings as README says (CV_BUCKET, CV_BUCKET_ENDPOINT_URL, CV_BUCKET_REGION
and the AWS keys). The `bucket` fixture is in conftest.py."""

import runpy
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings as django_settings

from .throwaway_servers import throwaway_server_url

SETTINGS_FILE = Path(django_settings.BASE_DIR) / "leads_dashboard" / "settings.py"
KEYS = {"AWS_ACCESS_KEY_ID": "testing-key", "AWS_SECRET_ACCESS_KEY": "testing-secret"}
REGION = "us-east-1"


def s3_endpoint_url():
    return throwaway_server_url("TEST_S3_ENDPOINT_URL", "scripts/with-s3")


def cvs_storage_settings(monkeypatch, **environment):
    """The "cvs" entry of STORAGES that leads_dashboard/settings.py gives for `environment`."""
    for name in ("CV_BUCKET", "CV_BUCKET_ENDPOINT_URL", "CV_BUCKET_REGION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))["STORAGES"]["cvs"]


@dataclass
class Bucket:
    endpoint_url: str
    name: str
    client: object  # boto3's S3 client, with the test's keys

    def keys(self):
        contents = self.client.list_objects_v2(Bucket=self.name).get("Contents", [])
        return sorted(item["Key"] for item in contents)

    def read(self, key):
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()
