from django.conf import settings
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin


class RejectNullCharactersMiddleware(MiddlewareMixin):
    """Answer 400 to a page request whose query string holds a NUL character.

    PostgreSQL refuses NUL in text, so a `?q=x%00` that reaches a query (the lead list's search,
    the admin's filters) would be a 500. The JSON API checks its parameters itself and answers
    with its own error shape, so it is left alone."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.resolver_match.namespace == "api":
            return None
        if any("\x00" in value for _, values in request.GET.lists() for value in values):
            return HttpResponseBadRequest("Null characters are not allowed in the address.")
        return None


class RefuseOversizedBodiesMiddleware(MiddlewareMixin):
    """Answer 413 to a page request whose body is over DATA_UPLOAD_MAX_MEMORY_SIZE, before
    anything reads it.

    Django caps form fields but not uploaded files, and the CSRF check reads the whole body of a
    form POST: without this, a 1 GB "CV" would be written to the temp folder before the form
    said it was too large. The JSON API's parsers refuse large bodies themselves (413, JSON)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.resolver_match.namespace == "api":
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            context = {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
            return render(request, "leads/upload_too_large.html", context, status=413)
        return None
