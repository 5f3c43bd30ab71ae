"""The CV files the tests share: the smallest valid PDF, and real PDF and DOCX files with the
text a test chooses (for the tests that read CVs)."""

from io import BytesIO

import docx
from django.core.files.uploadedfile import SimpleUploadedFile

# The smallest file the CV checks take for a PDF (leads/validators.py sniffs the signature).
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


def pdf_upload(name="cv.pdf", content=PDF):
    """`content` as an uploaded PDF CV."""
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def make_pdf(*page_texts):
    """A real PDF with one page per text, written out by hand (Helvetica, one line a page)."""
    count = len(page_texts)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, text in enumerate(page_texts):
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {5 + 2 * i} 0 R"
            " /Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(pdf)


def make_docx(*paragraphs, table=None):
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        rows = document.add_table(rows=len(table), cols=len(table[0])).rows
        for row, texts in zip(rows, table, strict=True):
            for cell, text in zip(row.cells, texts, strict=True):
                cell.text = text
    out = BytesIO()
    document.save(out)
    return out.getvalue()
