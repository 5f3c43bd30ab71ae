"""A lead's history: who created it and from where, each edit with the fields that changed, each
state change and unreadable CV (recorded by Lead.set_state() and Lead.store_cv_words()), each note
and email. Entries are only ever added."""

from .models import Activity

# The fields whose edits are recorded, and how they are named in the history.
TRACKED_FIELDS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "resume": "Resume",
    "cv": "CV file",
}
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
    if before["cv"] and after["cv"] and before["cv"] != after["cv"]:
        changes[TRACKED_FIELDS["cv"]] = ["uploaded", "replaced by a new file"]
    resume = TRACKED_FIELDS["resume"]
    if resume in changes and changes[resume][0] == changes[resume][1]:
        # The summaries are the same: the edit is beyond their first characters.
        changes[resume][1] += " (edited further on)"
    if changes:
        return _record(lead, Activity.Kind.EDITED, source=source, actor=actor, changes=changes)
    return None


def record_note(note, source):
    return _record(note.lead, Activity.Kind.NOTE_ADDED, source=source, actor=note.author)


def record_emails(lead, outcomes):
    """`outcomes`: description of each email -> whether it was sent. One INSERT for all."""
    Activity.objects.bulk_create(
        Activity(
            lead=lead,
            kind=Activity.Kind.EMAIL_SENT if sent else Activity.Kind.EMAIL_FAILED,
            message=description,
        )
        for description, sent in outcomes.items()
    )


def _record(lead, kind, *, source="", actor=None, changes=None, message=""):
    if actor is not None and not actor.is_authenticated:
        actor = None
    return Activity.objects.create(
        lead=lead, kind=kind, source=source, actor=actor, changes=changes or {}, message=message
    )


def _value(lead, name):
    value = getattr(lead, name)
    return value.name if name == "cv" else value


def _summary(name, value):
    if name == "cv":
        return "uploaded" if value else "none"
    if name == "resume" and len(value) > SUMMARY_LENGTH:
        return f"{value[:SUMMARY_LENGTH].rstrip()}… ({len(value):,} characters)"
    return value
