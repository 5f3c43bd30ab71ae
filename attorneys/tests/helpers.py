"""What the attorneys' tests read from the list: its CSV, and the leads it shows."""

import csv
import io

from django.urls import reverse

LIST = reverse("attorneys:lead_list")
EXPORT = reverse("attorneys:lead_export")


def export(client, **params):
    response = client.get(EXPORT, params)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def listed_emails(client, **params):
    """Every email the list shows for these parameters, over all its pages."""
    emails, page = [], 1
    while True:
        response = client.get(LIST, {**params, "page": page, "page_size": 25})
        emails += [lead.email for lead in response.context["page"].object_list]
        if not response.context["page"].has_next():
            return emails
        page += 1
