"""The plain text of an uploaded CV, so that CVs can be searched.

CVs come from the public intake form, so the work done on one is bounded: a hostile file must
not be able to hold the background worker (leads/tasks.py) for long or fill its memory. The
reading is limited (pages, characters, unpacked size) and, since a small crafted PDF can still
keep pypdf busy for minutes, it runs in a child process that is killed after TIME_LIMIT_SECONDS,
may not use more than MEMORY_LIMIT_BYTES, and yields the CPU to the web processes (NICENESS).
"""

import codecs
import io
import json
import logging
import os
import resource
import subprocess
import sys
import zipfile
from itertools import islice
from pathlib import PurePath

MAX_PAGES = 20  # PDF pages read at most
MAX_CHARACTERS = 50_000  # characters kept at most
TIME_LIMIT_SECONDS = 10
MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024
NICENESS = 10  # added to the child's scheduling priority: requests come first

# python-docx unpacks every part of the archive into memory: refuse a zip bomb first. Word
# files are mostly compressed XML and images, so a 5 MB upload unpacks to far less than this.
_MAX_DOCX_UNPACKED_BYTES = 50_000_000

# pypdf logs a warning for every flaw it works around in a non-conforming PDF, and CVs exported
# by all sorts of tools have many. They are not our errors; the ones that stop pypdf are raised
# as exceptions (and become CVTextError), and its error-level records still get through.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class CVTextError(Exception):
    """The CV's text could not be read; str(error) says why, for humans (no stack traces, no
    file paths)."""


def extract_cv_text(file, filename) -> str:
    """Return the text of the CV `file` (see read_cv_text()), read in a child process within
    TIME_LIMIT_SECONDS and MEMORY_LIMIT_BYTES; CVTextError if it cannot be read in them."""
    extension = PurePath(filename).suffix.lower()
    if extension not in _READERS:
        return ""
    file.seek(0)
    data = file.read()
    file.seek(0)  # the caller still saves the upload after this
    try:
        child = subprocess.run(
            [sys.executable, "-I", __file__, extension, str(MEMORY_LIMIT_BYTES)],
            input=data,
            capture_output=True,
            timeout=TIME_LIMIT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise CVTextError("Reading the CV took too long, so its text was not kept.") from None
    try:
        answer = json.loads(child.stdout)
    except ValueError:  # killed or crashed (out of memory, say) before it could answer
        raise CVTextError(_UNREADABLE[extension]) from None
    if "error" in answer:
        raise CVTextError(answer["error"])
    return answer["text"]


def read_cv_text(file, filename) -> str:
    """Return the text of the CV `file`, whitespace collapsed, at most MAX_CHARACTERS long, in
    this process (extract_cv_text() runs this in a child process).

    The extension of `filename` decides how the file is read. DOC and RTF (and any other
    type) give "": their text is not extracted, which is not an error.
    """
    extension = PurePath(filename).suffix.lower()
    read_pieces = _READERS.get(extension)
    if read_pieces is None:
        return ""
    file.seek(0)
    try:
        return _collect(read_pieces(file))
    except CVTextError:
        raise
    except Exception as error:
        # Damaged or hostile files make these libraries raise all sorts of exceptions, not
        # only their own; the cause stays attached for anyone who logs the error.
        raise CVTextError(_UNREADABLE[extension]) from error
    finally:
        file.seek(0)


def _collect(pieces):
    """Join the text pieces with whitespace collapsed, asking for no more once MAX_CHARACTERS
    are collected (`pieces` is lazy, so the rest of the file is never read)."""
    kept, length = [], 0
    for piece in pieces:
        # Control characters (NUL above all, which PostgreSQL cannot store) are not text.
        piece = " ".join(piece.translate(_CONTROL_CHARACTERS).split())
        if piece:
            kept.append(piece)
            length += len(piece) + 1
            if length > MAX_CHARACTERS:
                break
    return " ".join(kept)[:MAX_CHARACTERS]


# pypdf and python-docx (with lxml) are imported when a CV is read, not when the app starts:
# they would add some 15 MB to every worker, most of which never reads a CV.


def _read_pdf(file):
    from pypdf import PasswordType, PdfReader

    reader = PdfReader(file)
    # Many PDFs are "encrypted" with an empty password only to restrict printing or copying.
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise CVTextError("The PDF is password-protected, so its text could not be read.")
    for page in islice(reader.pages, MAX_PAGES):
        yield page.extract_text()


def _read_docx(file):
    from docx import Document
    from docx.oxml.ns import qn

    with zipfile.ZipFile(file) as archive:
        if sum(member.file_size for member in archive.infolist()) > _MAX_DOCX_UNPACKED_BYTES:
            raise CVTextError("The DOCX file is too large once unpacked, so it was not read.")
    file.seek(0)
    body = Document(file).element.body
    # Every paragraph of the body in document order, those in table cells (nested tables too)
    # and content controls included, each once. Table.rows/cells are not used: they repeat a
    # merged cell once per grid column it spans, and the span is whatever the file says.
    for paragraph in body.iter(qn("w:p")):
        yield paragraph.text


def _read_txt(file):
    # UTF-8 takes at most 4 bytes a character, so this is enough for MAX_CHARACTERS.
    data = file.read(MAX_CHARACTERS * 4)
    try:
        # Not final: a character cut in two by the read limit above is dropped, not an error.
        yield codecs.getincrementaldecoder("utf-8-sig")().decode(data)
    except UnicodeDecodeError:
        # Latin-1 decodes any bytes, so older Windows-made files still give something searchable.
        yield data.decode("latin-1")


# Whitespace controls (tab, newline, ...) become spaces; the others are dropped.
_CONTROL_CHARACTERS = {
    code: " " if chr(code).isspace() else None for code in [*range(0x20), *range(0x7F, 0xA0)]
}
_READERS = {".pdf": _read_pdf, ".docx": _read_docx, ".txt": _read_txt}
_UNREADABLE = {
    ".pdf": "The PDF could not be read (it may be damaged or password-protected).",
    ".docx": "The DOCX file could not be read (it may be damaged).",
    ".txt": "The text file could not be read.",
}


def _child():
    """The child process of extract_cv_text(): the file on stdin, its extension and memory limit
    as arguments, {"text": ...} or {"error": ...} as JSON on stdout."""
    memory_limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    os.nice(NICENESS)
    try:
        answer = {"text": read_cv_text(io.BytesIO(sys.stdin.buffer.read()), "cv" + sys.argv[1])}
    except CVTextError as error:
        answer = {"error": str(error)}
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    _child()
