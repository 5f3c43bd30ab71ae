"""Parallel clients against a live server: no lost writes, no "database is locked", no 500.

On SQLite the test database is a file (see settings), so these run with the production locking
settings (WAL, IMMEDIATE transactions, busy timeout); CI also runs them on PostgreSQL."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework.authtoken.models import Token

from leads import counts
from leads.models import Lead
from leads.tests.factories import AttorneyFactory, LeadFactory, lead_api_data, lead_form_data

from .live import NoRedirect, request

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 8


def parallel(function, arguments):
    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(function, arguments))


@pytest.fixture
def token(db):
    return Token.objects.create(user=AttorneyFactory()).key


def test_parallel_creates_all_succeed(live_server, token):
    counts.kept_counts_by_state()  # the kept counts' rows, as `migrate` leaves them
    auth = {"Authorization": f"Token {token}"}

    def create_batch(_client):
        return [
            request(f"{live_server.url}/create", "POST", lead_api_data(), auth) for _ in range(50)
        ]

    results = [answer for batch in parallel(create_batch, range(CLIENTS)) for answer in batch]
    statuses = [status for status, _ in results]
    assert statuses.count(201) == 400, [body for status, body in results if status != 201][:3]
    assert not any("locked" in body for _, body in results)
    assert Lead.objects.count() == 400
    assert counts.kept_counts_by_state() == {"PENDING": 400, "REACHED_OUT": 0}


def test_parallel_api_creates_with_same_email_in_other_cases(live_server, token):
    emails = [
        "same.person@example.com",
        "Same.Person@example.com",
        "SAME.PERSON@example.com",
        "same.PERSON@example.com",
        "Same.person@Example.com",
        "sAme.person@example.com",
        "same.Person@EXAMPLE.com",
        "SAME.person@example.com",
    ]
    auth = {"Authorization": f"Token {token}"}
    results = parallel(
        lambda email: request(
            f"{live_server.url}/create", "POST", lead_api_data(email=email), auth
        ),
        emails,
    )
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 7, results
    assert Lead.objects.count() == 1


def submit_intake_form(url, email):
    """A browser's visit: load the form (CSRF cookie and token), then submit it."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    _, page = request(url + "/", opener=opener)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf, **lead_form_data(email=email)}
    ).encode()
    req = urllib.request.Request(
        url + "/", data=form, method="POST", headers={"Referer": url + "/"}
    )
    try:
        with opener.open(req, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_parallel_form_submissions_with_same_email(live_server, settings):
    settings.INTAKE_RATE_LIMIT = ""
    emails = [f"{'Form.Person' if n % 2 else 'form.person'}@example.com" for n in range(CLIENTS)]
    results = parallel(lambda email: submit_intake_form(live_server.url, email), emails)
    # Every prospect sees the thank-you page; one lead, the other submissions kept beside it.
    assert [status for status, _ in results] == [302] * CLIENTS, results
    lead = Lead.objects.get()
    assert lead.resubmissions.count() == CLIENTS - 1


def test_parallel_state_patches_stay_consistent(live_server, token):
    # Two leads, moved both ways at once: the kept counts of both states change in each move.
    leads = LeadFactory.create_batch(2)
    counts.kept_counts_by_state()  # the kept counts' rows, as `migrate` leaves them
    auth = {"Authorization": f"Token {token}"}
    ways = [["PENDING", "REACHED_OUT"], ["REACHED_OUT", "PENDING"]]
    moves = [
        move for turn in range(CLIENTS * 3 // 2) for move in zip(leads, ways[turn % 2], strict=True)
    ]
    results = parallel(
        lambda move: request(
            f"{live_server.url}/update/{move[0].pk}", "PATCH", {"STATE": move[1]}, auth
        ),
        moves,
    )
    assert {status for status, _ in results} == {200}, results
    for lead in leads:
        lead.refresh_from_db()
        assert lead.state in ("REACHED_OUT", "PENDING")
        if lead.state == Lead.State.REACHED_OUT:
            assert lead.reached_out_at is not None and lead.reached_out_by is not None
        else:
            assert lead.reached_out_at is None and lead.reached_out_by is None
    assert counts.kept_counts_by_state() == Lead.objects.counts_by_state()
