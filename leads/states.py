"""A lead's states and the moves between them: the one place that says which states there are,
who may move a lead from which state to which, and what each move records.

The lead's page offers a button per move (Lead.next_moves()); the list's bulk actions, the
admin's "Mark selected leads as <state>" actions and the API accept any state a lead may move to;
lifecycle.move_lead() makes the move. A new state is a member of LeadState, its moves here, and a
migration (the database's lead_state_valid check is built from LeadState.values)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models


class LeadState(models.TextChoices):
    PENDING = "PENDING", "Pending"
    REACHED_OUT = "REACHED_OUT", "Reached out"


class ReachOut(models.TextChoices):
    """What a move does with the lead's record of who reached out and when."""

    RECORD = "RECORD", "records who and when (now)"
    CLEAR = "CLEAR", "clears who and when"
    KEEP = "KEEP", "keeps who and when"


@dataclass(frozen=True)
class Move:
    """A move to the state `to`: `action` is what its button (and bulk action) says, `done` the
    message once made (with {name}), `permission` who may make it, `reach_out` what it does with
    the reached-out record. Every move is recorded in the lead's history."""

    to: str
    action: str
    done: str
    reach_out: ReachOut
    permission: str = "leads.change_lead"

    @property
    def records_reach_out(self):
        return self.reach_out == ReachOut.RECORD


# From each state, the moves an attorney may make.
MOVES = {
    LeadState.PENDING: [
        Move(
            LeadState.REACHED_OUT,
            "Mark reached out",
            "{name} is marked as reached out.",
            ReachOut.RECORD,
        ),
    ],
    LeadState.REACHED_OUT: [
        Move(LeadState.PENDING, "Mark pending again", "{name} is back to pending.", ReachOut.CLEAR),
    ],
}


def move_between(from_state, to_state, user=None):
    """The move from `from_state` to `to_state`, which `user` (if given) has the permission for;
    raises MoveRefused if there is no such move, or they lack it."""
    found = next((m for m in MOVES.get(from_state, ()) if m.to == to_state), None)
    if found is None:
        raise MoveRefused(from_state, to_state)
    if user is not None and not user.has_perm(found.permission):
        raise MoveRefused(from_state, to_state, permission=found.permission)
    return found


class MoveRefused(ValidationError):
    """A lead cannot move from `from_state` to `to_state` (no such move), or not by this user
    (`permission`, the one the move needs): an error about the lead's state, which forms and the
    API show as such."""

    def __init__(self, from_state, to_state, permission=None):
        to_label = LeadState(to_state).label.lower()
        if permission:
            message = f"You are not allowed to mark a lead {to_label}."
        else:
            from_label = LeadState(from_state).label.lower()
            message = f"A lead that is {from_label} cannot be marked {to_label}."
        super().__init__({"state": ValidationError(message, code="state_move_refused")})
