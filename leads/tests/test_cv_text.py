from io import BytesIO

import docx
import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from leads.cvs import text as cv_text
from leads.cvs.text import CVTextError, extract_cv_text, read_cv_text
from leads.tests.files import make_docx, make_pdf


def encrypt_pdf(data, user_password):
    writer = pypdf.PdfWriter(clone_from=BytesIO(data))
    writer.encrypt(user_password=user_password, owner_password="owner-secret")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_it_extracts_pdf_text():
    upload = SimpleUploadedFile("cv.PDF", make_pdf("Jane Doe", "Litigation   paralegal"))

    assert read_cv_text(upload, upload.name) == "Jane Doe Litigation paralegal"


def test_it_rewinds_the_file_before_and_after():
    upload = SimpleUploadedFile("cv.pdf", make_pdf("Jane Doe"))
    upload.read()

    assert read_cv_text(upload, upload.name) == "Jane Doe"
    assert upload.tell() == 0


def test_it_reads_at_most_max_pages(monkeypatch):
    monkeypatch.setattr(cv_text, "MAX_PAGES", 2)
    data = make_pdf("page one", "page two", "page three")

    assert read_cv_text(BytesIO(data), "cv.pdf") == "page one page two"


def test_it_stops_reading_pages_once_it_has_enough_text(monkeypatch):
    monkeypatch.setattr(cv_text, "MAX_CHARACTERS", 5)
    extract_text = pypdf.PageObject.extract_text
    pages_read = []

    def spy(page, *args, **kwargs):
        pages_read.append(page)
        return extract_text(page, *args, **kwargs)

    monkeypatch.setattr(pypdf.PageObject, "extract_text", spy)
    data = make_pdf("Jane Doe", "page two", "page three")

    assert read_cv_text(BytesIO(data), "cv.pdf") == "Jane "
    assert len(pages_read) == 1


