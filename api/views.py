"""The JSON API: POST /create, GET /get, GET /get/<id>, PUT and PATCH /update/<id>.

Documented for people in docs/api.md and for machines at /api/schema/."""

import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, permissions, status
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler

from leads import lifecycle
from leads.filters import LeadFilter
from leads.models import Activity, Lead, Note
from leads.pagination import LeadPaginator
from leads.throttling import count_accepted, flood_wait, intake_wait
from lib.durations import duration_text

from .parsers import JSONParser, MultiPartParser, RequestTooLarge
from .serializers import (
    DEFAULT_PAGE_SIZE,
    FIELD_SOURCES,
    MAX_PAGE_SIZE,
    ErrorSerializer,
    LeadCreateSerializer,
    LeadCreateWithCVSerializer,
    LeadDetailSerializer,
    LeadListSerializer,
    LeadSerializer,
    PageParametersSerializer,
    SubmissionReceiptSerializer,
)

logger = logging.getLogger(__name__)


class StorageUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The file storage did not answer: nothing was stored. Try again in a minute."
    default_code = "storage_unavailable"


def api_exception_handler(exc, context):
    """Every 4xx of the API has one shape:

    {"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"EMAIL": ["..."]}}}
    """
    # Django refuses these while the request body is read; left alone they are HTML 400s.
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(str(exc))
    elif isinstance(exc, BotoCoreError | ClientError):  # the CV bucket (CV_BUCKET)
        logger.exception("The CV storage failed")
        exc = StorageUnavailable()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = {name: _messages(messages) for name, messages in detail.items()}
        general = fields.pop("non_field_errors", [])
        named = [f"{name}: {' '.join(messages)}" for name, messages in fields.items()]
        error = {"code": exc.default_code, "message": " ".join(general + named), "fields": fields}
    else:
        detail = response.data["detail"]
        error = {"code": detail.code, "message": str(detail), "fields": {}}
    response.data = {"error": {"status": response.status_code, **error}}
    return response


def _messages(detail):
    return [str(message) for message in detail] if isinstance(detail, list) else [str(detail)]


class CanViewLeads(permissions.BasePermission):
    """Attorneys: users with the leads.view_lead permission (the Attorneys group)."""

    def has_permission(self, request, view):
        return request.user.has_perm("leads.view_lead")


class CanChangeLeads(permissions.BasePermission):
    """Attorneys who may also edit leads (leads.change_lead)."""

    def has_permission(self, request, view):
        return request.user.has_perm("leads.view_lead") and request.user.has_perm(
            "leads.change_lead"
        )


# What the API shows of a lead (FIELD_SOURCES, and whether it has a CV), read alone: the columns
# it does not show (the search keys, the email's identity, the CV's words) took a fifth of the
# time of GET /get/<id>'s query.
SHOWN_LEADS = Lead.objects.only(*FIELD_SOURCES.values(), "cv")
# Whether a lead has notes, in the lead's own query, so that most leads (which have none) need no
# second query. Written as SQL once: Exists(Note.objects.filter(lead=OuterRef("pk"))), built and
# compiled again by each request, made GET /get/<id>'s query 250 us instead of 205
# (docs/architecture.md, "Hand-rolled pieces"; test_api_detail.py and test_notes.py check both
# answers).
HAS_NOTES = RawSQL(
    f"EXISTS (SELECT 1 FROM {Note._meta.db_table} "
    f"WHERE {Note._meta.db_table}.{Note._meta.get_field('lead').column} "
    f"= {Lead._meta.db_table}.{Lead._meta.pk.column})",
    (),
    output_field=BooleanField(),
)


