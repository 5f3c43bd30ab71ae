"""What the bad-input tests share (test_intake_bad_input.py, test_pages_bad_input.py,
test_admin_bad_input.py, test_api_bad_input.py, test_submission_bad_input.py).

Input that is malformed, of the wrong type, oversized or hostile gets a clear 4xx (with the JSON
error body from the API) or a form error, never a 500; nothing is stored, and the leads and CV
files already there stay exactly as they were. Input that is odd but valid (HTML, SQL-looking
text, an internationalized domain) is stored verbatim and rendered escaped everywhere. Cases the
older tests already cover (test_intake.py, test_api_*.py) are not repeated there.

Their fixtures (existing, other, token) are in conftest.py."""

import hashlib
import json
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.urls import reverse

from leads.models import Lead
from leads.tests.files import PDF

MB = 1024 * 1024
HUGE_ID = "99999999999999999999999"

INTAKE = reverse("intake:form")
CREATE = reverse("api:lead_create")

EXISTING = {
    "first_name": "Existing",
    "last_name": "Prospect",
    "email": "existing.prospect@example.com",
    "resume": "Stored before the sweep.",
}
OTHER_EMAIL = "other.prospect@example.com"

XSS = {
    "first_name": '<script>alert("first")</script>',
    "last_name": "\"><img src=x onerror=alert('last')>",
    # A quoted local part may hold <, >, = and ( ): this is a valid address.
    "email": '"<svg/onload=alert(1)>"@example.com',
    "resume": "<iframe src=\"javascript:alert('resume')\"></iframe>\n<b>bold</b>",
}

BAD_CVS = [
    pytest.param("cv.pdf", b"<html><script>alert(1)</script></html>", id="html-named-pdf"),
    pytest.param("cv.pdf", b"MZ\x90\x00\x03\x00\x00\x00", id="exe-named-pdf"),
    pytest.param("cv.pdf", b"", id="empty-pdf"),
    pytest.param(
        "cv.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', id="svg"
    ),
    pytest.param("cv.pdf", PDF + b"0" * (5 * MB), id="pdf-over-5-mb"),
]


def cv_root():
    return Path(Lead._meta.get_field("cv").storage.location)


def cv_files():
    return {
        str(path.relative_to(cv_root())): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in cv_root().rglob("*")
        if path.is_file()
    }


def stored():
    return list(Lead.objects.order_by("pk").values()), cv_files()


@contextmanager
def nothing_changes():
    """Every lead (every field, and the row count) and every CV file is the same afterwards."""
    before = stored()
    yield
    assert stored() == before, "the request changed the stored leads or CV files"


def api(client, method, url, body=None, *, token=None, raw=None):
    """An API call with a JSON body (`raw` is sent as it is); `token` authenticates."""
    headers = {"Authorization": f"Token {token}"} if token else {}
    if method == "get":
        return client.get(url, headers=headers)
    data = raw if raw is not None else json.dumps(body)
    return getattr(client, method)(url, data, content_type="application/json", headers=headers)


def api_error(response, status):
    """The API's one error shape, with the status it claims."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"status", "code", "message", "fields"}
    assert error["status"] == status
    assert isinstance(error["message"], str) and error["message"]
    return error


def form_errors(response, form="form"):
    """The errors of a form page that was shown again (not redirected) after a POST."""
    assert response.status_code == 200, response.status_code
    shown = response.context[form]
    errors = shown.form.errors if form == "adminform" else shown.errors
    assert errors, "the form was shown again without an error"
    return errors
