"""Request parsers of the JSON API (settings.REST_FRAMEWORK names them, so this module must not
import the API's views)."""

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from rest_framework import exceptions, parsers


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"
    default_detail = "The request body is too large."

    def __init__(self):
        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        super().__init__(f"The request body is too large. The limit is {limit}.")


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # json.loads gives up on very deep nesting with a RecursionError, not a ValueError.
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        # Django caps the memory used by form fields but not the files: cap the whole body, as
        # it does for JSON, so a CV can be at most about DATA_UPLOAD_MAX_MEMORY_SIZE.
        meta = parser_context["request"].META
        try:
            content_length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            content_length = 0
        if content_length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise RequestTooLarge()
        return super().parse(stream, media_type, parser_context)
