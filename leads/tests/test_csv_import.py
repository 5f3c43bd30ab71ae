import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from leads import admin as lead_admin
from leads.csv import imports
from leads.csv.exports import csv_response
from leads.csv.imports import ImportRefused, import_leads
from leads.models import Activity, Lead

from .factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

IMPORT_PAGE = reverse("admin:leads_lead_import")

# One of each kind of row; the comment says what the line should become.
MIXED = (
    "First_Name, last_name ,EMAIL,Resume\r\n"  # 1: the header, in any case and spacing
    "Ana,Silva,ana@example.com,Nurse\r\n"  # 2: created
    "Bo,Taken,TAKEN@Example.com,x\r\n"  # 3: duplicate of the stored lead
    'Carla,Multi,carla@example.com,"Line one\r\nline two"\r\n'  # 4-5: created
    " ,Blank,blank@example.com,x\r\n"  # 6: invalid, blank first name
    "Dup,Infile,ANA@example.COM,y\r\n"  # 7: duplicate of line 2
    "Eve,Bad,not-an-email,z\r\n"  # 8: invalid email
    "\r\n"  # 9: empty, skipped
    "Gus\x07,Bell,gus@example.com,\r\n"  # 10: invalid, control character and no resume
)


@pytest.fixture
def taken(db):
    return LeadFactory(first_name="Tess", last_name="Taken", email="taken@example.com")


def csv_file(text, encoding="utf-8"):
    return io.BytesIO(text.encode(encoding))


def outcome(report):
    """The report without lead ids, which only a real run has."""
    return (
        [(row.line, row.name) for row in report.created],
        [(row.line, row.existing_name, row.earlier_line) for row in report.duplicates],
        [(row.line, row.reasons) for row in report.invalid],
    )


EXPECTED = (
    [(2, "Ana Silva"), (4, "Carla Multi")],
    [(3, "Tess Taken", None), (7, "Ana Silva", 2)],
    [
        (6, ["First name: This field is required."]),
        (8, ["Email: Enter a valid email address."]),
        (
            10,
            [
                "First name: Remove line breaks and other control characters.",
                "The resume is empty.",
            ],
        ),
    ],
)


def test_it_imports_good_rows_and_reports_the_others_by_line(taken, attorney):
    report = import_leads(csv_file(MIXED), actor=attorney)

    assert outcome(report) == EXPECTED
    ana = Lead.objects.get(email="ana@example.com")
    carla = Lead.objects.get(email="carla@example.com")
    assert [row.lead_id for row in report.created] == [ana.pk, carla.pk]
    assert [row.existing_id for row in report.duplicates] == [taken.pk, ana.pk]
    assert carla.resume == "Line one\r\nline two"
    assert Lead.objects.count() == 3
    assert str(report.duplicates[1]) == f"Line 7: same email as line 2 (lead #{ana.pk} Ana Silva)"
    assert str(report) == "2 lead(s) created, 2 duplicate(s) skipped, 3 invalid row(s) skipped."
    for lead in (ana, carla):
        entry = lead.activities.get()
        assert (entry.kind, entry.source, entry.actor) == ("CREATED", "IMPORT", attorney)


def test_a_dry_run_reports_the_same_and_stores_nothing(taken):
    report = import_leads(csv_file(MIXED), dry_run=True)

    assert outcome(report) == EXPECTED
    assert [row.lead_id for row in report.created] == [None, None]
    assert list(Lead.objects.all()) == [taken]
    assert not Activity.objects.exists()
    assert str(report).startswith("2 lead(s) would be created")


def test_it_accepts_a_byte_order_mark_and_an_export():
    LeadFactory(first_name="Zoë", last_name="Ørsted", email="zoe@example.com")
    exported = b"".join(csv_response(Lead.objects.all(), "leads.csv").streaming_content)
    Lead.objects.all().delete()

    report = import_leads(io.BytesIO(exported))

    assert [row.line for row in report.created] == [2]
    assert Lead.objects.get().full_name == "Zoë Ørsted"


def test_an_export_imports_back_unchanged_formula_guards_included():
    resume = "- 5 years at ACME\n+ fluent in French\n= team lead"
    LeadFactory(first_name="@nna", last_name="Lee", email="anna@example.com", resume=resume)
    exported = b"".join(csv_response(Lead.objects.all(), "leads.csv").streaming_content)
    assert b"'- 5 years" in exported and b"'@nna" in exported
    Lead.objects.all().delete()

    import_leads(io.BytesIO(exported))

    lead = Lead.objects.get()
    assert (lead.first_name, lead.resume) == ("@nna", resume)


