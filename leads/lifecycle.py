"""A lead's life, one way in: create a lead (or take a prospect's submission), change it, move
it to another state, add a note, erase it.

The intake form, the API, the attorneys' pages, the admin and the CSV import only turn their
input into a Lead (or a Note) and call one of these. Each call is one transaction that saves,
records the lead's history (leads/history.py) and queues the side work (leads/tasks.py), so a
rule added here holds for every entry point. Nothing else writes history or queues emails.
"""

import datetime
import functools
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from . import history, privacy, states, tasks
from .cvs import held as held_cvs
from .models import Activity, DuplicateEmail, Erasure, Lead, Resubmission
from .states import MoveRefused, ReachOut

# A prospect's own submission is confirmed to them and announced to the attorneys; a lead that
# attorneys enter themselves (pages, admin, import) is not.
PROSPECT_SOURCES = {Activity.Source.FORM, Activity.Source.API}
# What change_lead() saves unless told otherwise; the state goes through move_lead().
CHANGEABLE_FIELDS = Lead.PERSON_FIELDS


def create_lead(lead, *, source, actor=None, site_url=""):
    """Store the new, validated `lead`, coming from `source` (an Activity.Source), entered by
    `actor` (a user, or None for a prospect). A lead starts pending; one entered as reached out
    moves there through move_lead(), which records who and when.

    A prospect's submission queues the two emails, whose links point to `site_url` (the address
    the prospect used, e.g. request.build_absolute_uri("/")). A CV file queues its reading.
    Raises DuplicateEmail, storing nothing, if another lead has the email."""
    with _cv_stored(lead) as new_cv, transaction.atomic():
        _insert(lead, source, actor, site_url, new_cv)
    return lead


def submit_lead(lead, *, source, site_url):
    """A prospect's submission from the public form or an anonymous API client (`source`): the
    new, validated `lead`, as create_lead() stores it, or, if a lead has its email already (in
    any spelling: Lead.email_key), a Resubmission kept beside that lead, recorded in its history
    and answered with a "we already have your details" email. Returns the Lead or the
    Resubmission; the caller must answer both the same way (see Resubmission)."""
    # The database's unique email decides, not a lookup before: a new lead costs no query more
    # than an attorney's. A known address does about the same work (a refused INSERT and the
    # lookup of its lead, then three INSERTs in a transaction of their own, as a new lead's
    # counters have theirs), so that the time a submission takes, alone or among many, does not
    # tell whether the address was known (bench scenario 1k).
    with _cv_stored(lead) as new_cv:
        try:
            with transaction.atomic():
                _insert(lead, source, None, site_url, new_cv)
            return lead
        except DuplicateEmail as known:
            known_id = known.lead_id
        with transaction.atomic():
            return _resubmit(known_id, lead, source, site_url)


def _insert(lead, source, actor, site_url, new_cv):
    state = lead.state
    lead.state = Lead.State.PENDING
    lead.save()
    history.record_created(lead, source, actor)
    _move(lead, Lead.State.PENDING, state, source, actor)
    if new_cv:
        tasks.enqueue_with_lead(tasks.read_cv, lead.pk, lead.cv.name)
    if source in PROSPECT_SOURCES:
        tasks.enqueue_with_lead(tasks.send_new_lead_emails, lead.pk, site_url)


def _resubmit(lead_id, submitted, source, site_url):
    # The person's fields as sent (Resubmission has each of Lead.PERSON_FIELDS); the CV by the
    # name _cv_stored() gave it.
    resubmission = Resubmission.objects.create(
        lead_id=lead_id,
        **{field.name: getattr(submitted, field.name) for field in Lead.person_fields(files=False)},
        cv=submitted.cv.name or "",
    )
    history.record_resubmission(resubmission, source)
    tasks.enqueue_with_lead(tasks.send_resubmission_emails, resubmission.pk, site_url)
    return resubmission


@contextmanager
def _cv_stored(lead):
    """Store the lead's new CV file, if any, before the transaction, as the lead's save would:
    on SQLite the transaction holds the database's write lock, and every other writer would
    wait for the disk. Yields whether there was one; deletes it if what follows fails (a
    refused lead keeps no file: a CV is personal data)."""
    new_cv = lead.has_new_cv()
    if new_cv:
        lead.remember_cv_filename()
        lead.cv.save(lead.cv.name, lead.cv.file, save=False)
    try:
        yield new_cv
    except BaseException:
        if new_cv:
            lead.cv.storage.delete(lead.cv.name)
        raise


