"""Schemathesis hooks for test_schemathesis.py, loaded through SCHEMATHESIS_HOOKS."""

import schemathesis


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Accept the "failures" that are not the API's: GET /get's refusals of a cursor
    (is_cursor_refusal()), and two kinds of multipart POST /create ones.

    "Schema-violating request accepted" (ST201) when a field holds a number, boolean, null or
    list: multipart/form-data carries only text and files, so such a value arrives as valid text
    (an empty list as no field at all), which the API rightly accepts.

    "Schema-valid request rejected" (ST202) when it is refused because of its CV file, or for
    having neither a CV nor RESUME text.

    A CV must be a real PDF, DOC, DOCX, RTF or TXT file (leads.cvs.validators.validate_cv reads its
    first bytes) and a lead needs a CV or a resume: JSON Schema can express neither, so the
    fuzzer's random files are rightly refused. Any other field named in the 400 stays a failure;
    the CV rules have their own tests in test_api_create.py."""
    if is_cursor_refusal(case, failure, response):
        return False
    if case.media_type != "multipart/form-data":
        return True
    if failure.code == "ST201":
        return not has_non_text_value(case)
    if failure.code != "ST202":
        return True
    if response.status_code != 400:
        return True
    return not set(response.json()["error"]["fields"]) <= {"CV"}


def has_non_text_value(case):
    body = case.body if isinstance(case.body, dict) else {}
    return any(not isinstance(value, str | bytes) for value in body.values())


def is_cursor_refusal(case, failure, response):
    """GET /get refuses a `cursor` that is not one of its own links' (it is opaque: JSON Schema
    can only say "a string"), and, with a cursor, an `ordering` other than by a time (an order
    between two parameters, which the schema cannot say either). A 400 naming only those, for
    a request with a cursor, is the API keeping its word; the cursor's own tests are in
    test_api_list.py."""
    query = case.query or {}
    if failure.code != "ST202" or "cursor" not in query or response.status_code != 400:
        return False
    return set(response.json()["error"]["fields"]) <= {"cursor", "ordering"}