@pytest.mark.parametrize(
    "content, message",
    [
        pytest.param(
            "first_name,last_name,email,resume\nAna,Silva,ana@example.com,ok\nJosé,P,j@x.com,r\n".encode(
                "latin-1"
            ),
            "The file is not UTF-8 text: invalid continuation byte (byte 67).",
            id="latin-1",
        ),
        pytest.param(
            b"first_name,last_name,mail,resume,notes\nAna,Silva,ana@example.com,ok,x\n",
            "missing column(s): email; unknown column(s): 'mail', 'notes'",
            id="wrong-header",
        ),
        pytest.param(
            b"first_name,last_name,email,resume,EMAIL\n",
            "column(s) named twice: email",
            id="repeated-column",
        ),
        pytest.param(b"", "The file is empty.", id="empty"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text", id="an-image"),
        pytest.param(
            b"first_name,last_name,email,resume\nAna,Silva,ana@example.com,ok\nB,C,b@x.com\n",
            "Line 3 has 3 cell(s) where the header has 4",
            id="short-row",
        ),
    ],
)
def test_it_refuses_a_file_it_cannot_read_and_stores_nothing(content, message):
    with pytest.raises(ImportRefused, match=re.escape(message)):
        import_leads(io.BytesIO(content))
    assert not Lead.objects.exists()


def test_it_refuses_too_many_rows(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 1)
    content = "first_name,last_name,email,resume\nA,B,a@example.com,r\nC,D,c@example.com,r\n"
    with pytest.raises(ImportRefused, match="more than 1 rows"):
        import_leads(csv_file(content))
    assert not Lead.objects.exists()


def test_it_refuses_a_file_too_large(monkeypatch):
    monkeypatch.setattr(imports, "MAX_BYTES", 50)
    content = "first_name,last_name,email,resume\nAnastasia,Bondarenko,a@example.com,r\n"
    with pytest.raises(ImportRefused, match="The file is over 50"):
        import_leads(csv_file(content))


def test_it_reports_progress():
    calls = []
    content = "first_name,last_name,email,resume\nA,B,a@example.com,r\n\nC,D,c@example.com,r\n"
    import_leads(csv_file(content), progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]


# --- The management command -------------------------------------------------------------------


@pytest.fixture
def mixed_file(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_bytes(MIXED.encode())
    return path


def test_the_command_imports_and_prints_the_report(taken, mixed_file):
    out = io.StringIO()
    call_command("import_leads", str(mixed_file), stdout=out)
    ana = Lead.objects.get(email="ana@example.com")
    output = out.getvalue()
    assert "Created 2 lead(s):" in output
    assert f"Line 2: lead #{ana.pk} Ana Silva" in output
    assert f"Line 3: already a lead: lead #{taken.pk} Tess Taken" in output
    assert "Line 8: Email: Enter a valid email address." in output
    assert Lead.objects.count() == 3
    assert Activity.objects.filter(source="IMPORT", actor=None).count() == 2


def test_the_command_dry_run_stores_nothing(taken, mixed_file):
    out = io.StringIO()
    call_command("import_leads", str(mixed_file), "--dry-run", stdout=out)
    assert "Would create 2 lead(s):" in out.getvalue()
    assert "Dry run: nothing was stored." in out.getvalue()
    assert list(Lead.objects.all()) == [taken]


def test_the_command_fails_on_a_refused_file(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_bytes(b"name,email\nAna,ana@example.com\n")
    with pytest.raises(CommandError, match="was not imported: The header row does not fit"):
        call_command("import_leads", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_leads", str(tmp_path / "missing.csv"), stdout=io.StringIO())


# --- The admin page ---------------------------------------------------------------------------


def upload(client, content, **data):
    return client.post(IMPORT_PAGE, {"file": SimpleUploadedFile("leads.csv", content), **data})


def test_the_admin_page_imports_and_shows_the_report(attorney_client, attorney, taken):
    page = attorney_client.get(IMPORT_PAGE)
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()

    response = upload(attorney_client, MIXED.encode())

    assert response.status_code == 200
    html = response.content.decode()
    assert "2 lead(s) created, 2 duplicate(s) skipped, 3 invalid row(s) skipped." in html
    assert f"Line 3: already a lead: lead #{taken.pk} Tess Taken" in html
    assert "Line 6: First name: This field is required." in html
    ana = Lead.objects.get(email="ana@example.com")
    assert reverse("admin:leads_lead_change", args=[ana.pk]) in html
    entry = ana.activities.get()
    assert (entry.kind, entry.source, entry.actor) == ("CREATED", "IMPORT", attorney)


def test_the_admin_page_has_a_dry_run(attorney_client, taken):
    response = upload(attorney_client, MIXED.encode(), dry_run="on")
    assert "2 lead(s) would be created" in response.content.decode()
    assert list(Lead.objects.all()) == [taken]


def test_the_admin_page_shows_why_a_file_is_refused(attorney_client):
    response = upload(attorney_client, b"\xff\xfe\x00garbage")
    assert response.status_code == 200
    html = response.content.decode()
    assert "The file is not UTF-8 text" in html
    assert "nothing was stored" in html
    assert not Lead.objects.exists()


def test_the_admin_page_takes_fewer_rows_than_the_command(attorney_client, monkeypatch):
    monkeypatch.setattr(lead_admin, "IMPORT_PAGE_MAX_ROWS", 1)
    content = b"first_name,last_name,email,resume\nA,B,a@example.com,r\nC,D,c@example.com,r\n"
    response = upload(attorney_client, content)
    assert "The file has more than 1 rows" in response.content.decode()
    assert not Lead.objects.exists()


def test_the_admin_page_requires_the_add_permission(client, outsider):
    client.force_login(outsider)
    response = upload(client, MIXED.encode())
    assert response.status_code == 302
    assert reverse("admin:login") in response.url

    client.force_login(UserFactory(is_staff=True))
    assert client.get(IMPORT_PAGE).status_code == 403
    assert upload(client, MIXED.encode()).status_code == 403
    assert not Lead.objects.exists()


def test_the_change_list_links_to_the_import_page(attorney_client):
    html = attorney_client.get(reverse("admin:leads_lead_changelist")).content.decode()
    assert f'href="{IMPORT_PAGE}"' in html