class LeadCursorPagination(CursorPagination):
    """GET /get?cursor=: pages that follow each other by position in the list's order, not by
    number. Each page is read from the index where the last one ended (WHERE created_at < the
    last lead's), so the end of a million leads costs what the first page does; numbered pages
    skip the earlier rows (OFFSET) and cost more the deeper they go. The order is a time's,
    which leads rarely share: created_at (the default, newest first) or updated_at."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ORDERINGS = ["-created_at", "created_at", "-updated_at", "updated_at"]

    def get_ordering(self, request, queryset, view):
        ordering = request.query_params.get("ordering") or "-created_at"
        if ordering not in self.ORDERINGS:
            raise exceptions.ValidationError(
                {"ordering": [f"With a cursor, sort by one of {', '.join(self.ORDERINGS)}."]}
            )
        # The id breaks ties, in the same direction.
        return (ordering, "-id" if ordering.startswith("-") else "id")

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {"cursor": ["Not a cursor of this list: follow the next and previous links."]}
            ) from None


class LeadPagination(PageNumberPagination):
    """Numbered pages (the attorneys' list's), or, with `cursor` in the query string (empty for
    the first page), LeadCursorPagination's."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    cursor_pages = None

    def paginate_queryset(self, queryset, request, view=None):
        # DRF quietly reads a page size over the maximum as the maximum, and an invalid one as
        # the default: refuse them (400), as the filters are refused.
        PageParametersSerializer(data=request.query_params.dict()).is_valid(raise_exception=True)
        if LeadCursorPagination.cursor_query_param in request.query_params:
            self.cursor_pages = LeadCursorPagination()
            return self.cursor_pages.paginate_queryset(queryset, request, view)
        self.known_count = view.known_count() if hasattr(view, "known_count") else None
        self.shown = view.get_queryset()  # the view's columns, of every lead
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self.cursor_pages is not None:
            return self.cursor_pages.get_paginated_response(data)
        return super().get_paginated_response(data)

    def get_paginated_response_schema(self, schema):
        # No count when following a cursor.
        schema = super().get_paginated_response_schema(schema)
        schema["required"] = ["results"]
        count = schema["properties"]["count"]
        count["description"] = "How many leads the list has; absent with a cursor."
        return schema

    def django_paginator_class(self, queryset, page_size):
        # Called by DRF as a class: a paginator told the count, when the view knows it.
        paginator = LeadPaginator(queryset, page_size, shown=self.shown)
        if self.known_count is not None:
            paginator.count = self.known_count
        return paginator

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {"page": {"minimum": 1}, "page_size": {"minimum": 1, "maximum": MAX_PAGE_SIZE}}
        for parameter in parameters:
            parameter["schema"] |= bounds[parameter["name"]]
        cursor = {
            "name": LeadCursorPagination.cursor_query_param,
            "required": False,
            "in": "query",
            "description": (
                "Follow the list by cursor instead of page numbers: empty for the first page, "
                "then the `next` link's. Constant cost however deep; sorted by "
                f"{', '.join(LeadCursorPagination.ORDERINGS)} only; no `count`."
            ),
            "schema": {"type": "string"},
        }
        return [*parameters, cursor]


ERROR_DESCRIPTIONS = {
    400: "Invalid input; `fields` names each invalid field.",
    401: "Not authenticated: send `Authorization: Token <key>` or sign in.",
    403: "Signed in, but not an attorney (or the CSRF token is missing).",
    404: "No such lead (or page).",
    405: "Method not allowed on this route.",
    409: "Another lead already has this email address (in any case).",
    413: "The request body is over the size limit.",
    415: "Unsupported Content-Type.",
    429: "Too many submissions from this address; try again later.",
}


