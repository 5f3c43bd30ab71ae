"""A prospect's CV kept across a submission that comes back with an error (a mistyped email, the
rate limit), so that it need not be chosen again: browsers empty a file input on every page.

The file is stored in the CV storage under held/ and the page carries a signed reference to it
(the prospect's browser cannot point it at another file). The reference works only in the
browser that sent the file: it names a random holder kept in that browser's signed cookie
(HOLDER_COOKIE), so a reference copied to another browser attaches nothing. The next submission
takes the file from there, unless the prospect removes it or chooses another. A held file is
deleted once the submission that uses it is stored, when the person of its email address is
erased (discard_for()), and in any case after HOLD_SECONDS, by a background task.

A refused post costs disk space for an hour, so what may be held is capped
(throttling.may_hold_cv()): HELD_CV_LIMIT files per client, HELD_CV_MAX_MB in all. Over either,
the page asks the prospect to choose the file again.
"""

import datetime
import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from .. import tasks
from ..email_addresses import email_key
from ..models import Lead

logger = logging.getLogger(__name__)

HOLD_SECONDS = 60 * 60
SALT = "leads.held-cv"
HOLDER_COOKIE = "cv_holder"


def storage():
    """Where CVs are kept (the lead's CV field's storage)."""
    return Lead._meta.get_field("cv").storage


@dataclass(frozen=True)
class HeldCV:
    reference: str  # what the page sends back
    name: str  # in the storage
    filename: str  # as the prospect's file was called


def holder_of(request):
    """The browser's holder token (HOLDER_COOKIE), or None if it has none (or a forged one)."""
    return request.get_signed_cookie(HOLDER_COOKIE, default=None, salt=SALT, max_age=HOLD_SECONDS)


def new_holder():
    return secrets.token_urlsafe(16)


def remember_holder(response, holder):
    """Give the browser its holder token, for as long as a file is held."""
    response.set_signed_cookie(
        HOLDER_COOKIE,
        holder,
        salt=SALT,
        max_age=HOLD_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def folder_of(email):
    """The folder of the files held for `email` (as typed): a keyed hash of the address's key,
    so that erasing the person finds them and a file's name tells nothing about who sent it."""
    key = email_key(email or "")
    digest = hmac.new(settings.SECRET_KEY.encode(), key.encode(), hashlib.sha256).hexdigest()
    return f"held/{digest[:32]}"


def hold(upload, *, holder, email):
    """Store `upload` (a validated CV file) for HOLD_SECONDS, for `holder`'s browser, under the
    folder of `email`; returns its HeldCV."""
    extension = PurePath(upload.name).suffix.lower()
    upload.seek(0)
    name = storage().save(f"{folder_of(email)}/{uuid.uuid4().hex}{extension}", upload)
    run_after = timezone.now() + datetime.timedelta(seconds=HOLD_SECONDS + 60)
    tasks.delete_held_cv.using(run_after=run_after).enqueue(name)
    filename = PurePath(upload.name).name[:100]
    data = {"name": name, "filename": filename, "holder": holder}
    reference = signing.dumps(data, salt=SALT)
    return HeldCV(reference, name, filename)


def find(reference, holder):
    """The HeldCV that `reference` signs, if it is recent, held for this `holder` (the browser
    that sent it) and its file still there, or None."""
    try:
        data = signing.loads(reference or "", salt=SALT, max_age=HOLD_SECONDS)
    except signing.BadSignature:
        return None
    if holder is None or data.get("holder") != holder:
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


def discard_for(email):
    """Delete every file held for `email` now (its person is erased). Run once the erasure is
    committed: a storage that fails now (a bucket that does not answer) is logged, not an error
    page, and the background task deletes the files within the hour anyway."""
    folder = folder_of(email)
    try:
        _, names = storage().listdir(folder)
        for name in names:
            storage().delete(f"{folder}/{name}")
    except FileNotFoundError:
        pass
    except Exception:
        logger.exception("Could not delete the held CVs in %s: they go within the hour", folder)
