"""Serializers of the JSON API. The API keeps the original design's field names (FIRST_NAME, ...);
every rule about what a valid lead is comes from the Lead model."""

import copy

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.settings import api_settings

from leads import lifecycle
from leads.models import Activity, DuplicateEmail, Lead, Note
from leads.states import MoveRefused
from leads.validators import validate_no_control_characters, validate_no_web_address
from lib.users import display_name

# API field name -> Lead field: the original design's upper-case names, one for each of the
# person's fields (Lead.PERSON_FIELDS). A file (CV) is an upload, declared by the serializers
# that take one, and read back as a link (CV_URL).
FIELD_SOURCES = {
    "LEAD_ID": "id",
    **{field.name.upper(): field.name for field in Lead.person_fields(files=False)},
    "STATE": "state",
    "CREATED_AT": "created_at",
    "UPDATED_AT": "updated_at",
    "REACHED_OUT_AT": "reached_out_at",
}
API_NAMES = (
    {source: name for name, source in FIELD_SOURCES.items()}
    | {name: name.upper() for name in Lead.PERSON_FIELDS}
    | {NON_FIELD_ERRORS: api_settings.NON_FIELD_ERRORS_KEY}
)


class DuplicateEmailConflict(exceptions.ValidationError):
    """The email belongs to another lead: a conflict with stored data, not a malformed request."""

    status_code = 409
    default_code = "duplicate_email"


class StrictTextMixin:
    """Text must be a string (DRF would quietly turn a JSON number into text), and its length
    limit counts what the client sent, as the schema's maxLength does (DRF would count it after
    trimming)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class StrictCharField(StrictTextMixin, serializers.CharField):
    pass


class StrictEmailField(StrictTextMixin, serializers.EmailField):
    pass


# Patterns for the OpenAPI schema, spelled out so that they mean the same in Python and ECMA
# regex (test_api_schema.py checks them against the rules they describe). DRF trims text, then
# checks that it is not blank, then runs the model's validators.
# What str.strip() removes: Python's whitespace, which is not ECMA's \s.
WHITESPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# What validate_no_control_characters refuses.
CONTROLS = r"\x00-\x1f\x7f-\x9f"
# Any text: DRF refuses a NUL character in every text field.
WITHOUT_NUL = r"^[^\x00]*$"
# Required text: something is left after trimming, and no NUL.
VISIBLE_TEXT = rf"^[^\x00]*[^{WHITESPACE}\x00][^\x00]*$"
# A name: something is left after trimming, and no control character in what is left.
VISIBLE_TEXT_WITHOUT_CONTROLS = (
    f"^[{WHITESPACE}]*"
    f"[^{WHITESPACE}{CONTROLS}](?:[^{CONTROLS}]*[^{WHITESPACE}{CONTROLS}])?"
    f"[{WHITESPACE}]*$"
)


# A person's name: that, and no web address in it (validate_no_web_address), spelled without
# flags for ECMA regex: "www." and a domain's letters in either case.
NAME = (
    r"^(?![\s\S]*(?:://|[Ww][Ww][Ww]\.|[A-Za-z0-9-]\.[A-Za-z]{2,}/))"
    + VISIBLE_TEXT_WITHOUT_CONTROLS.removeprefix("^")
)


class StrictCharFieldSchema(OpenApiSerializerFieldExtension):
    """Says in the schema what a text field requires beyond its length, so that clients (and
    the fuzzer) know that "  " is as blank as "" and which characters a name refuses."""

    target_class = StrictCharField

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            if validate_no_web_address in self.target.validators:
                schema["pattern"] = NAME
            elif validate_no_control_characters in self.target.validators:
                schema["pattern"] = VISIBLE_TEXT_WITHOUT_CONTROLS
            elif not self.target.allow_blank:
                schema["pattern"] = VISIBLE_TEXT
            else:
                schema["pattern"] = WITHOUT_NUL
        return schema


class StrictEmailFieldSchema(OpenApiSerializerFieldExtension):
    """An email address: an internationalized domain is accepted and returned as typed
    ("ana@exämple.com"), so the schema's format is idn-email; the part before the @ must still
    be ASCII, as Django's EmailValidator requires."""

    target_class = StrictEmailField

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        schema["format"] = "idn-email"
        return schema


