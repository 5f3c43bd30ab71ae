"""A prospect's CV kept across a submission that comes back with an error (a mistyped email, the
rate limit), so that it need not be chosen again: browsers empty a file input on every page.

The file is stored in the CV storage under held/ and the page carries a signed reference to it
(the prospect's browser cannot point it at another file). The next submission takes the file
from there, unless the prospect removes it or chooses another. A held file is deleted once the
submission that uses it is stored, and in any case after HOLD_SECONDS, by a background task.
"""

import datetime
import uuid
from dataclasses import dataclass
from pathlib import PurePath

from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from .. import tasks
from ..models import Lead

HOLD_SECONDS = 60 * 60
SALT = "leads.held-cv"


def storage():
    """Where CVs are kept (the lead's CV field's storage)."""
    return Lead._meta.get_field("cv").storage


@dataclass(frozen=True)
class HeldCV:
    reference: str  # what the page sends back
    name: str  # in the storage
    filename: str  # as the prospect's file was called


def hold(upload):
    """Store `upload` (a validated CV file) for HOLD_SECONDS; returns its HeldCV."""
    extension = PurePath(upload.name).suffix.lower()
    upload.seek(0)
    name = storage().save(f"held/{uuid.uuid4().hex}{extension}", upload)
    run_after = timezone.now() + datetime.timedelta(seconds=HOLD_SECONDS + 60)
    tasks.delete_held_cv.using(run_after=run_after).enqueue(name)
    filename = PurePath(upload.name).name[:100]
    reference = signing.dumps({"name": name, "filename": filename}, salt=SALT)
    return HeldCV(reference, name, filename)


def find(reference):
    """The HeldCV that `reference` signs, if it is recent and its file still there, or None."""
    try:
        data = signing.loads(reference or "", salt=SALT, max_age=HOLD_SECONDS)
    except signing.BadSignature:
        return None
    if not storage().exists(data["name"]):
        return None
    return HeldCV(reference, data["name"], data["filename"])


def as_upload(held):
    """The held file as an upload, for the form to validate and store like a new one."""
    with storage().open(held.name, "rb") as file:
        return SimpleUploadedFile(held.filename, file.read())


def release(held):
    """The submission that used it is stored: the held copy goes."""
    storage().delete(held.name)
