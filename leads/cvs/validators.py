"""The checks of a CV file: its size, its type by name, and its content (sniffed)."""

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

# Accepted CV types, each with the first bytes a real file of that type starts with. The
# extension alone proves nothing: a file must also look like what its name claims.
CV_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".docx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".rtf": (b"{\\rtf",),
    ".txt": None,  # plain text has no signature; it must decode as UTF-8 instead
}
CV_EXTENSIONS = ", ".join(ext.lstrip(".").upper() for ext in CV_SIGNATURES)


def validate_cv(file):
    """A CV is at most CV_MAX_SIZE bytes, has an accepted extension and content to match."""
    if getattr(file, "_committed", False):
        # Already stored: it was checked on upload. Re-reading it on every edit would only fail
        # for reasons that are not the attorney's (say, a file missing from disk).
        return
    if file.size > settings.CV_MAX_SIZE:
        raise ValidationError(
            "The CV is too large (%(size)s). The limit is %(limit)s.",
            code="cv_too_large",
            params={
                "size": filesizeformat(file.size),
                "limit": filesizeformat(settings.CV_MAX_SIZE),
            },
        )
    extension = PurePath(file.name).suffix.lower()
    if extension not in CV_SIGNATURES:
        raise ValidationError(
            "Upload the CV as one of: %(extensions)s.",
            code="cv_bad_type",
            params={"extensions": CV_EXTENSIONS},
        )
    if file.size == 0:
        raise ValidationError("The CV file is empty.", code="cv_empty")
    file.seek(0)
    head = file.read(2048)
    file.seek(0)
    signatures = CV_SIGNATURES[extension]
    if signatures is None:
        looks_right = b"\x00" not in head and _is_utf8_prefix(head)
    else:
        looks_right = head.startswith(signatures)
    if not looks_right:
        raise ValidationError(
            "The CV does not look like a %(type)s file. Check the file and try again.",
            code="cv_bad_content",
            params={"type": extension.lstrip(".").upper()},
        )


def _is_utf8_prefix(data):
    # The prefix may end in the middle of a multi-byte character: allow up to 3 bytes cut off.
    for cut in range(4):
        try:
            data[: len(data) - cut].decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False
