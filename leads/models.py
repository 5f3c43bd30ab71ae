import datetime
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from . import search, states
from .cvs.storage import (
    cv_storage,
    cv_upload_to,
    delete_replaced_cv_on_commit,
    stored_cv_name,
)
from .cvs.validators import validate_cv
from .email_addresses import email_key, normalize_email
from .search import SEARCH_KEYS
from .states import LeadState
from .validators import validate_no_control_characters, validate_no_web_address

DUPLICATE_EMAIL_MESSAGE = "A lead with this email address already exists."
RESUME_OR_CV_MESSAGE = "Add your resume as text or upload a CV file (or both)."

# A name goes into email subjects, greetings and CSV cells (leads/validators.py).
NAME_VALIDATORS = [validate_no_control_characters, validate_no_web_address]


def user_field():
    """A link to the attorney (or other user) who did something: empty, the record kept, once
    the account is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )


class DuplicateEmail(ValidationError):
    """Raised by Lead.save() when the database refuses a second lead with the same email;
    `lead_id` is the id of the lead that has it."""

    def __init__(self, lead_id):
        super().__init__(
            {"email": ValidationError(DUPLICATE_EMAIL_MESSAGE, code="duplicate_email")}
        )
        self.lead_id = lead_id


class LeadQuerySet(models.QuerySet):
    def search(self, query):
        """The leads where each word of `query` starts a name, the email or a CV word (see
        leads/search.py)."""
        return search.matching(self, query)

    def stale(self):
        """Pending leads submitted more than STALE_LEAD_DAYS days ago: nobody has handled them."""
        return self.filter(_stale())

    def counts_by_state_and_stale(self):
        """(counts_by_state(), how many are stale()) of this query's leads, in one query, which
        reads what a search matched once (twice took 56 ms at a million leads on PostgreSQL).
        Counting the stale ones among them, rather than filtering by stale(), keeps SQLite on
        the search's indexes, where stale() draws it to the (state, created_at) one: a search
        over a million leads took 1.6 s."""
        values = Lead.State.values
        counted = self.aggregate(
            **{f"state_{state}": models.Count("id", filter=Q(state=state)) for state in values},
            stale=models.Count("id", filter=_stale()),
        )
        return {state: counted[f"state_{state}"] for state in values}, counted["stale"]

    def counts_by_state(self):
        counts = dict(self.order_by().values_list("state").annotate(n=models.Count("id")))
        return {state: counts.get(state, 0) for state in Lead.State.values}


PYTHON_CHECKED_CONSTRAINTS = {"lead_names_not_blank", "lead_state_valid", "lead_has_resume_or_cv"}


def _stale():
    return Q(state=Lead.State.PENDING, created_at__lt=stale_cutoff())


def stale_cutoff():
    return timezone.now() - datetime.timedelta(days=settings.STALE_LEAD_DAYS)


class Lead(models.Model):
    State = LeadState

    # The fields about the person, in the order the forms, the admin, the API, the CSV files, the
    # history and the lead's page show them, each labelled by its verbose_name and help_text. An
    # optional field is added here, on the model (and on Resubmission, which keeps what was
    # sent), and in a migration: leads/tests/test_person_fields.py checks every surface has it.
    PERSON_FIELDS = ["first_name", "last_name", "email", "resume", "cv"]

    first_name = models.CharField(max_length=100, validators=NAME_VALIDATORS)
    last_name = models.CharField(max_length=100, validators=NAME_VALIDATORS)
    email = models.EmailField(max_length=254, validators=[validate_no_control_characters])
    resume = models.TextField("resume", blank=True, max_length=20000)
    cv = models.FileField(
        "CV file",
        upload_to=cv_upload_to,
        storage=cv_storage,
        blank=True,
        max_length=200,
        validators=[validate_cv],
        help_text="PDF, DOC, DOCX, RTF or TXT, up to 5 MB.",
    )
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.PENDING, db_index=True
    )
    # A default rather than auto_now_add, so that seeded and imported leads keep their dates.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    reached_out_at = models.DateTimeField(null=True, blank=True)
    reached_out_by = user_field()
    # The name of the prospect's own file, for the attorneys (the stored file has a random name).
    cv_filename = models.CharField("CV file name", max_length=200, blank=True, editable=False)
    # The words of an uploaded PDF, DOCX or TXT CV (leads/cvs/text.py), as search.cv_search_text()
    # keeps them, for search.
    cv_text = models.TextField("words of the CV", blank=True, editable=False)
    # For search(): see search.SEARCH_KEYS.
    search_first_name = models.CharField(max_length=100, editable=False, default="")
    search_last_name = models.CharField(max_length=100, editable=False, default="")
    search_email = models.CharField(max_length=254, editable=False, default="")
    # One lead per person: the email's key (leads/email_addresses.py), unique
    # (lead_email_key_unique).
    # Longer than the email: a domain's IDNA form is longer than the domain.
    email_key = models.CharField("email identity", max_length=400, editable=False, default="")

    objects = LeadQuerySet.as_manager()

    # Whether validation refuses an email that another lead has. A prospect's submission (the
    # public form, an anonymous API client) sets it to False: there a known email is no error,
    # lifecycle.submit_lead() keeps the submission beside its lead, and the prospect sees what a
    # new one sees, so that nobody learns who contacted the firm. (The database refuses a
    # second lead with the email either way.)
    refuse_known_email = True

    class Meta:
        ordering = ["-created_at", "-id"]
        # Erasing a person (lifecycle.erase_lead()) cannot be undone: no group has this by
        # default, not even the Attorneys; an administrator grants it to a user (docs/guide.md).
        permissions = [("erase_lead", "Can erase a person's data")]
        indexes = [
            # For search(): a prefix range on each lower-cased copy, with the other copies, the
            # state and the date in the same index, so that matching, counting per state and
            # sorting read no table rows (SQLite combines the three with a multi-index OR).
            *(
                models.Index(fields=[key, *others, "state", "created_at"], name=f"lead_{key}_idx")
                for key, others in [
                    ("search_first_name", ["search_last_name", "search_email"]),
                    ("search_last_name", ["search_first_name", "search_email"]),
                    ("search_email", ["search_first_name", "search_last_name"]),
                ]
            ),
            models.Index(fields=["id"], condition=~Q(cv_text=""), name="lead_with_cv_text_idx"),
            # The leads needing attention (pending, created before a date) and the ones that
            # do not yet, counted from the index alone (leads/dashboard.py); the list of one
            # state by date of submission or of reaching out.
            models.Index(fields=["state", "created_at"], name="lead_state_created_idx"),
            # The id too, for the pending leads, which all have no reached_out_at: PostgreSQL
            # would sort them all by id (SQLite's indexes end with the id anyway).
            models.Index(
                fields=["state", "reached_out_at", "id"], name="lead_state_reached_out_idx"
            ),
            # For the list's sortable columns (leads/filters.py ORDERINGS) within one state, so
            # that a page is read in order instead of sorting every lead of that state. Names
            # and emails sort by their lower-cased copies, whose indexes above serve the list
            # of every state.
            *(
                models.Index(fields=["state", *columns, "id"], name=f"lead_state_{name}_idx")
                for name, columns in [
                    ("first_name", ["search_first_name"]),
                    ("last_name", ["search_last_name", "search_first_name"]),
                    ("email", ["search_email"]),
                    ("updated", ["updated_at"]),
                ]
            ),
            # The list of every state by date (the default order), with the id, so that a deep
            # page skips the earlier leads in the index alone (leads/pagination.py); and the
            # dashboard's counts of leads per week.
            models.Index(fields=["created_at", "id"], name="lead_created_idx"),
            models.Index(fields=["updated_at", "id"], name="lead_updated_idx"),
            models.Index(fields=["reached_out_at", "id"], name="lead_reached_out_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["email_key"],
                name="lead_email_key_unique",
                violation_error_code="duplicate_email",
                violation_error_message=DUPLICATE_EMAIL_MESSAGE,
            ),
            models.CheckConstraint(
                condition=~Q(resume="") | ~Q(cv=""),
                name="lead_has_resume_or_cv",
                violation_error_code="resume_or_cv",
                violation_error_message=RESUME_OR_CV_MESSAGE,
            ),
            models.CheckConstraint(
                condition=~Q(first_name="") & ~Q(last_name=""),
                name="lead_names_not_blank",
            ),
            models.CheckConstraint(
                condition=Q(state__in=LeadState.values),
                name="lead_state_valid",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} <{self.email}>"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        replaced_cv = stored_cv_name(self, update_fields)
        new_upload = self.has_new_cv()
        self._fill_derived_fields()
        if update_fields is not None:
            kwargs["update_fields"] = [*update_fields, *_derived_fields(update_fields)]
        # A check before saving can lose a race to a concurrent request; the database constraint
        # cannot. Save in a savepoint so the caller's transaction stays usable after a refusal.
        try:
            with transaction.atomic():
                super().save(*args, **kwargs)
        except IntegrityError:
            if new_upload:
                self.cv.storage.delete(self.cv.name)  # written before the INSERT failed
            self._refuse_duplicate_email()
            raise
        if update_fields is None or "state" in update_fields:
            self._stored_state = self.state
        delete_replaced_cv_on_commit(self.cv, replaced_cv)

    def get_absolute_url(self):
        return reverse("attorneys:lead_detail", args=[self.pk])

    def _fill_derived_fields(self):
        """Set what save() derives from the other fields: the CV's name and words, the search
        keys and the email's key."""
        self.remember_cv_filename()
        if self.has_new_cv() or not self.cv:
            # A new CV's words are read by the worker once it is stored (leads/tasks.py).
            self.cv_text = ""
        self.fill_keys()

    def has_new_cv(self):
        """A CV file was attached and is not stored yet (save() stores it)."""
        return bool(self.cv) and not self.cv._committed

    def remember_cv_filename(self):
        """Keep the name of a newly attached CV file as the prospect had it (before it is stored
        under a random name), or forget it with the CV."""
        if self.has_new_cv():
            self.cv_filename = PurePath(self.cv.name).name[:200]
        elif not self.cv:
            self.cv_filename = ""

    def fill_keys(self):
        """Set the lower-cased copies that search() reads and the email's key (save() calls
        this; bulk inserts must)."""
        for name, key in SEARCH_KEYS.items():
            setattr(self, key, (getattr(self, name) or "").lower())
        self.email_key = email_key(self.email)

    def _refuse_duplicate_email(self):
        """After the database refused a save: DuplicateEmail if another lead has the email."""
        if not self.email:
            return
        others = Lead.objects.filter(email_key=self.email_key).exclude(pk=self.pk)
        if (other := others.values_list("pk", flat=True).first()) is not None:
            raise DuplicateEmail(other) from None

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def is_stale(self):
        """Pending for more than STALE_LEAD_DAYS days: needs attention."""
        return self.is_pending and self.created_at < stale_cutoff()

    @classmethod
    def person_fields(cls, *, files=True):
        """PERSON_FIELDS as model fields; without the file fields if not `files` (what a CSV
        row or a JSON body can carry)."""
        fields = [cls._meta.get_field(name) for name in cls.PERSON_FIELDS]
        return [f for f in fields if files or not isinstance(f, models.FileField)]

    @classmethod
    def short_person_fields(cls):
        """The person's one-line fields (the names, the email): what the lead's page lists and
        the forms set side by side."""
        return [f for f in cls.person_fields() if isinstance(f, models.CharField)]

    def clean_fields(self, exclude=None):
        # Trim first, so that a whitespace-only name fails the "required" check like an empty one.
        for field in self.person_fields(files=False):
            setattr(self, field.name, (getattr(self, field.name) or "").strip())
        self.email = normalize_email(self.email)
        self.email_key = email_key(self.email)
        super().clean_fields(exclude=exclude)

    def clean(self):
        # The same rule as the lead_has_resume_or_cv constraint, checked here without a query.
        if not self.resume and not self.cv:
            raise ValidationError(RESUME_OR_CV_MESSAGE, code="resume_or_cv")
        # A new lead starts pending and moves from there (lifecycle.create_lead()).
        if self.state in self.State.values:  # else its field's own check refused it
            stored = self._state_before_change()
            if self.state != stored:
                states.move_between(stored, self.state)

    def _state_before_change(self):
        """The state a change of this lead's state moves it from: pending for a new lead (it
        starts there), else the stored one."""
        if self._state.adding:
            return LeadState.PENDING
        stored = getattr(self, "_stored_state", None)
        if stored is None:  # loaded without its state (.defer()), or built by hand
            stored = Lead.objects.filter(pk=self.pk).values_list("state", flat=True).first()
        return stored or self.state

    def get_constraints(self):
        # Field validation and clean() already check these rules before the constraints are
        # validated; in the database they are backstops for writes that skip validation (bulk
        # inserts, raw SQL). Django would check each again with a query of its own.
        return [
            (model, [c for c in constraints if c.name not in PYTHON_CHECKED_CONSTRAINTS])
            for model, constraints in super().get_constraints()
        ]

    def validate_constraints(self, exclude=None):
        # The email's key is not a form field, but it is checked whenever the email is (unless
        # a known email is welcome: see refuse_known_email). Django reports its constraint as a
        # form-wide error: it is about the email, so report it there.
        exclude = set(exclude or ())
        if not self.refuse_known_email:
            exclude.add("email_key")
        elif "email" not in exclude:
            exclude.discard("email_key")
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            non_field = errors.pop(NON_FIELD_ERRORS, [])
            for item in non_field:
                target = "email" if item.code == "duplicate_email" else NON_FIELD_ERRORS
                errors.setdefault(target, []).append(item)
            raise ValidationError(errors) from None

    @property
    def is_pending(self):
        return self.state == self.State.PENDING

    @property
    def state_label(self):
        return self.get_state_display()

    @classmethod
    def from_db(cls, db, field_names, values):
        lead = super().from_db(db, field_names, values)
        # The state as stored (save() keeps it too), which clean() checks a change against.
        lead._stored_state = lead.__dict__.get("state")
        return lead

    def next_moves(self, user=None):
        """The moves (states.Move) this lead can make from its state, by `user` if given."""
        return [
            move
            for move in states.MOVES.get(self.state, ())
            if user is None or user.has_perm(move.permission)
        ]