def change_lead(lead, *, source, actor=None, fields=None):
    """Save the validated changes to `lead`: every changeable field and its state, or only
    `fields` (the state only if it is one of them), so that a partial change cannot put back
    what a concurrent one changed. Records the edit and the state change, queues the reading of
    a new CV. Raises DuplicateEmail, changing nothing, if another lead has the email."""
    fields = CHANGEABLE_FIELDS + ["state"] if fields is None else fields
    with transaction.atomic():
        # Locked (on PostgreSQL) until the commit, so that two edits of one lead at once are
        # recorded one after the other, each against what the other left.
        stored = Lead.objects.select_for_update().get(pk=lead.pk)
        before = history.snapshot(stored)
        new_cv = lead.has_new_cv()
        saved = [name for name in fields if name != "state"]
        for name in CHANGEABLE_FIELDS:
            # The caller's copy may be older than the stored lead: what it does not change is
            # what is stored, so that the history shows only this change.
            if name not in saved:
                setattr(lead, name, getattr(stored, name))
        if "state" not in fields:
            lead.state = stored.state
            lead.reached_out_at, lead.reached_out_by_id = (
                stored.reached_out_at,
                stored.reached_out_by_id,
            )
        if saved:
            lead.save(update_fields=[*saved, "updated_at"])
        history.record_edit(lead, before, source, actor)
        if new_cv:
            tasks.enqueue_with_lead(tasks.read_cv, lead.pk, lead.cv.name)
        if "state" in fields:
            _move(lead, stored.state, lead.state, source, actor)
    return lead


def move_lead(lead, state, *, source, actor):
    """Move `lead` to `state` (a Lead.State) as states.MOVES allows, recording it; nothing
    happens if it is in that state already (say, two attorneys pressed the same button at once).
    Returns the state it was in, or None if the lead is gone (erased since the caller read it).
    Raises MoveRefused if the lead cannot move there from the state it is in, or not by
    `actor`."""
    before = _move_stored(lead, state, source, actor)
    return None if before is None else before.state


def _move_stored(lead, state, source, actor):
    """move_lead(), returning the lead as it was stored before (its state and who reached out
    when), or None if it is gone."""
    with transaction.atomic():
        stored = (
            Lead.objects.select_for_update()
            .only("state", "reached_out_at", "reached_out_by")
            .filter(pk=lead.pk)
            .first()
        )
        if stored is None:
            return None
        _move(lead, stored.state, state, source, actor)
    return stored


@dataclass(frozen=True)
class Moved:
    """A lead that a bulk change moved: how it was before (its state, who reached out and when)
    and the time it was moved (its updated_at then), which undo_moves() needs. As JSON, for the
    session: as_json() and Moved.from_json()."""

    lead_id: int
    state: str
    reached_out_at: datetime.datetime | None
    reached_out_by_id: int | None
    moved_at: datetime.datetime

    def as_json(self):
        at = self.reached_out_at.isoformat() if self.reached_out_at else None
        return [self.lead_id, self.state, at, self.reached_out_by_id, self.moved_at.isoformat()]

    @classmethod
    def from_json(cls, value):
        lead_id, state, at, by_id, moved_at = value
        at = datetime.datetime.fromisoformat(at) if at else None
        return cls(lead_id, state, at, by_id, datetime.datetime.fromisoformat(moved_at))


@dataclass
class StateChanges:
    """What move_leads() did: the leads it moved (Moved), and how many were in that state
    already, could not move there (states.MOVES) or were gone (erased)."""

    moved: list = field(default_factory=list)
    already: int = 0
    refused: int = 0
    gone: int = 0


def move_leads(leads, state, *, source, actor):
    """move_lead() for each of `leads` (a bulk change): each lead in its own transaction, with its
    own history entry. Returns the StateChanges."""
    changes = StateChanges()
    for lead in leads:
        try:
            before = _move_stored(lead, state, source, actor)
        except MoveRefused:
            changes.refused += 1
            continue
        if before is None:
            changes.gone += 1
        elif before.state == state:
            changes.already += 1
        else:
            changes.moved.append(
                Moved(
                    lead.pk,
                    before.state,
                    before.reached_out_at,
                    before.reached_out_by_id,
                    lead.updated_at,
                )
            )
    return changes


@dataclass
class Undone:
    """What undo_moves() did: how many leads it put back, the leads it left because someone
    changed them since (or they cannot go back that way), and how many are gone (erased)."""

    restored: int = 0
    skipped: list = field(default_factory=list)
    gone: int = 0


