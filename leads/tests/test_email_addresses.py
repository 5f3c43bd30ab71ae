"""One person, one lead: every spelling of a stored email is the same person."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.authtoken.models import Token

from leads.email_addresses import email_key
from leads.models import Lead

from .factories import CASES, LeadFactory, lead_api_data, lead_form_data


@pytest.mark.parametrize(("stored", "variant"), CASES)
def test_every_spelling_of_an_address_has_its_key(stored, variant):
    assert email_key(variant) == email_key(stored)


@pytest.mark.parametrize(
    "address",
    ["kate@example.org", "kate.@example.com", '"ka te"@example.com', "kate+x@example.com"],
)
def test_other_addresses_have_other_keys(address):
    assert email_key(address) != email_key("kate@example.com")


def test_case_folding_is_not_ascii_only():
    # Django's email validation refuses a non-ASCII local part; a domain may have one.
    assert email_key("a@STRASSE.example") == email_key("a@straße.example") == "a@strasse.example"


def test_a_quoted_local_part_that_needs_its_quotes_keeps_them():
    assert email_key('"Ka Te"@Example.com') == '"ka te"@example.com'
    assert email_key('"a\\"b"@example.com') == '"a\\"b"@example.com'


@pytest.mark.django_db
@pytest.mark.parametrize(("stored", "variant"), CASES)
def test_an_attorneys_client_cannot_add_a_second_lead_for_one_address(
    client, attorney, stored, variant
):
    existing = LeadFactory(email=stored)
    token = Token.objects.create(user=attorney)
    body = lead_api_data(email=variant)
    response = client.post(
        "/create",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )

    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "duplicate_email"
    assert list(Lead.objects.values_list("pk", flat=True)) == [existing.pk]


@pytest.mark.django_db
def test_the_email_is_kept_as_typed_and_found_by_any_spelling(attorney_client):
    lead = LeadFactory(email="Kate.D@exämple.com")
    lead.refresh_from_db()
    assert lead.email == "Kate.D@exämple.com"
    assert lead.email_key == "kate.d@xn--exmple-cua.com"

    response = attorney_client.get("/get", {"email": "KATE.D@xn--exmple-cua.com"})
    assert [row["LEAD_ID"] for row in response.json()["results"]] == [lead.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("character", ["\x01", "\n", "\r", "\x1f", "\x7f", "\x85"])
def test_control_characters_in_an_email_are_refused(attorney_client, character):
    body = lead_api_data(email=f'"ka{character}te"@example.com')
    response = attorney_client.post("/create", json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    messages = response.json()["error"]["fields"]["EMAIL"]
    assert "Remove line breaks and other control characters." in messages
    assert not Lead.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_keys_existing_leads_and_reports_pairs_that_collide(capsys):
    executor = MigrationExecutor(connection)
    before, after = (
        [("leads", "0009_attorneys_see_task_results")],
        [("leads", "0010_email_identity")],
    )
    executor.migrate(before)
    OldLead = executor.loader.project_state(before).apps.get_model("leads", "Lead")
    fields = {"first_name": "K", "last_name": "D", "resume": "r", "state": "PENDING"}
    first = OldLead.objects.create(email="kate@example.com", **fields)
    second = OldLead.objects.create(email='"kate"@example.com', **fields)
    other = OldLead.objects.create(email="Sam@Example.com", **fields)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("leads"))

    keys = dict(Lead.objects.values_list("pk", "email_key"))
    assert keys == {
        first.pk: "kate@example.com",
        second.pk: f"kate@example.com (duplicate of lead {first.pk}, lead {second.pk})",
        other.pk: "sam@example.com",
    }
    assert (
        f"Leads {first.pk} and {second.pk} have one email address (kate@example.com)"
        in capsys.readouterr().out
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "message"),
    [
        ('"ka\x01te"@example.com', "Remove line breaks and other control characters."),
        ('"ka\x7fte"@example.com', "Remove line breaks and other control characters."),
        # Django's own validation refuses line breaks first.
        ('"ka\r\nBcc: victim@example.com"@example.com', "Enter a valid email address."),
    ],
)
def test_the_intake_form_refuses_control_characters_in_an_email(client, email, message):
    response = client.post("/", lead_form_data(email=email))

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [message]
    assert not Lead.objects.exists()
