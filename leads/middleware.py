from django.http import HttpResponseBadRequest


class RejectNullCharactersMiddleware:
    """Answer 400 to a page request whose query string holds a NUL character.

    PostgreSQL refuses NUL in text, so a `?q=x%00` that reaches a query (the lead list's search,
    the admin's filters) would be a 500. The JSON API checks its parameters itself and answers
    with its own error shape, so it is left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.resolver_match.namespace == "api":
            return None
        if any("\x00" in value for _, values in request.GET.lists() for value in values):
            return HttpResponseBadRequest("Null characters are not allowed in the address.")
        return None