def undo_moves(moved, *, source, actor):
    """Put back the leads of a bulk change (`moved`, Moved entries) as they were before it: the
    state, and who reached out and when, as they were (not the undoer, not now). A lead changed
    since (its updated_at is not the bulk change's) is left as it is: a colleague's later work
    is never reverted. Each lead in its own transaction, recorded in its history. Returns the
    Undone."""
    undone = Undone()
    user = actor if actor is not None and actor.is_authenticated else None
    users = get_user_model().objects
    for entry in moved:
        with transaction.atomic():
            lead = Lead.objects.select_for_update().filter(pk=entry.lead_id).first()
            if lead is None:
                undone.gone += 1
                continue
            if lead.updated_at != entry.moved_at:  # changed since, by someone
                undone.skipped.append(lead)
                continue
            try:
                states.move_between(lead.state, entry.state, user)
            except MoveRefused:  # the undoer may not make that move
                undone.skipped.append(lead)
                continue
            old_state = lead.state
            lead.state = entry.state
            lead.reached_out_at = entry.reached_out_at
            by = entry.reached_out_by_id
            lead.reached_out_by_id = by if by and users.filter(pk=by).exists() else None
            _save_move(lead, old_state, source, actor)
            undone.restored += 1
    return undone


def add_note(note, *, source):
    """Store the validated `note` (its lead and author set) and record it in the history."""
    with transaction.atomic():
        note.save()
        history.record_note(note, source)
    return note


def _move(lead, old_state, new_state, source, actor):
    """Move `lead` from `old_state` to `new_state` as states.MOVES allows, by `actor`: its
    state, and who reached out and when as the move says (now, by the actor; cleared; kept),
    saved and recorded in its history. Raises MoveRefused (a ValidationError about the state)
    for a move that is not there, or that the actor lacks the permission for."""
    if new_state == old_state:
        return
    user = actor if actor is not None and actor.is_authenticated else None
    move = states.move_between(old_state, new_state, user)
    lead.state = move.to
    if move.reach_out == ReachOut.RECORD:
        lead.reached_out_at, lead.reached_out_by = timezone.now(), user
    elif move.reach_out == ReachOut.CLEAR:
        lead.reached_out_at, lead.reached_out_by = None, None
    _save_move(lead, old_state, source, actor)


def _save_move(lead, old_state, source, actor):
    """Save what a move changes (the state, who reached out and when) and record it."""
    lead.save(update_fields=["state", "reached_out_at", "reached_out_by", "updated_at"])
    history.record_state_change(lead, old_state, source, actor)


@dataclass(frozen=True)
class Erased:
    """What erase_lead() did: the audit entry it left and how many of each record it removed
    (privacy.records_about()), or, if there was no such lead, no entry and nothing removed."""

    lead_id: int
    erasure: Erasure | None = None
    removed: dict = field(default_factory=dict)

    @property
    def found(self):
        return self.erasure is not None


def erase_lead(lead_id, *, actor, reason):
    """Erase the person of lead `lead_id`, for `reason` (an Erasure.Reason), by `actor` (a user,
    or None for the retention purge), in one transaction: the lead, its notes, history and
    resubmissions, the database queue's tasks about them, the admin's log entries about them,
    the kept counts and, once committed, the dashboard's cached numbers and the CV files (the
    post_delete receivers in leads/signals.py, through the CV field's storage, local or S3: a
    file already missing is no error). Leaves one Erasure, which says nothing about the person.
    A lead that is not there (erased already) is no error either: nothing is removed and no
    entry is left.

    Tasks queued in Redis (settings.TASKS_URL) are not removed: each task finds no lead (or
    resubmission) and does nothing (leads/tasks.py), and their arguments are ids."""
    with transaction.atomic():
        # Locked (on PostgreSQL) until the commit: a second erasure at the same time waits, then
        # finds nothing; a concurrent edit cannot save the lead back.
        lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
        if lead is None:
            return Erased(lead_id)
        records = privacy.records_about(lead)
        removed = privacy.count_records(lead, records)
        records["admin log entries"].delete()
        records["background tasks"].delete()
        lead.delete()  # and, with it, its notes, history and resubmissions
        if actor is not None and not actor.is_authenticated:
            actor = None
        erasure = Erasure.objects.create(lead_id=lead_id, erased_by=actor, reason=reason)
        # The CVs a refused try of this person's is holding (cvs/held.py) go now, not in an hour.
        transaction.on_commit(functools.partial(held_cvs.discard_for, lead.email))
    _checkpoint()
    return Erased(lead_id, erasure, removed)


def _checkpoint():
    """On SQLite, copy the write-ahead log into the database file and empty it: until then the
    erased rows are readable in db.sqlite3-wal (the file itself is clean: secure_delete is on,
    see settings.py). Skipped if another connection's reading holds the log; the next one, or
    SQLite's own at 1,000 pages, does it."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
