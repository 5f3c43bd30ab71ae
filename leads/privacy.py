"""What the firm holds about a person: found by email address or lead id, exported as one JSON
document for an access request (person_data()), and listed for erasure (records_about(), which
lifecycle.erase_lead() deletes).

That a person contacted an immigration firm is itself sensitive: everything that names them or
points at their lead is listed here, so that an export is complete and an erasure leaves nothing.
"""

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from lib.users import display_name

from . import tasks
from .email_addresses import email_key
from .models import Activity, Lead, Note, Resubmission

# The lead's fields that the export leaves out: copies of other fields kept for search and for
# the one-lead-per-email rule, and the CV's, which the export gives in a section of its own.
# Any other field of Lead is exported (test_subject_access checks that the two cover them all).
NOT_EXPORTED = {
    "search_first_name",
    "search_last_name",
    "search_email",
    "email_key",
    "cv",
    "cv_filename",
    "cv_text",
}

# The database queue's tasks about a lead take its id as their first argument; those about a
# prospect's second submission, the resubmission's id (see leads/tasks.py).
LEAD_TASKS = [tasks.send_new_lead_emails, tasks.read_cv]
RESUBMISSION_TASKS = [tasks.send_resubmission_emails]


def find_lead(email_or_id):
    """The lead with this id (digits) or this email address (in any spelling:
    leads/email_addresses.py), or None."""
    value = (email_or_id or "").strip()
    if value.isascii() and value.isdigit():
        return Lead.objects.filter(pk=int(value)).first()
    return Lead.objects.filter(email_key=email_key(value)).first() if value else None


def cv_names(lead):
    """The stored names of the person's CV files: the lead's and its resubmissions'."""
    names = [lead.cv.name] if lead.cv else []
    names += [name for name in lead.resubmissions.values_list("cv", flat=True) if name]
    return names


def count_records(lead, records=None):
    """How many of each thing is held about the person: CV files (cv_names()), then the rows of
    `records` (records_about(lead) if not given), as {what: count}."""
    if records is None:
        records = records_about(lead)
    return {"CV files": len(cv_names(lead))} | {
        what: rows.count() for what, rows in records.items()
    }


def records_about(lead):
    """Every stored row about the person apart from the lead itself, as {what: queryset}.

    A task the worker is running now is left out: the worker saves its outcome to its row when
    it ends, and the task then finds no lead (or resubmission) and does nothing. Its row holds
    ids only."""
    task_results = DBTaskResult.objects.filter(
        _first_argument_in(LEAD_TASKS, [lead.pk])
        | _first_argument_in(
            RESUBMISSION_TASKS, list(lead.resubmissions.values_list("pk", flat=True))
        )
    ).exclude(status=TaskResultStatus.RUNNING)
    return {
        "notes": lead.notes.all(),
        "history entries": lead.activities.all(),
        "resubmissions": lead.resubmissions.all(),
        "background tasks": task_results,
        "admin log entries": _log_entries_about(lead, task_results),
    }


def _first_argument_in(task_list, values):
    # The database queue stores a task's arguments as {"args": [...], "kwargs": {...}}.
    paths = [task.module_path for task in task_list]
    return Q(task_path__in=paths, args_kwargs__args__0__in=values) if values else Q(pk__in=[])


def _log_entries_about(lead, task_results):
    """The admin's log entries about the lead and the rows about it: their object_repr names
    the person (a lead's is "First Last <email>")."""
    objects = [
        (Lead, [lead.pk]),
        (Note, lead.notes.values_list("pk", flat=True)),
        (Activity, lead.activities.values_list("pk", flat=True)),
        (Resubmission, lead.resubmissions.values_list("pk", flat=True)),
        (DBTaskResult, task_results.values_list("pk", flat=True)),
    ]
    about = Q(pk__in=[])
    for model, pks in objects:
        ids = [str(pk) for pk in pks]
        if ids:
            content_type = ContentType.objects.get_for_model(model)
            about |= Q(content_type=content_type, object_id__in=ids)
    return LogEntry.objects.filter(about)


def person_data(lead):
    """Everything held about the person of `lead`, as one JSON-serialisable dict: the lead,
    its CV (the file's name as the person sent it, its stored name, the words read from it),
    the attorneys' notes, the history, and what the person sent again."""
    return {
        "exported_at": _date(timezone.now()),
        "lead": {
            **{
                field.name: _field_value(lead, field)
                for field in Lead._meta.concrete_fields
                if field.name not in NOT_EXPORTED
            },
            "state_label": lead.state_label,
        },
        "cv": (
            {
                "file_name": lead.cv_filename,
                "stored_name": lead.cv.name,
                "words_read_for_search": lead.cv_text.strip(),
            }
            if lead.cv
            else None
        ),
        "notes": [
            {
                "author": display_name(note.author),
                "created_at": _date(note.created_at),
                "body": note.body,
            }
            for note in lead.notes.select_related("author")
        ],
        "history": [
            {
                "created_at": _date(activity.created_at),
                "kind": activity.get_kind_display(),
                "source": activity.get_source_display(),
                "by": display_name(activity.actor),
                "changes": activity.changes,
                "message": activity.message,
            }
            for activity in lead.activities.select_related("actor")
        ],
        "resubmissions": [
            {
                "created_at": _date(resubmission.created_at),
                **{
                    field.name: getattr(resubmission, field.name)
                    for field in Lead.person_fields(files=False)
                },
                "cv_stored_name": resubmission.cv.name or None,
            }
            for resubmission in lead.resubmissions.all()
        ],
    }


def _field_value(lead, field):
    if field.is_relation:
        return display_name(getattr(lead, field.name))
    value = getattr(lead, field.attname)
    return _date(value) if hasattr(value, "isoformat") else value


def _date(value):
    return value.isoformat() if value is not None else None
