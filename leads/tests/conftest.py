"""Fixtures of the domain's tests that several modules use."""

import asyncio
import email
import socket
import threading
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


@pytest.fixture
def mail_server():
    """An SMTP server (aiosmtpd) that takes the whole of the first message, then never answers
    it (as a server that hangs on DATA), and accepts the others. Returns its port, the first
    message (`hung`, set once it hangs) and the messages it accepted."""
    from aiosmtpd.controller import Controller

    server = type("MailServer", (), {})()
    server.hung, server.received, server.hanging = [], [], threading.Event()
    released = threading.Event()

    class Handler:
        async def handle_DATA(self, smtp, session, envelope):  # noqa: N802 (aiosmtpd's name)
            message = (envelope.rcpt_tos, email.message_from_bytes(envelope.content))
            if not server.hung:
                server.hung.append(message)
                server.hanging.set()
                while not released.is_set():
                    await asyncio.sleep(0.1)
                return "451 Never answered"
            server.received.append(message)
            return "250 Message accepted"

    with socket.create_server(("127.0.0.1", 0)) as probe:
        server.port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=server.port)
    controller.start()
    yield server
    released.set()
    controller.stop()