class LeadSerializer(serializers.ModelSerializer):
    """A lead. As the body of PUT /update/<id> every writable field is required; with PATCH,
    only the fields sent change."""

    serializer_field_mapping = serializers.ModelSerializer.serializer_field_mapping | {
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
    }

    CV_URL = serializers.SerializerMethodField(
        help_text="Download link of the CV file (attorneys only), or null without a CV."
    )

    class Meta:
        model = Lead
        fields = [*FIELD_SOURCES, "CV_URL"]
        read_only_fields = ["LEAD_ID", "CREATED_AT", "UPDATED_AT", "REACHED_OUT_AT"]
        extra_kwargs = {name: {"source": source} for name, source in FIELD_SOURCES.items()} | {
            # The model allows a blank resume when the lead has a CV file, but JSON carries no
            # file: through the API a lead's resume text stays non-blank.
            "RESUME": {"source": "resume", "required": True, "allow_blank": False},
            "STATE": {"source": "state", "required": True},
        }

    def get_fields(self):
        # ModelSerializer rebuilds every field from the model on each instantiation, which was
        # the largest single cost of a GET /get/<id>. The fields depend only on the class: build
        # them once per class and hand each serializer its own copy.
        cls = type(self)
        if "_built_fields" not in cls.__dict__:
            cls._built_fields = super().get_fields()
        # A field's copy needs its own attributes only, which bind() sets (its name, parent and
        # source): a shallow copy, a tenth of what a deep one costs. A nested serializer holds
        # fields of its own, bound to it, as a list's child field is: those are copied deeply.
        return {
            name: copy.deepcopy(field) if _holds_fields(field) else copy.copy(field)
            for name, field in cls._built_fields.items()
        }

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_CV_URL(self, lead):  # noqa: N802 (DRF derives the name from the field's)
        if not lead.cv:
            return None
        url = reverse("attorneys:lead_cv", args=[lead.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def validate(self, attrs):
        """Run the model's own validation (Lead.full_clean) on the lead as it would be saved."""
        lead = copy.copy(self.instance) if self.instance else Lead()
        for name, value in attrs.items():
            setattr(lead, name, value)
        # A stored CV was checked when it was uploaded. Reading it again could only fail for
        # reasons that are not this request's (say, a file missing from disk).
        exclude = ["cv"] if self.instance and "cv" not in attrs else None
        # A known email is refused by the database's unique constraint when the lead is saved
        # (save() answers 409), not by a query here first. Only a body that is refused anyway
        # is checked for it, so that its 409 lists every problem at once. A prospect's
        # submission (see LeadCreateView) is not refused for a known email.
        lead.refuse_known_email = False
        try:
            lead.full_clean(exclude=exclude)
        except DjangoValidationError as error:
            if not self.context.get("submission", False):
                error = _with_known_email(lead, error, exclude)
            raise serializers.ValidationError(with_api_names(error)) from None
        # The model trims the text and normalizes the email as it validates: keep its values.
        return {name: getattr(lead, name) for name in attrs}

    def is_valid(self, *, raise_exception=False):
        valid = super().is_valid()
        if not valid and raise_exception:
            raise validation_error(self.errors)
        return valid

    def save(self, **kwargs):
        # The database constraint has the last word: a concurrent request may have taken the email
        # between validate() and save() (or moved the lead to a state it cannot leave that way).
        try:
            return super().save(**kwargs)
        except (DuplicateEmail, MoveRefused) as error:
            raise validation_error(with_api_names(error)) from None

    def create(self, validated_data):
        request = self.context["request"]
        return lifecycle.create_lead(
            Lead(**validated_data),
            source=Activity.Source.API,
            actor=request.user,
            site_url=request.build_absolute_uri("/"),
        )

    def update(self, lead, validated_data):
        # Only the fields sent, so that a PATCH cannot put back, from its own copy of the lead,
        # what a concurrent request changed meanwhile (a state, another field's edit).
        for name, value in validated_data.items():
            setattr(lead, name, value)
        return lifecycle.change_lead(
            lead,
            source=Activity.Source.API,
            actor=self.context["request"].user,
            fields=list(validated_data),
        )


def _with_known_email(lead, error, exclude):
    """`error` (of lead.full_clean()) with the known-email error too, if another lead has the
    email: the check full_clean() skipped (see LeadSerializer.validate)."""
    errors = error.update_error_dict({})
    lead.refuse_known_email = True
    try:
        lead.validate_constraints(exclude={*(exclude or ()), *errors})
    except DjangoValidationError as known:
        errors = known.update_error_dict(errors)
    return DjangoValidationError(errors)


def _holds_fields(field):
    return isinstance(field, serializers.BaseSerializer) or any(
        hasattr(field, name) for name in ("child", "child_relation")
    )


class NoteSerializer(serializers.ModelSerializer):
    """An attorney's internal note (read-only in the API)."""

    NOTE_ID = serializers.IntegerField(source="id", read_only=True)
    AUTHOR = serializers.SerializerMethodField(help_text="The attorney's name, or null.")
    BODY = serializers.CharField(source="body", read_only=True)
    CREATED_AT = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Note
        fields = ["NOTE_ID", "AUTHOR", "BODY", "CREATED_AT"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_AUTHOR(self, note):  # noqa: N802 (DRF derives the name from the field's)
        return display_name(note.author)


class LeadListSerializer(LeadSerializer):
    """A row of GET /get: LeadSerializer's fields and values, read straight from the lead's
    columns. DRF's own reading (for each field of each row: the field's source, its checks, its
    to_representation) was a fifth of a page of 25 (2.8 -> 2.2 ms in process; make bench's list
    against GET /get/<id>, docs/architecture.md). The times are written as DRF writes them (ISO
    8601 in the current time zone, "Z" for UTC); test_api_list.py checks that each row is what
    LeadSerializer gives."""

    # (API name, the lead's attribute, whether it is a time), in LeadSerializer's order.
    COLUMNS = [
        (name, source, isinstance(Lead._meta.get_field(source), models.DateTimeField))
        for name, source in FIELD_SOURCES.items()
    ]

    def to_representation(self, lead):
        if not hasattr(self, "_timezone"):
            self._timezone = timezone.get_current_timezone()
        row = {}
        for name, source, is_time in self.COLUMNS:
            value = getattr(lead, source)
            if is_time and value is not None:
                value = value.astimezone(self._timezone).isoformat()
                if value.endswith("+00:00"):
                    value = value[:-6] + "Z"
            row[name] = value
        row["CV_URL"] = self.get_CV_URL(lead)
        return row


class LeadDetailSerializer(LeadSerializer):
    """One lead for GET /get/<id>: the lead and its internal notes, newest first."""

    NOTES = serializers.SerializerMethodField()

    class Meta(LeadSerializer.Meta):
        fields = [*LeadSerializer.Meta.fields, "NOTES"]

    @extend_schema_field(NoteSerializer(many=True))
    def get_NOTES(self, lead):  # noqa: N802
        # Most leads have no note: the view's query says so (has_notes), sparing a second query.
        if not lead.has_notes:
            return []
        return NoteSerializer(lead.notes.select_related("author"), many=True).data


class LeadCreateSerializer(LeadSerializer):
    """The JSON body of POST /create. STATE is read-only: every new lead starts PENDING."""

    class Meta(LeadSerializer.Meta):
        read_only_fields = [*LeadSerializer.Meta.read_only_fields, "STATE"]


class LeadCreateWithCVSerializer(LeadCreateSerializer):
    """The multipart body of POST /create: a CV file may stand in for the resume text."""

    class Meta(LeadCreateSerializer.Meta):
        fields = [*LeadCreateSerializer.Meta.fields, "CV"]
        extra_kwargs = LeadCreateSerializer.Meta.extra_kwargs | {
            "RESUME": {"source": "resume", "required": False},
            "CV": {"source": "cv", "write_only": True, "required": False},
        }


class SubmissionReceiptSerializer(serializers.Serializer):
    """What POST /create answers a prospect (202): the same for a new lead and for an email a
    lead already has, and nothing about either."""

    STATUS = serializers.CharField(help_text='Always "RECEIVED".')
    RECEIVED_AT = serializers.DateTimeField()
    MESSAGE = serializers.CharField(help_text="What happens next, in words for the prospect.")

    MESSAGE_TEXT = (
        "Thank you. An attorney will review your details and contact you at the email address "
        "you gave; a confirmation is on its way there."
    )

    @classmethod
    def receipt(cls):
        data = {"STATUS": "RECEIVED", "RECEIVED_AT": timezone.now(), "MESSAGE": cls.MESSAGE_TEXT}
        return cls(data).data


def with_api_names(error):
    """The messages of a Django ValidationError from the model, under the API's field names."""
    return {
        API_NAMES.get(name, name): messages
        for name, messages in serializers.as_serializer_error(error).items()
    }


def validation_error(errors):
    """The exception for a serializer's errors: 409 when the email belongs to another lead (the
    body lists any other problem too), 400 otherwise."""
    codes = {message.code for messages in errors.values() for message in messages}
    if "duplicate_email" in codes:
        return DuplicateEmailConflict(errors)
    return serializers.ValidationError(errors)


DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


class PageParametersSerializer(serializers.Serializer):
    """The page parameters of GET /get (its filters are leads/filters.py's)."""

    page = serializers.IntegerField(required=False, min_value=1, help_text="Page number.")
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        help_text=f"Leads per page (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE}).",
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer (documentation only)."""

    class ErrorBodySerializer(serializers.Serializer):
        status = serializers.IntegerField(help_text="The HTTP status code.")
        code = serializers.CharField(
            help_text="Machine-readable: invalid, parse_error, duplicate_email, not_found, ..."
        )
        message = serializers.CharField(help_text="What went wrong, for humans.")
        fields = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Field name -> messages; empty unless fields are invalid.",
        )

    error = ErrorBodySerializer()
