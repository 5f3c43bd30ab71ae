"""CSV import of leads: each row is checked by the same rules as the forms (LeadImportForm and
the Lead model), and the whole file is refused before anything is stored if it cannot be read.

Rules (docs/guide.md, "CSV export and import", says the same for the people who use it):
- UTF-8, with or without a byte order mark; comma-separated, cells quoted as Excel does.
- The header row names the columns, in any order and any case: one per field of the person
  (LeadImportForm's: Lead.PERSON_FIELDS but the CV file, which a CSV cannot carry), of which the
  required fields and the resume (REQUIRED_COLUMNS) must be there; the other columns of an export
  (EXPORT_COLUMNS) are allowed and ignored, so that an export can be imported again; any other
  column refuses the file.
- At most MAX_BYTES bytes and MAX_ROWS rows (the admin's import page takes fewer: see
  leads/admin.py). Empty lines are skipped.
- A row whose email already belongs to a lead (in any case), or to an earlier row of the file,
  is skipped as a duplicate; a row that breaks a rule is skipped as invalid. Both are reported
  with their line number in the file (the header is line 1).
- A cell that an export neutralised against formulas ("'=...", "'-...") loses that apostrophe.
- Each lead created is recorded in its history as created by a CSV import.
- A dry run checks and reports the same, and stores nothing.
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS
from django.template.defaultfilters import filesizeformat

from .. import lifecycle
from ..forms import LeadImportForm
from ..models import Activity, DuplicateEmail, Lead
from .exports import EXPORT_COLUMNS, unneutralise

# The person's fields a row carries, each in the column of its name.
IMPORTED_FIELDS = LeadImportForm.Meta.fields
# The columns a file must have: every field a lead requires, and the resume, which must stand in
# for the CV. An optional field's column may be left out.
REQUIRED_COLUMNS = tuple(
    name for name in IMPORTED_FIELDS if name == "resume" or not Lead._meta.get_field(name).blank
)
# A real run writes one lead (and its history entry) per transaction, so that the intake form is
# never kept waiting on the database for long; it takes about 1 ms a row, so these bounds keep a
# run to a few minutes at most.
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000


class ImportRefused(Exception):
    """The file as a whole cannot be imported; nothing was stored."""


@dataclass(frozen=True)
class CreatedRow:
    line: int
    name: str
    lead_id: int | None  # None in a dry run

    def __str__(self):
        lead = f"lead #{self.lead_id} " if self.lead_id else ""
        return f"Line {self.line}: {lead}{self.name}"


@dataclass(frozen=True)
class DuplicateRow:
    line: int
    existing_name: str
    existing_id: int | None  # None for an earlier row of the file in a dry run
    earlier_line: int | None = None  # set when the duplicate is of an earlier row of the file

    def __str__(self):
        existing = f"lead #{self.existing_id} " if self.existing_id else ""
        existing += self.existing_name
        if self.earlier_line:
            return f"Line {self.line}: same email as line {self.earlier_line} ({existing})"
        return f"Line {self.line}: already a lead: {existing}"


@dataclass(frozen=True)
class InvalidRow:
    line: int
    reasons: list[str]

    def __str__(self):
        return f"Line {self.line}: {' '.join(self.reasons)}"


@dataclass
class ImportReport:
    dry_run: bool
    created: list[CreatedRow] = field(default_factory=list)
    duplicates: list[DuplicateRow] = field(default_factory=list)
    invalid: list[InvalidRow] = field(default_factory=list)

    def __str__(self):
        created = "would be created" if self.dry_run else "created"
        return (
            f"{len(self.created)} lead(s) {created}, {len(self.duplicates)} duplicate(s) "
            f"skipped, {len(self.invalid)} invalid row(s) skipped."
        )


def import_leads(file, *, dry_run=False, actor=None, progress=None, max_rows=None):
    """Import the leads of the CSV in `file` (a binary file object) and report row by row.

    Raises ImportRefused, with nothing stored, if the file cannot be read as a whole. `actor`
    (a user, or None) is recorded in each new lead's history; `progress`, if given, is called
    as progress(rows_done, rows_total) after each row. A file of more than `max_rows` rows
    (MAX_ROWS if None) is refused."""
    text = _decode(file.read(MAX_BYTES + 1))
    columns, total = _check_structure(text, max_rows or MAX_ROWS)
    report = ImportReport(dry_run=dry_run)
    # The normalised email of each lead created (or, in a dry run, to be created) by this file.
    seen = {}
    rows = _rows(text)
    next(rows)  # the header
    for done, (line, cells) in enumerate(rows, start=1):
        _import_row(line, dict(zip(columns, cells, strict=True)), report, seen, dry_run, actor)
        if progress:
            progress(done, total)
    return report


def _decode(data):
    if len(data) > MAX_BYTES:
        raise ImportRefused(
            f"The file is over {filesizeformat(MAX_BYTES)}: split it into smaller files."
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            f"The file is not UTF-8 text: {error.reason} (byte {error.start + 1}). "
            "Save it as “CSV UTF-8” and try again."
        ) from None
    return text.removeprefix("\ufeff")


def _check_structure(text, max_rows):
    """The column of each cell, and how many data rows there are; refuses a file that is not
    a CSV of leads before any row is imported."""
    rows = _rows(text)
    try:
        _, header = next(rows)
    except StopIteration:
        raise ImportRefused("The file is empty.") from None
    columns = [name.strip().lower() for name in header]
    unknown = [name for name in columns if name not in EXPORT_COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if unknown or missing or repeated:
        problems = []
        if missing:
            problems.append(f"missing column(s): {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s): {', '.join(repr(name) for name in unknown)}")
        if repeated:
            problems.append(f"column(s) named twice: {', '.join(repeated)}")
        raise ImportRefused(
            f"The header row does not fit: {'; '.join(problems)}. It needs "
            f"{', '.join(REQUIRED_COLUMNS)} and may have the other columns of an export "
            f"({', '.join(c for c in EXPORT_COLUMNS if c not in REQUIRED_COLUMNS)})."
        )
    total = 0
    for line, cells in rows:
        if len(cells) != len(columns):
            raise ImportRefused(
                f"Line {line} has {len(cells)} cell(s) where the header has {len(columns)}: "
                "check the commas and quotes on that line."
            )
        total += 1
        if total > max_rows:
            raise ImportRefused(
                f"The file has more than {max_rows:,} rows: split it into smaller files."
            )
    return columns, total


def _rows(text):
    """(line number where the row starts, cells) for each row that is not empty. A cell may
    span lines (a quoted resume), so the line numbers come from the reader."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next_line = 1
    try:
        for cells in reader:
            line, next_line = next_line, reader.line_num + 1
            if any(cell.strip() for cell in cells):
                yield line, cells
    except csv.Error as error:
        raise ImportRefused(f"Line {next_line} is not valid CSV: {error}.") from None


