"""A lead's states and moves (leads/states.py): the pages, the list's bulk actions, the admin and
the API follow states.MOVES, and a state added there (here a test-only third one, "Retained",
reached from "Reached out") is handled by all of them, and by the history."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Q
from django.urls import reverse
from rest_framework.authtoken.models import Token

from api.serializers import LeadSerializer
from attorneys.forms import LeadForm
from leads import lifecycle, states
from leads.filters import LeadFilter
from leads.models import Activity, Lead
from leads.states import Move, ReachOut
from leads.tests.factories import AttorneyFactory, LeadFactory, lead_form_data


class ThreeStates(models.TextChoices):
    PENDING = "PENDING", "Pending"
    REACHED_OUT = "REACHED_OUT", "Reached out"
    RETAINED = "RETAINED", "Retained"


THREE_STATE_MOVES = {
    **states.MOVES,
    ThreeStates.REACHED_OUT: [
        *states.MOVES[ThreeStates.REACHED_OUT],
        Move(ThreeStates.RETAINED, "Mark retained", "{name} is retained.", ReachOut.KEEP),
    ],
    ThreeStates.RETAINED: [
        Move(
            ThreeStates.REACHED_OUT,
            "Back to reached out",
            "{name} is back to reached out.",
            ReachOut.KEEP,
        ),
    ],
}


def _state_check(choices):
    return models.CheckConstraint(condition=Q(state__in=choices.values), name="lead_state_valid")


def _serializers(cls=LeadSerializer):
    yield cls
    for subclass in cls.__subclasses__():
        yield from _serializers(subclass)


@pytest.fixture
def three_states(transactional_db, monkeypatch):
    """What adding a state to LeadState and MOVES does, in this test only: the state and its
    moves, the field's choices (which forms, filters and serializers took when imported), and
    the database's check, as the migration that comes with a new state would change it."""
    two_states = Lead.State
    monkeypatch.setattr(Lead, "State", ThreeStates)
    monkeypatch.setattr(states, "LeadState", ThreeStates)
    monkeypatch.setattr(states, "MOVES", THREE_STATE_MOVES)
    monkeypatch.setattr(Lead._meta.get_field("state"), "choices", ThreeStates.choices)
    monkeypatch.setattr(LeadForm.base_fields["state"], "choices", ThreeStates.choices)
    state_filter = LeadFilter.base_filters["state"]
    monkeypatch.setitem(state_filter.extra, "choices", ThreeStates.choices)
    # What was built from the choices (the filter's form field, the serializers' fields) is
    # built again in this test, and what it builds is dropped after it.
    built = [
        (state_filter, "_field"),
        (LeadFilter, "_built_form_class"),
        *((cls, "_built_fields") for cls in _serializers()),
    ]
    for owner, name in built:
        if name in vars(owner):
            monkeypatch.delattr(owner, name)
    # SQLite rebuilds the table from the model's constraints: the model gets the new check too.
    constraints = [
        _state_check(ThreeStates) if constraint.name == "lead_state_valid" else constraint
        for constraint in Lead._meta.constraints
    ]
    monkeypatch.setattr(Lead._meta, "constraints", constraints)
    with connection.schema_editor() as editor:
        editor.remove_constraint(Lead, _state_check(two_states))
        editor.add_constraint(Lead, _state_check(ThreeStates))
    yield
    Lead.objects.all().delete()
    for owner, name in built:
        if name in vars(owner):
            delattr(owner, name)
    monkeypatch.undo()
    with connection.schema_editor() as editor:
        editor.remove_constraint(Lead, _state_check(ThreeStates))
        editor.add_constraint(Lead, _state_check(Lead.State))


@pytest.fixture
def attorney_client(client, three_states):
    attorney = AttorneyFactory()  # the group (created again after the last transactional test)
    client.force_login(attorney)
    client.attorney = attorney
    return client


def reached_out_lead(attorney):
    lead = LeadFactory()
    lifecycle.move_lead(lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney)
    return lead


def move_lead(client, lead, state):
    return client.post(
        reverse("attorneys:lead_set_state", args=[lead.pk]), {"state": state}, follow=True
    )


def test_the_lead_page_offers_the_moves_from_its_state(attorney_client):
    lead = reached_out_lead(attorney_client.attorney)
    html = attorney_client.get(lead.get_absolute_url()).content.decode()
    assert "Mark pending again" in html
    assert "Mark retained" in html

    response = move_lead(attorney_client, lead, "RETAINED")
    html = response.content.decode()
    assert f"{lead.full_name} is retained." in html
    assert '<span class="badge state-retained" id="lead-state">Retained</span>' in html
    assert "Back to reached out" in html and "Mark retained" not in html
    lead.refresh_from_db()
    assert lead.state == "RETAINED"
    assert lead.reached_out_by == attorney_client.attorney  # kept, as the move says
    entry = lead.activities.filter(kind=Activity.Kind.STATE_CHANGED).first()
    assert entry.changes == {"State": ["Reached out", "Retained"]}
    assert entry.actor == attorney_client.attorney