def _derived_fields(update_fields):
    """The fields that Lead._fill_derived_fields() sets from `update_fields`, saved with them."""
    return [
        *(SEARCH_KEYS[name] for name in update_fields if name in SEARCH_KEYS),
        *(["email_key"] if "email" in update_fields else []),
        *(["cv_text", "cv_filename"] if "cv" in update_fields else []),
    ]


class StateCount(models.Model):
    """How many leads are in one state: a row per state, which every saved or deleted lead
    adjusts inside its own transaction (leads/counts.py), so that no page counts a million
    leads, and a cache flush loses no count."""

    state = models.CharField(max_length=20, primary_key=True)
    leads = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.state}: {self.leads}"


class TaskWorker(models.Model):
    """A running `manage.py worker` of the database queue, under the id that the task results'
    `worker_ids` name, and when it last said it is alive (every third of TASK_LEASE_SECONDS,
    from a thread of its own). A task still running after its worker has been silent for the
    lease is queued again (leads/management/commands/worker.py)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.worker_id} (seen {self.seen_at:%Y-%m-%d %H:%M:%S})"


class Activity(models.Model):
    """One entry of a lead's history. Entries are only ever added (see leads/history.py):
    no page, endpoint or admin form changes or deletes one.

    The outcome of a background task (an email sent, a CV found unreadable) is recorded under a
    `key` that a lead can have once, so that a task run twice records (and does) its work once."""

    class Kind(models.TextChoices):
        CREATED = "CREATED", "Created"
        EDITED = "EDITED", "Edited"
        STATE_CHANGED = "STATE_CHANGED", "State changed"
        NOTE_ADDED = "NOTE_ADDED", "Note added"
        EMAIL_SENT = "EMAIL_SENT", "Email sent"
        EMAIL_FAILED = "EMAIL_FAILED", "Email failed"
        CV_UNREADABLE = "CV_UNREADABLE", "CV text not readable"
        RESUBMITTED = "RESUBMITTED", "Sent again"

    class Source(models.TextChoices):
        FORM = "FORM", "public form"
        API = "API", "API"
        PAGE = "PAGE", "attorney pages"
        ADMIN = "ADMIN", "back office"
        IMPORT = "IMPORT", "CSV import"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=10, choices=Source.choices, blank=True)
    actor = user_field()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Field label -> [old, new], long text summarised (leads/history.py).
    changes = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=250, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["lead", "-created_at", "-id"], name="activity_lead_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "key"], condition=~Q(key=""), name="activity_key_once_per_lead"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.lead_id} at {self.created_at:%Y-%m-%d %H:%M}"


class Resubmission(models.Model):
    """A prospect's submission for an email address a lead already has (the same person, see
    leads/email_addresses.py), kept beside that lead as it was sent: what is stored is not
    overwritten, and the attorneys see both. The public form and anonymous API clients answer it
    exactly as they answer a new lead, so that nobody learns whether a person contacted the
    firm."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="resubmissions")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField("email as typed", max_length=254)
    resume = models.TextField(blank=True, max_length=20000)
    cv = models.FileField(
        "CV file", upload_to=cv_upload_to, storage=cv_storage, blank=True, max_length=200
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "-created_at", "-id"], name="resubmission_lead_idx")
        ]

    def __str__(self):
        return f"Resubmission to lead {self.lead_id} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"


