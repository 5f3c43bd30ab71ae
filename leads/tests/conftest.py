"""Fixtures of the domain's tests that several modules use."""

import uuid

import boto3
import pytest

from .buckets import KEYS, REGION, Bucket, cvs_storage_settings, s3_endpoint_url


@pytest.fixture
def bucket(settings, monkeypatch):
    """A new bucket on the test S3 endpoint, made the CV storage as README says (CV_BUCKET and
    the others); emptied and deleted after the test."""
    endpoint_url = s3_endpoint_url()
    name = f"cvs-{uuid.uuid4().hex}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "cvs": cvs_storage_settings(
            monkeypatch,
            CV_BUCKET=name,
            CV_BUCKET_ENDPOINT_URL=endpoint_url,
            CV_BUCKET_REGION=REGION,
            **KEYS,
        ),
    }
    bucket = Bucket(endpoint_url, name, client)
    yield bucket
    for key in bucket.keys():
        client.delete_object(Bucket=name, Key=key)
    client.delete_bucket(Bucket=name)