def errors(*statuses):
    """Error responses for the schema; they all have the shape of ErrorSerializer."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status])
        for status in statuses
    }


READ_ERRORS = errors(401, 403, 404)
WRITE_ERRORS = errors(400, 401, 403, 404, 409, 413, 415)
# The routes take any text as the id, so that a malformed one is a JSON 404 like an unknown one.
LEAD_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The lead's LEAD_ID.")


class Throttled(exceptions.Throttled):
    """429 with Retry-After, and the wait in words in the message."""

    def __init__(self, wait):
        detail = (
            f"Too many submissions. Please wait {duration_text(wait, round_up=True)} and try again."
        )
        super().__init__(wait=wait, detail=detail)


@extend_schema_view(
    post=extend_schema(
        operation_id="lead_create",
        tags=["leads"],
        summary="Submit a lead",
        description=(
            "Public, like the intake form. Send JSON, or multipart/form-data to attach a CV file "
            "(then RESUME may be left out). A STATE in the body is ignored: a new lead starts "
            "PENDING, and the prospect and the attorneys are emailed.\n\n"
            "**Anonymous clients** (and signed-in users who are not attorneys) get `202` with a "
            "receipt, whether or not a lead already has the email address: the answer never "
            "tells whether a person contacted the firm. A submission for a known address is "
            "kept beside that lead for the attorneys, who are notified, and the prospect is "
            "emailed that the firm already has their details. These clients share the intake "
            "rate limit (INTAKE_RATE_LIMIT) with the form.\n\n"
            "**Attorneys' clients** (an attorney's token or session) get `201` with the lead, "
            "or `409 duplicate_email` if another lead has the address, and are not limited."
        ),
        request={
            "application/json": LeadCreateSerializer,
            "multipart/form-data": LeadCreateWithCVSerializer,
        },
        responses={
            201: OpenApiResponse(LeadSerializer, description="Created (attorneys' clients)."),
            202: OpenApiResponse(
                SubmissionReceiptSerializer, description="Received (anyone else)."
            ),
            **errors(400, 401, 409, 413, 415, 429),
        },
    )
)
class LeadCreateView(generics.CreateAPIView):
    permission_classes = [permissions.AllowAny]
    parser_classes = [JSONParser, MultiPartParser]

    def get_serializer_class(self):
        # Only a multipart body can carry a CV file; in JSON the resume text is required.
        if self.request.content_type.startswith("multipart/form-data"):
            return LeadCreateWithCVSerializer
        return LeadCreateSerializer

    def create(self, request, *args, **kwargs):
        if CanViewLeads().has_permission(request, self):
            return super().create(request, *args, **kwargs)
        # A prospect: limited like the form. Every POST counts, before the body is read...
        if wait := flood_wait(request):
            raise Throttled(wait)
        context = self.get_serializer_context() | {"submission": True}
        serializer = self.get_serializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        # ... and only accepted submissions toward the tighter limit.
        if wait := intake_wait(request):
            raise Throttled(wait)
        lifecycle.submit_lead(
            Lead(**serializer.validated_data),
            source=Activity.Source.API,
            site_url=request.build_absolute_uri("/"),
        )
        count_accepted(request)
        receipt = SubmissionReceiptSerializer.receipt()
        return Response(receipt, status=status.HTTP_202_ACCEPTED)


class LeadFilterBackend(DjangoFilterBackend):
    """django-filter's backend, keeping the request's FilterSet on the view (`view.filterset`),
    so that the page's total is read from the same one (one FilterSet per request)."""

    def get_filterset(self, request, queryset, view):
        view.filterset = super().get_filterset(request, queryset, view)
        return view.filterset


@extend_schema_view(
    get=extend_schema(
        operation_id="lead_list",
        tags=["leads"],
        summary="List leads",
        description=(
            "Attorneys only. Newest first unless `ordering` says otherwise. Numbered pages "
            "(`page`), or, with `cursor`, pages that follow each other at constant cost."
        ),
        responses={200: LeadSerializer(many=True), **errors(400, 401, 403, 404)},
    )
)
class LeadListView(generics.ListAPIView):
    permission_classes = [CanViewLeads]
    serializer_class = LeadListSerializer
    pagination_class = LeadPagination
    # The filters of the attorneys' list page and its export (leads/filters.py).
    filter_backends = [LeadFilterBackend]
    filterset_class = LeadFilter
    queryset = SHOWN_LEADS

    def known_count(self):
        """The total of a list picked by its state alone (or not at all), from the kept
        counts, as the attorneys' list page takes it: no COUNT(*) of a million leads."""
        return self.filterset.total() if self.filterset.is_valid() else None


@extend_schema_view(
    get=extend_schema(
        operation_id="lead_get",
        tags=["leads"],
        summary="Get one lead",
        parameters=[LEAD_ID],
        description="Attorneys only. Includes the attorneys' internal NOTES, newest first.",
        responses={200: LeadDetailSerializer, **READ_ERRORS},
    )
)
class LeadDetailView(generics.RetrieveAPIView):
    permission_classes = [CanViewLeads]
    serializer_class = LeadDetailSerializer
    queryset = SHOWN_LEADS.annotate(has_notes=HAS_NOTES)


@extend_schema_view(
    put=extend_schema(
        operation_id="lead_update",
        tags=["leads"],
        parameters=[LEAD_ID],
        summary="Replace a lead's fields",
        description=(
            "Attorneys with the change permission. Every field is required. Setting STATE to "
            "REACHED_OUT records who and when; PENDING clears that record."
        ),
        responses={200: LeadSerializer, **WRITE_ERRORS},
    ),
    patch=extend_schema(
        operation_id="lead_partial_update",
        tags=["leads"],
        parameters=[LEAD_ID],
        summary="Change some of a lead's fields",
        description="Like PUT, but only the fields sent change (e.g. only STATE).",
        responses={200: LeadSerializer, **WRITE_ERRORS},
    ),
)
class LeadUpdateView(generics.UpdateAPIView):
    permission_classes = [CanChangeLeads]
    serializer_class = LeadSerializer
    queryset = Lead.objects.all()
