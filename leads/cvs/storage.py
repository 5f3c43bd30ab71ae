"""CV files: where they are stored (STORAGES["cvs"]: a local folder or an S3 bucket), under
what name, and their deletion once the change that replaces or removes one commits: a CV is
personal data."""

import logging
import uuid
from functools import partial
from pathlib import PurePath

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty

logger = logging.getLogger(__name__)


class CVStorage(LazyObject):
    """STORAGES["cvs"], looked up when first used, as Django's default_storage is: the CV fields
    keep this one object, and a change of the setting (a test's) takes effect at once."""

    def _setup(self):
        self._wrapped = storages["cvs"]


cvs = CVStorage()


@receiver(setting_changed)
def _forget_cv_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        cvs._wrapped = empty


def cv_storage():
    """The CV fields' storage (a callable, so that migrations do not spell out its settings)."""
    return cvs


def cv_upload_to(lead, filename):
    # The prospect's file name is never used as a path: only its (validated) extension is kept.
    extension = PurePath(filename).suffix.lower()
    return f"cvs/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


def stored_cv_name(lead, update_fields):
    """The name of the CV file stored for `lead`, read before a save of `update_fields` (None:
    every field) that may replace it; None for a new lead or a save that leaves the CV alone."""
    if lead.pk and (update_fields is None or "cv" in update_fields):
        return type(lead).objects.filter(pk=lead.pk).values_list("cv", flat=True).first()
    return None


def delete_replaced_cv_on_commit(cv, stored_name):
    """After a save: `cv` is the saved CV field, `stored_name` what stored_cv_name() read before."""
    if stored_name and stored_name != cv.name:
        # A CV is personal data: once replaced or removed, the old file goes too.
        delete_cv_file_on_commit(cv.storage, stored_name)


def delete_cv_file_on_commit(storage, name):
    transaction.on_commit(partial(_delete_cv_file, storage, name))


def _delete_cv_file(storage, name):
    # The change is committed: a storage that fails now (a bucket that does not answer) must
    # not turn it into an error page. The log names the file for someone to delete by hand.
    try:
        storage.delete(name)
    except Exception:
        logger.exception("Could not delete the CV file %s: delete it by hand", name)
