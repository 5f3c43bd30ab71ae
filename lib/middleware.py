import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.deprecation import MiddlewareMixin

logger = logging.getLogger(__name__)


def checks_its_own_input(view):
    """Mark a view that refuses malformed requests itself, in its own error shape (the JSON
    API's views: api/urls.py): the page checks below leave it alone."""
    view.checks_its_own_input = True
    return view


def _checks_its_own_input(view_func):
    return getattr(view_func, "checks_its_own_input", False)


class NeverCacheMiddleware(MiddlewareMixin):
    """`Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private` on every answer
    that does not set its own: the pages, CV downloads, CSV exports and API answers hold personal
    data, which neither a shared proxy nor the browser's disk cache may keep (the back button
    after signing out, a shared computer). Static files never get here: WhiteNoise, above in
    MIDDLEWARE, answers them with their own long-lived headers."""

    def process_response(self, request, response):
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class RejectNullCharactersMiddleware(MiddlewareMixin):
    """Answer 400 to a page request whose query string holds a NUL character.

    PostgreSQL refuses NUL in text, so a `?q=x%00` that reaches a query (the lead list's search,
    the admin's filters) would be a 500. The JSON API checks its parameters itself and answers
    with its own error shape (checks_its_own_input)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _checks_its_own_input(view_func):
            return None
        if any("\x00" in value for _, values in request.GET.lists() for value in values):
            return HttpResponseBadRequest("Null characters are not allowed in the address.")
        return None


class RefuseNonUtf8FormsMiddleware(MiddlewareMixin):
    """Answer 400 to a form POST that declares a charset other than UTF-8, before the CSRF check.

    Django refuses such a body with BadRequest when it is read (ticket #34709), and the CSRF
    check reads it: the error page it falls back to is itself CSRF-checked, reads the body
    again, and the answer was a 500. The JSON API takes no forms (415)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _checks_its_own_input(view_func) or request.method != "POST":
            return None
        charset = request.content_params.get("charset", "utf-8")
        # Django's own rule (django.http.request): the charset, if any, is "utf-8" in any case.
        if (
            request.content_type == "application/x-www-form-urlencoded"
            and charset.lower() != "utf-8"
        ):
            return HttpResponseBadRequest("Forms must be sent as UTF-8.")
        return None


class RefuseMalformedAdminSelectionMiddleware(MiddlewareMixin):
    """Answer 400 to an admin action posted with ids that cannot be ids of its model (`abc`, a
    NUL, a number beyond the column's range). Django's admin hands them to the database as they
    come, and the answer was a 500."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        model_admin = getattr(view_func, "model_admin", None)
        if model_admin is None or request.method != "POST":
            return None
        pk = model_admin.model._meta.pk
        if not all(_is_pk_value(pk, value) for value in request.POST.getlist(ACTION_CHECKBOX_NAME)):
            return HttpResponseBadRequest("The selected items are not valid.")
        return None


def _is_pk_value(pk, value):
    if "\x00" in value:
        return False
    try:
        value = pk.to_python(value)
    except ValidationError:
        return False
    if isinstance(value, int):
        low, high = connection.ops.integer_field_range(pk.get_internal_type())
        return (low is None or low <= value) and (high is None or value <= high)
    return True


class RefuseOversizedBodiesMiddleware(MiddlewareMixin):
    """Answer 413 to a page request whose body is over DATA_UPLOAD_MAX_MEMORY_SIZE, before
    anything reads it.

    Django caps form fields but not uploaded files, and the CSRF check reads the whole body of a
    form POST: without this, a 1 GB "CV" would be written to the temp folder before the form
    said it was too large. The JSON API's parsers refuse large bodies themselves (413, JSON)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _checks_its_own_input(view_func):
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            context = {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
            return render(request, "upload_too_large.html", context, status=413)
        return None


class StorageUnavailableMiddleware(MiddlewareMixin):
    """A CV bucket (CV_BUCKET) that does not answer, or refuses the app's keys, while a page
    stores or reads a file: a 503 page saying that nothing was saved, not a 500. (Downloads
    have their own page; the API its own 503 in api/views.py.)"""

    def process_exception(self, request, exception):
        if isinstance(exception, BotoCoreError | ClientError):
            logger.exception("The CV storage failed")
            return render(request, "storage_unavailable.html", status=503)
        return None