def _import_row(line, values, report, seen, dry_run, actor):
    form = LeadImportForm(
        {name: unneutralise(values[name]) for name in IMPORTED_FIELDS if name in values}
    )
    valid = form.is_valid()
    email = form.instance.email_key  # one person, however the address is spelled
    if email in seen:
        earlier = seen[email]
        report.duplicates.append(
            DuplicateRow(line, earlier.name, earlier.lead_id, earlier_line=earlier.line)
        )
        return
    if form.has_error("email", "duplicate_email"):
        report.duplicates.append(_duplicate_of_stored(line, email))
        return
    if not valid:
        report.invalid.append(InvalidRow(line, _reasons(form)))
        return
    lead_id = None
    if not dry_run:
        try:
            lead = lifecycle.create_lead(
                form.save(commit=False), source=Activity.Source.IMPORT, actor=actor
            )
        except DuplicateEmail:  # a lead with this email was stored since the form checked
            report.duplicates.append(_duplicate_of_stored(line, email))
            return
        lead_id = lead.pk
    created = CreatedRow(line, form.instance.full_name, lead_id)
    report.created.append(created)
    seen[email] = created


def _duplicate_of_stored(line, email):
    existing = Lead.objects.filter(email_key=email).only("first_name", "last_name").first()
    if existing is None:  # deleted since: still, the row was not imported
        return DuplicateRow(line, email, None)
    return DuplicateRow(line, existing.full_name, existing.pk)


def _reasons(form):
    reasons = []
    for name, errors in form.errors.items():
        label = "" if name == NON_FIELD_ERRORS else f"{form.fields[name].label}: "
        reasons.extend(f"{label}{error}" for error in errors)
    return reasons