class Note(models.Model):
    """An attorney's internal note on a lead. Never shown or sent to the prospect."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="notes")
    author = user_field()
    body = models.TextField("note", max_length=2000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["lead", "-created_at", "-id"], name="note_lead_idx")]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="note_not_blank")]

    def __str__(self):
        return f"Note on lead {self.lead_id} at {self.created_at:%Y-%m-%d %H:%M}"

    def clean_fields(self, exclude=None):
        # A note of only spaces is as empty as an empty one.
        self.body = (self.body or "").strip()
        super().clean_fields(exclude=exclude)


class ErasureReason(models.TextChoices):
    REQUEST = "REQUEST", "The person asked"
    RETENTION = "RETENTION", "Retention period over"
    ADMIN = "ADMIN", "Deleted in the admin"


class Erasure(models.Model):
    """That a person's data was erased (lifecycle.erase_lead()): the one trace it leaves, with
    nothing about the person. The lead's former id, not a link to it (the lead is gone), who
    erased it, when, and why, from a list: free text could carry the person's name."""

    Reason = ErasureReason

    lead_id = models.BigIntegerField("lead id")
    erased_by = user_field()
    erased_at = models.DateTimeField(default=timezone.now, editable=False)
    reason = models.CharField(max_length=20, choices=Reason.choices)

    class Meta:
        ordering = ["-erased_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=ErasureReason.values), name="erasure_reason_valid"
            )
        ]

    def __str__(self):
        return f"Lead {self.lead_id} erased at {self.erased_at:%Y-%m-%d %H:%M}"
