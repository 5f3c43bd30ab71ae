"""CSV export of leads, streamed so that 100,000 leads take no more memory than a few.

The columns, in order (see EXPORT_COLUMNS):

- lead_id: the lead's id.
- the person's fields (Lead.PERSON_FIELDS), each under its field name, as stored: first_name,
  last_name, email; the long text (resume) at the end, so that the short columns stay readable
  in a spreadsheet; a file (cv) as has_cv.
- state: a Lead.State value (PENDING, REACHED_OUT).
- created_at, reached_out_at: ISO 8601 in UTC with the offset (2025-03-01T14:05:09+00:00);
  reached_out_at is empty for a pending lead.
- reached_out_by: the email address (or, if it has none, the username) of the attorney who
  reached out; empty if nobody did or the account is gone.
- has_cv: "yes" if a CV file is on record, else "no" (the file itself is not exported).

The file is UTF-8 with a byte order mark, so that Excel shows accented names right. A cell that a
spreadsheet would run as a formula is prefixed with an apostrophe (see neutralise()).
"""

import csv
import datetime

from django.db import models
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

from lib.users import email_or_username

from ..models import Lead


def _person_columns():
    """The person's fields as columns: the short ones, the long texts, and a file as has_<name>."""
    short, long_texts, files = [], [], []
    for field in Lead.person_fields():
        if isinstance(field, models.FileField):
            files.append(f"has_{field.name}")
        elif isinstance(field, models.TextField):
            long_texts.append(field.name)
        else:
            short.append(field.name)
    return short, long_texts, files


SHORT_COLUMNS, LONG_TEXT_COLUMNS, FILE_COLUMNS = _person_columns()
EXPORT_COLUMNS = (
    "lead_id",
    *SHORT_COLUMNS,
    "state",
    "created_at",
    "reached_out_at",
    "reached_out_by",
    *LONG_TEXT_COLUMNS,
    *FILE_COLUMNS,
)
# Spreadsheets run a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000


def neutralise(value):
    """The cell text for `value`, with a leading apostrophe if a spreadsheet would take it for a
    formula: Excel and LibreOffice show the apostrophe-prefixed text as it is."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def unneutralise(text):
    """The cell text as it was before neutralise(), so that an export imports back unchanged."""
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def export_rows(leads):
    """The header, then one row per lead of the queryset `leads`, read from the database in
    chunks so that memory stays flat however many leads there are."""
    yield EXPORT_COLUMNS
    leads = leads.select_related("reached_out_by").defer("cv_text")
    for lead in leads.iterator(chunk_size=CHUNK_SIZE):
        yield [neutralise(_value(lead, column)) for column in EXPORT_COLUMNS]


def csv_response(leads, filename):
    """A streamed download of `leads` (a queryset) as CSV, named `filename`."""
    writer = csv.writer(_Echo())
    rows = (writer.writerow(row) for row in export_rows(leads))
    response = StreamingHttpResponse(_with_bom(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


class _Echo:
    """A file-like object that hands back what csv.writer writes, instead of keeping it."""

    def write(self, value):
        return value


def _with_bom(lines):
    yield "\ufeff"
    yield from lines


def _value(lead, column):
    if column == "lead_id":
        return lead.pk
    if column in ("created_at", "reached_out_at"):
        return _iso(getattr(lead, column))
    if column == "reached_out_by":
        return email_or_username(lead.reached_out_by)
    if column.startswith("has_"):
        return "yes" if getattr(lead, column.removeprefix("has_")) else "no"
    return getattr(lead, column)


def _iso(moment):
    if moment is None:
        return ""
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds")