def test_it_cuts_the_text_at_max_characters():
    words = "word " * (cv_text.MAX_CHARACTERS // 5 + 100)
    data = make_pdf(words[:20_000], words[:20_000], words[:20_000])

    text = read_cv_text(BytesIO(data), "cv.pdf")

    assert len(text) == cv_text.MAX_CHARACTERS
    assert text.startswith("word word")


def test_it_rejects_a_damaged_pdf():
    upload = SimpleUploadedFile("cv.pdf", b"%PDF-1.4\nnot really a PDF at all")

    with pytest.raises(CVTextError) as caught:
        read_cv_text(upload, upload.name)

    assert str(caught.value) == (
        "The PDF could not be read (it may be damaged or password-protected)."
    )
    assert upload.tell() == 0


def test_it_reads_a_pdf_encrypted_with_an_empty_password():
    data = encrypt_pdf(make_pdf("Jane Doe"), user_password="")

    assert read_cv_text(BytesIO(data), "cv.pdf") == "Jane Doe"


def test_it_rejects_a_password_protected_pdf():
    data = encrypt_pdf(make_pdf("Jane Doe"), user_password="secret")

    with pytest.raises(CVTextError, match="password-protected"):
        read_cv_text(BytesIO(data), "cv.pdf")


def test_it_keeps_pypdf_workaround_warnings_out_of_the_logs(caplog):
    # A wrong startxref offset: pypdf rebuilds the cross-reference table and logs a warning.
    data = make_pdf("Jane Doe").replace(b"startxref\n", b"startxref\n1")

    assert read_cv_text(BytesIO(data), "cv.pdf") == "Jane Doe"
    assert not [record for record in caplog.records if record.name.startswith("pypdf")]


def test_it_extracts_docx_text_with_tables():
    data = make_docx(
        "Jane  Doe", "Paralegal", table=[["Skills", "Drafting"], ["Languages", "Spanish"]]
    )
    upload = SimpleUploadedFile("cv.docx", data)

    text = read_cv_text(upload, upload.name)

    assert text == "Jane Doe Paralegal Skills Drafting Languages Spanish"
    assert upload.tell() == 0


def test_it_reads_a_merged_docx_cell_once():
    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "Summary"
    out = BytesIO()
    document.save(out)

    assert read_cv_text(out, "cv.docx") == "Summary"


def test_it_stops_docx_text_at_max_characters(monkeypatch):
    monkeypatch.setattr(cv_text, "MAX_CHARACTERS", 12)
    data = make_docx("Jane Doe", "Paralegal", "Spanish")

    assert read_cv_text(BytesIO(data), "cv.docx") == "Jane Doe Par"


def test_it_rejects_a_docx_that_unpacks_too_large(monkeypatch):
    monkeypatch.setattr(cv_text, "_MAX_DOCX_UNPACKED_BYTES", 1_000)

    with pytest.raises(CVTextError, match="too large once unpacked"):
        read_cv_text(BytesIO(make_docx("Jane Doe")), "cv.docx")


def test_it_rejects_a_damaged_docx():
    with pytest.raises(CVTextError) as caught:
        read_cv_text(BytesIO(b"PK\x03\x04 not a zip"), "cv.docx")

    assert str(caught.value) == "The DOCX file could not be read (it may be damaged)."


def test_it_extracts_utf8_text():
    upload = SimpleUploadedFile("cv.txt", "\ufeffJosé  Núñez\n\nParalegal\n".encode())

    assert read_cv_text(upload, upload.name) == "José Núñez Paralegal"
    assert upload.tell() == 0


def test_it_falls_back_to_latin1_text():
    data = "Zoë Brontë".encode("latin-1")

    assert read_cv_text(BytesIO(data), "cv.txt") == "Zoë Brontë"


def test_it_cuts_long_text_files_at_max_characters():
    # Three bytes a character: the bounded read ends in the middle of one.
    data = ("€" * (cv_text.MAX_CHARACTERS * 2)).encode()

    assert read_cv_text(BytesIO(data), "cv.txt") == "€" * cv_text.MAX_CHARACTERS


@pytest.mark.parametrize("filename", ["cv.doc", "cv.RTF"])
def test_it_returns_nothing_for_doc_and_rtf(filename):
    upload = SimpleUploadedFile(filename, b"{\\rtf1 Jane Doe}")

    assert read_cv_text(upload, upload.name) == ""
    assert upload.tell() == 0


def test_it_drops_control_characters():
    text = read_cv_text(BytesIO("Nurse\x00 in\x07 Lagos\tand\x85Accra".encode()), "cv.txt")
    assert text == "Nurse in Lagos and Accra"


# extract_cv_text(): the same reading, in a child process with a time and a memory limit.


@pytest.mark.parametrize(
    "filename, data, text",
    [
        ("cv.pdf", make_pdf("Registered nurse", "Lagos"), "Registered nurse Lagos"),
        ("CV.DOCX", make_docx("Welder,", "Accra"), "Welder, Accra"),
        ("cv.txt", "Zoë Ørsted".encode(), "Zoë Ørsted"),
    ],
)
def test_the_child_process_reads_the_text(filename, data, text):
    upload = SimpleUploadedFile(filename, data)
    upload.read(3)
    assert extract_cv_text(upload, filename) == text
    assert upload.tell() == 0


def test_the_child_process_reports_a_damaged_file():
    with pytest.raises(CVTextError) as error:
        extract_cv_text(BytesIO(b"%PDF-1.4 not really"), "cv.pdf")
    assert str(error.value) == (
        "The PDF could not be read (it may be damaged or password-protected)."
    )


def test_a_cv_that_takes_too_long_is_given_up(monkeypatch):
    monkeypatch.setattr(cv_text, "TIME_LIMIT_SECONDS", 0.001)
    with pytest.raises(CVTextError, match="took too long"):
        extract_cv_text(BytesIO(make_pdf("Slow")), "cv.pdf")


def test_a_cv_that_needs_too_much_memory_is_given_up(monkeypatch):
    # Not even the PDF library fits in 30 MB: the child dies without an answer.
    monkeypatch.setattr(cv_text, "MEMORY_LIMIT_BYTES", 30 * 1024 * 1024)
    with pytest.raises(CVTextError, match="could not be read"):
        extract_cv_text(BytesIO(make_pdf("Greedy")), "cv.pdf")
