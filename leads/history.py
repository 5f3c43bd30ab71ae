"""A lead's history: who created it and from where, each edit with the fields that changed, each
state change, note, email and unreadable CV. Entries are only ever added.

Only leads/lifecycle.py (a lead's life) and leads/tasks.py (the side work's outcomes) call these."""

from django.db import IntegrityError, models, transaction
from django.utils.text import capfirst

from .models import Activity, Lead

# The fields whose edits are recorded (the person's, Lead.PERSON_FIELDS), by their labels.
TRACKED_FIELDS = {field.name: capfirst(field.verbose_name) for field in Lead.person_fields()}
# Longer values are summarised: a resume is personal data and can be long.
SUMMARY_LENGTH = 80


def snapshot(lead):
    """The tracked fields' values now; pass it to record_edit() after the lead is saved."""
    return {name: _value(lead, name) for name in TRACKED_FIELDS}


def record_created(lead, source, actor=None):
    return _record(lead, Activity.Kind.CREATED, source=source, actor=actor)


def record_edit(lead, before, source, actor=None):
    """Record the fields that differ from `before` (a snapshot()), if any."""
    after = snapshot(lead)
    changes = {
        label: [_summary(name, before[name]), _summary(name, after[name])]
        for name, label in TRACKED_FIELDS.items()
        if before[name] != after[name]
    }
    for name, label in TRACKED_FIELDS.items():
        if label not in changes:
            continue
        if _is_file(name) and before[name] and after[name]:
            changes[label] = ["uploaded", "replaced by a new file"]
        elif changes[label][0] == changes[label][1]:
            # The summaries are the same: the edit is beyond their first characters.
            changes[label][1] += " (edited further on)"
    if changes:
        return _record(lead, Activity.Kind.EDITED, source=source, actor=actor, changes=changes)
    return None


def record_resubmission(resubmission, source):
    """The prospect sent the form again, for the same email address (leads/email_addresses.py)."""
    message = "The prospect sent the form again, with the same email address."
    lead = Lead(pk=resubmission.lead_id)
    return _record(lead, Activity.Kind.RESUBMITTED, source=source, message=message)


def record_note(note, source):
    return _record(note.lead, Activity.Kind.NOTE_ADDED, source=source, actor=note.author)


def record_state_change(lead, old_state, source, actor=None):
    changes = {"State": [Lead.State(old_state).label, lead.state_label]}
    return _record(lead, Activity.Kind.STATE_CHANGED, source=source, actor=actor, changes=changes)


def recorded(lead_id, key):
    """Whether a task's outcome is recorded under `key` for the lead (see Activity.key)."""
    return Activity.objects.filter(lead_id=lead_id, key=key).exists()


def record_outcome(lead_id, kind, message, key=""):
    """Record a background task's outcome; with a `key`, once per lead: a second record under
    the same key (a task run twice at the same time) is dropped."""
    try:
        with transaction.atomic():
            _record(Lead(pk=lead_id), kind, message=message, key=key)
    except IntegrityError:
        # Nothing to record if a second run of the task recorded it meanwhile, or if the lead
        # was deleted meanwhile.
        if Lead.objects.filter(pk=lead_id).exists() and not (key and recorded(lead_id, key)):
            raise


def _record(lead, kind, *, source="", actor=None, changes=None, message="", key=""):
    if actor is not None and not actor.is_authenticated:
        actor = None
    return Activity.objects.create(
        lead=lead,
        kind=kind,
        source=source,
        actor=actor,
        changes=changes or {},
        message=message[: Activity._meta.get_field("message").max_length],
        key=key,
    )


def _is_file(name):
    return isinstance(Lead._meta.get_field(name), models.FileField)


def _value(lead, name):
    value = getattr(lead, name)
    return value.name if _is_file(name) else value


def _summary(name, value):
    # A file shows as there or not (its name is the prospect's, kept on the lead's page).
    if _is_file(name):
        return "uploaded" if value else "none"
    if isinstance(Lead._meta.get_field(name), models.TextField) and len(value) > SUMMARY_LENGTH:
        return f"{value[:SUMMARY_LENGTH].rstrip()}… ({len(value):,} characters)"
    return value
