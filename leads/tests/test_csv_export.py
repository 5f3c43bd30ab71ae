import csv
import datetime
import io

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from leads import lifecycle
from leads.csv.exports import EXPORT_COLUMNS, csv_response, neutralise
from leads.models import Activity, Lead
from leads.tests.files import pdf_upload

from .factories import LeadFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:leads_lead_changelist")
BOM = "\ufeff".encode()


def read_csv(response):
    content = b"".join(response.streaming_content)
    assert content.startswith(BOM)
    return list(csv.reader(io.StringIO(content[len(BOM) :].decode("utf-8"), newline="")))


@pytest.mark.parametrize("first", ["=", "+", "-", "@", "\t", "\r"])
def test_neutralise_prefixes_what_a_spreadsheet_would_run(first):
    assert neutralise(f"{first}HYPERLINK(1)") == f"'{first}HYPERLINK(1)"


@pytest.mark.parametrize("value", ["Ana", "O'Brien", "a=b", "", 42])
def test_neutralise_leaves_other_values_alone(value):
    assert neutralise(value) == str(value)


def test_it_streams_every_column(attorney):
    moment = datetime.datetime(2025, 3, 1, 14, 5, 9, tzinfo=datetime.UTC)
    lead = LeadFactory(
        first_name="Zoë",
        last_name="Ørsted",
        email="zoe@example.com",
        resume="Line one\nLine two, with a comma",
        created_at=moment,
        cv=pdf_upload(),
    )
    lifecycle.move_lead(lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney)
    pending = LeadFactory(email="pending@example.com")

    response = csv_response(Lead.objects.order_by("pk"), "leads-2025-03-01.csv")

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="leads-2025-03-01.csv"'
    header, first, second = read_csv(response)
    assert tuple(header) == EXPORT_COLUMNS
    row = dict(zip(header, first, strict=True))
    assert row == {
        "lead_id": str(lead.pk),
        "first_name": "Zoë",
        "last_name": "Ørsted",
        "email": "zoe@example.com",
        "state": "REACHED_OUT",
        "created_at": "2025-03-01T14:05:09+00:00",
        "reached_out_at": lead.reached_out_at.isoformat(timespec="seconds"),
        "reached_out_by": attorney.email,
        "resume": "Line one\nLine two, with a comma",
        "has_cv": "yes",
    }
    row = dict(zip(header, second, strict=True))
    assert (row["lead_id"], row["state"], row["reached_out_at"], row["reached_out_by"]) == (
        str(pending.pk),
        "PENDING",
        "",
        "",
    )
    assert row["has_cv"] == "no"


def test_it_neutralises_formulas_in_every_text_cell():
    LeadFactory(first_name="=1+1", last_name="@SUM(A1)", resume="-2+3", email="+x@example.com")
    _, row = read_csv(csv_response(Lead.objects.all(), "leads.csv"))
    assert row[1:4] == ["'=1+1", "'@SUM(A1)", "'+x@example.com"]
    assert row[8] == "'-2+3"


def test_it_reads_the_leads_in_one_query_however_many_have_an_attorney(
    attorney, django_assert_num_queries
):
    for lead in LeadFactory.create_batch(5):
        lifecycle.move_lead(
            lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
        )
    response = csv_response(Lead.objects.all(), "leads.csv")
    with django_assert_num_queries(1):
        rows = read_csv(response)
    assert len(rows) == 6


def test_the_admin_action_exports_the_selected_leads(attorney_client):
    chosen = LeadFactory.create_batch(2)
    LeadFactory(email="not-chosen@example.com")
    response = attorney_client.post(
        CHANGELIST,
        {"action": "export_csv", "_selected_action": [lead.pk for lead in chosen]},
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="leads-')
    header, *rows = read_csv(response)
    assert sorted(row[0] for row in rows) == sorted(str(lead.pk) for lead in chosen)


def test_the_admin_action_needs_a_user_who_may_see_leads(client, outsider, lead):
    client.force_login(outsider)
    response = client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [lead.pk]})
    assert response.status_code == 302
    assert not response.streaming