def test_a_move_that_is_not_declared_is_refused(attorney_client):
    lead = LeadFactory()
    response = move_lead(attorney_client, lead, "RETAINED")
    assert "A lead that is pending cannot be marked retained." in response.content.decode()
    lead.refresh_from_db()
    assert lead.state == Lead.State.PENDING
    assert not lead.activities.filter(kind=Activity.Kind.STATE_CHANGED).exists()


def test_the_edit_form_offers_the_declared_moves_only(attorney_client):
    lead, reached = LeadFactory(), reached_out_lead(attorney_client.attorney)
    form = attorney_client.get(reverse("attorneys:lead_edit", args=[reached.pk])).content.decode()
    assert '<option value="RETAINED">Retained</option>' in form
    form = attorney_client.get(reverse("attorneys:lead_edit", args=[lead.pk])).content.decode()
    assert 'value="RETAINED"' not in form

    data = lead_form_data(lead, state="RETAINED")
    response = attorney_client.post(reverse("attorneys:lead_edit", args=[lead.pk]), data)
    assert response.status_code == 200
    assert "Select a valid choice. RETAINED is not one of the available choices." in (
        response.content.decode()
    )
    lead.refresh_from_db()
    assert lead.state == Lead.State.PENDING


def test_the_model_refuses_an_undeclared_move(three_states):
    lead = LeadFactory.build(state="RETAINED")
    with pytest.raises(ValidationError) as refused:
        lead.full_clean()
    assert refused.value.message_dict == {
        "state": ["A lead that is pending cannot be marked retained."]
    }


def test_the_list_has_a_tab_and_a_bulk_action_for_the_state(attorney_client):
    moved, refused = reached_out_lead(attorney_client.attorney), LeadFactory()
    response = attorney_client.post(
        reverse("attorneys:lead_bulk"),
        {"action": "RETAINED", "lead": [moved.pk, refused.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "1 lead marked as retained (1 cannot be, from the state they are in)." in html
    assert 'value="RETAINED">Mark retained</button>' in html
    retained_tab = attorney_client.get(reverse("attorneys:lead_list"), {"state": "RETAINED"})
    assert list(retained_tab.context["page"].object_list) == [moved]
    assert ("Retained", "?state=RETAINED", 1, True) in retained_tab.context["tabs"]


def test_the_dashboard_counts_the_state(attorney_client):
    lifecycle.move_lead(
        reached_out_lead(attorney_client.attorney),
        "RETAINED",
        source=Activity.Source.PAGE,
        actor=None,
    )
    states_shown = attorney_client.get(reverse("attorneys:dashboard")).context["states"]
    assert {row["label"]: row["count"] for row in states_shown} == {
        "Pending": 0,
        "Reached out": 0,
        "Retained": 1,
    }


def test_the_admin_has_an_action_for_the_state(attorney_client):
    moved, refused = reached_out_lead(attorney_client.attorney), LeadFactory()
    response = attorney_client.post(
        reverse("admin:leads_lead_changelist"),
        {"action": "mark_retained", "_selected_action": [moved.pk, refused.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "1 lead(s) marked as retained." in html
    assert "1 lead(s) cannot be marked retained from the state they are in." in html
    assert Lead.objects.get(pk=moved.pk).state == "RETAINED"
    assert Lead.objects.get(pk=refused.pk).state == Lead.State.PENDING


def test_the_api_moves_a_lead_as_declared(attorney_client):
    headers = {
        "HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=attorney_client.attorney).key}"
    }
    lead, pending = reached_out_lead(attorney_client.attorney), LeadFactory()

    response = attorney_client.patch(
        f"/update/{lead.pk}", {"STATE": "RETAINED"}, content_type="application/json", **headers
    )
    assert response.status_code == 200, response.content
    assert response.json()["STATE"] == "RETAINED"

    response = attorney_client.patch(
        f"/update/{pending.pk}", {"STATE": "RETAINED"}, content_type="application/json", **headers
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["STATE"] == [
        "A lead that is pending cannot be marked retained."
    ]
    assert Lead.objects.get(pk=pending.pk).state == Lead.State.PENDING

    listed = attorney_client.get("/get", {"state": "RETAINED"}, **headers).json()
    assert [row["LEAD_ID"] for row in listed["results"]] == [lead.pk]
