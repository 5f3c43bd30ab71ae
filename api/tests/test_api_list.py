import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.utils.encoders import JSONEncoder as DRFJSONEncoder

from api.serializers import LeadSerializer
from leads import lifecycle
from leads.models import Activity, Lead
from leads.tests.factories import AttorneyFactory, LeadFactory
from leads.tests.files import pdf_upload

from .helpers import error_of

pytestmark = pytest.mark.django_db

URL = "/get"


def emails(response):
    assert response.status_code == 200, response.content
    return [lead["EMAIL"] for lead in response.json()["results"]]


def created(lead, when):
    Lead.objects.filter(pk=lead.pk).update(created_at=when)
    return lead


def test_it_works(attorney_client, lead):
    response = attorney_client.get(URL)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1
    assert data["next"] is None
    assert data["previous"] is None
    assert data["results"][0]["LEAD_ID"] == lead.pk
    assert set(data["results"][0]) == {
        "LEAD_ID",
        "FIRST_NAME",
        "LAST_NAME",
        "EMAIL",
        "RESUME",
        "STATE",
        "CREATED_AT",
        "UPDATED_AT",
        "REACHED_OUT_AT",
        "CV_URL",
    }


def test_it_works_with_a_trailing_slash(attorney_client, lead):
    assert attorney_client.get("/get/").json()["count"] == 1
    assert reverse("api:lead_list") == URL


def test_it_works_with_a_token(client, attorney, lead):
    token = Token.objects.create(user=attorney)
    response = client.get(URL, headers={"Authorization": f"Token {token.key}"})
    assert response.status_code == 200


def test_it_requires_authentication(client, lead):
    response = client.get(URL)
    assert error_of(response, 401)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_it_checks_the_permission(client, outsider, lead):
    client.force_login(outsider)
    assert error_of(client.get(URL), 403)["code"] == "permission_denied"

    token = Token.objects.create(user=outsider)
    client.logout()
    error_of(client.get(URL, headers={"Authorization": f"Token {token.key}"}), 403)


def test_it_refuses_other_methods(attorney_client):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(attorney_client, method)(URL)
        assert error_of(response, 405)["code"] == "method_not_allowed"


def test_it_lists_newest_first(attorney_client):
    now = datetime.now(UTC)
    old = created(LeadFactory(), now - timedelta(days=2))
    new = created(LeadFactory(), now)
    middle = created(LeadFactory(), now - timedelta(days=1))
    assert emails(attorney_client.get(URL)) == [new.email, middle.email, old.email]


def test_it_paginates(attorney_client):
    LeadFactory.create_batch(30)
    data = attorney_client.get(URL).json()
    assert data["count"] == 30
    assert len(data["results"]) == 25
    assert data["next"] == "http://testserver/get?page=2"
    assert data["previous"] is None

    second = attorney_client.get(data["next"]).json()
    assert len(second["results"]) == 5
    assert second["next"] is None
    assert second["previous"] == "http://testserver/get"
    first_ids = {lead["LEAD_ID"] for lead in data["results"]}
    assert first_ids.isdisjoint(lead["LEAD_ID"] for lead in second["results"])


def test_it_takes_a_page_size_up_to_100(attorney_client):
    LeadFactory.create_batch(101)
    assert len(attorney_client.get(URL, {"page_size": 10}).json()["results"]) == 10
    assert len(attorney_client.get(URL, {"page_size": 100}).json()["results"]) == 100
    error = error_of(attorney_client.get(URL, {"page_size": 101}), 400)
    assert list(error["fields"]) == ["page_size"]


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"page": ""},
        {"page": "last"},
        {"page_size": "0"},
        {"page_size": "ten"},
        {"state": "LOST"},
        {"state": ""},
        {"attention": "maybe"},
        {"attention": ""},
        {"created_before": ""},
        {"ordering": ""},
        {"ordering": "email,state"},
        {"ordering": "password"},
        {"created_after": "yesterday"},
        {"created_before": "2026-13-01"},
        {"search": "x" * 201},
    ],
)
def test_it_refuses_invalid_parameters(attorney_client, params):
    error = error_of(attorney_client.get(URL, params), 400)
    assert list(error["fields"]) == list(params)


def test_a_page_past_the_end_is_a_404(attorney_client, lead):
    assert error_of(attorney_client.get(URL, {"page": 2}), 404)["code"] == "not_found"


def test_it_filters_by_state(attorney_client, attorney):
    pending = LeadFactory()
    reached = LeadFactory()
    lifecycle.move_lead(
        reached, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
    )
    assert emails(attorney_client.get(URL, {"state": "PENDING"})) == [pending.email]
    assert emails(attorney_client.get(URL, {"state": "REACHED_OUT"})) == [reached.email]


def test_it_searches_names_and_emails(attorney_client):
    ada = LeadFactory(first_name="Ada", last_name="Lovelace", email="ada@engine.example")
    LeadFactory(first_name="Charles", last_name="Babbage", email="charles@example.com")
    assert emails(attorney_client.get(URL, {"search": "lovelace"})) == [ada.email]
    assert emails(attorney_client.get(URL, {"search": "Ada Lovelace"})) == [ada.email]
    assert emails(attorney_client.get(URL, {"search": "ada@engine"})) == [ada.email]
    assert emails(attorney_client.get(URL, {"search": "nobody"})) == []
    assert len(emails(attorney_client.get(URL, {"search": "  "}))) == 2


def test_it_filters_by_exact_email_in_any_case(attorney_client):
    ada = LeadFactory(email="ada@example.com")
    LeadFactory(email="ada@example.com.au")
    assert emails(attorney_client.get(URL, {"email": "ADA@example.com"})) == [ada.email]
    assert emails(attorney_client.get(URL, {"email": "ada@"})) == []


def test_it_filters_by_creation_time(attorney_client):
    day = datetime(2026, 3, 10, tzinfo=UTC)
    before = created(LeadFactory(), day - timedelta(seconds=1))
    first = created(LeadFactory(), day)
    last = created(LeadFactory(), day + timedelta(hours=23))
    after = created(LeadFactory(), day + timedelta(days=1))

    in_day = {"created_after": "2026-03-10", "created_before": "2026-03-11"}
    assert emails(attorney_client.get(URL, in_day)) == [last.email, first.email]
    since = {"created_after": "2026-03-10T23:00:00Z"}
    assert emails(attorney_client.get(URL, since)) == [after.email, last.email]
    until = {"created_before": "2026-03-10T00:00:00+00:00"}
    assert emails(attorney_client.get(URL, until)) == [before.email]


@pytest.mark.parametrize(
    "params, everyone",
    [
        # Valid RFC 3339 date-times that fall outside the years 1-9999 in UTC.
        ({"created_after": "0001-01-01T00:00:51.5+04:45"}, True),
        ({"created_before": "0001-01-01T00:00:00+01:00"}, False),
        ({"created_after": "9999-12-31T23:59:59-05:00"}, False),
        ({"created_before": "9999-12-31T23:59:59-05:00"}, True),
        # An offset PostgreSQL would refuse (over 15:59), found by schemathesis.
        ({"created_before": "1282-02-09T03:05:59.8964-21:37"}, False),
        ({"created_after": "1282-02-09T03:05:59.8964-21:37"}, True),
    ],
)
def test_a_time_beyond_the_calendar_in_utc_is_its_edge(attorney_client, lead, params, everyone):
    response = attorney_client.get(URL, params)
    assert response.status_code == 200, response.content
    assert emails(response) == ([lead.email] if everyone else [])


@pytest.mark.parametrize(
    "ordering, expected",
    [
        ("last_name", ["a", "b", "c"]),
        ("-last_name", ["c", "b", "a"]),
        ("created_at", ["b", "c", "a"]),
        ("-created_at", ["a", "c", "b"]),
        ("email", ["c", "a", "b"]),
    ],
)
def test_it_orders(attorney_client, ordering, expected):
    now = datetime.now(UTC)
    leads = [("a", "y@example.com", 0), ("b", "z@example.com", 2), ("c", "x@example.com", 1)]
    for name, email, age in leads:
        created(LeadFactory(last_name=name, email=email), now - timedelta(days=age))
    response = attorney_client.get(URL, {"ordering": ordering})
    assert [lead["LAST_NAME"] for lead in response.json()["results"]] == expected


def test_filters_combine_with_pagination_links(attorney_client):
    LeadFactory.create_batch(3, last_name="Smith")
    LeadFactory(last_name="Jones")
    data = attorney_client.get(URL, {"search": "smith", "page_size": 2}).json()
    assert data["count"] == 3
    assert data["next"] == "http://testserver/get?page=2&page_size=2&search=smith"


def test_the_query_count_does_not_grow_with_the_page_size(client, django_assert_max_num_queries):
    attorney = AttorneyFactory()
    token = Token.objects.create(user=attorney)
    headers = {"Authorization": f"Token {token.key}"}
    LeadFactory.create_batch(60)
    LeadFactory(cv="cvs/2026/01/some.pdf")
    for lead in Lead.objects.all()[:20]:
        lifecycle.move_lead(
            lead, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
        )

    client.get(URL, headers=headers)  # the first request also loads the permission set
    counts = []
    for page_size in (1, 10, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"page_size": page_size}, headers=headers)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]
    # Token and user, the permission checks, the count, the page.
    with django_assert_max_num_queries(5):
        client.get(URL, {"page_size": 100}, headers=headers)


@pytest.mark.parametrize("path", [URL, "/get/ID"])
def test_a_read_leaves_the_cvs_words_in_the_database(attorney_client, path):
    """The words of a CV (up to 50,000 characters a lead) are for the search only: a page of
    100 leads does not carry megabytes of them from the database to answer without them."""
    lead = LeadFactory()
    Lead.objects.filter(pk=lead.pk).update(cv_text=" immigration paralegal " * 2000)
    with CaptureQueriesContext(connection) as queries:
        response = attorney_client.get(path.replace("ID", str(lead.pk)))
    assert response.status_code == 200
    reads = [q["sql"] for q in queries if 'FROM "leads_lead"' in q["sql"]]
    assert reads
    assert not any('"cv_text"' in sql for sql in reads)
    assert "paralegal" not in response.content.decode()


@pytest.mark.parametrize("query", [{}, {"state": "PENDING"}, {"state": "REACHED_OUT"}])
def test_a_list_picked_by_state_takes_its_total_from_the_counters(attorney_client, attorney, query):
    LeadFactory.create_batch(2)
    lifecycle.move_lead(
        LeadFactory(), Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
    )
    expected = Lead.objects.filter(**{k.lower(): v for k, v in query.items()}).count()
    attorney_client.get("/get")  # the attorney's permissions, remembered
    with CaptureQueriesContext(connection) as queries:
        response = attorney_client.get("/get", query)
    assert response.json()["count"] == expected
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]


def test_a_searched_list_is_counted(attorney_client):
    LeadFactory(last_name="Okafor")
    LeadFactory(last_name="Silva")
    assert attorney_client.get("/get", {"search": "okafor"}).json()["count"] == 1


def follow(client, url):
    """Every lead of a cursor-paginated list, following its `next` links; and the pages."""
    emails, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert "count" not in body
        emails += [lead["EMAIL"] for lead in body["results"]]
        url, pages = body["next"], pages + 1
    return emails, pages


@pytest.mark.parametrize("ordering", ["", "-created_at", "created_at", "updated_at"])
def test_a_cursor_follows_the_list_to_its_end(attorney_client, ordering):
    now = datetime.now(UTC)
    leads = [
        LeadFactory(created_at=now - timedelta(minutes=n), email=f"p{n:02d}@example.com")
        for n in range(23)
    ]
    # Two leads at the very same time: the id breaks the tie, across a page's edge too.
    LeadFactory(created_at=leads[9].created_at, email="twin@example.com")
    query = f"?cursor=&page_size=5{f'&ordering={ordering}' if ordering else ''}"
    emails, pages = follow(attorney_client, reverse("api:lead_list") + query)
    column = ordering or "-created_at"
    tie = "-id" if column.startswith("-") else "id"
    expected = list(Lead.objects.order_by(column, tie).values_list("email", flat=True))
    assert emails == expected
    assert pages == 5


def test_a_cursor_keeps_the_filters(attorney_client):
    LeadFactory.create_batch(4, state=Lead.State.PENDING)
    reached = LeadFactory.create_batch(3, state=Lead.State.REACHED_OUT)
    emails, _ = follow(
        attorney_client, reverse("api:lead_list") + "?cursor=&page_size=2&state=REACHED_OUT"
    )
    assert sorted(emails) == sorted(lead.email for lead in reached)


@pytest.mark.parametrize(
    "query, field",
    [("cursor=garbage", "cursor"), ("cursor=&ordering=last_name", "ordering")],
)
def test_a_bad_cursor_or_an_order_it_cannot_follow_is_a_400(attorney_client, query, field):
    LeadFactory()
    error = error_of(attorney_client.get(reverse("api:lead_list") + "?" + query), 400)
    assert list(error["fields"]) == [field]


def test_a_deep_cursor_page_reads_no_more_than_the_first(attorney_client):
    LeadFactory.create_batch(60)
    url = reverse("api:lead_list") + "?cursor=&page_size=10"
    first = attorney_client.get(url).json()
    url = first["next"]
    for _ in range(4):
        url = attorney_client.get(url).json()["next"]
    with CaptureQueriesContext(connection) as deep:
        assert attorney_client.get(url).status_code == 200
    sql = next(q["sql"] for q in deep.captured_queries if "LIMIT" in q["sql"])
    assert "OFFSET" not in sql  # read from where the last page ended


@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York"])
def test_each_row_is_what_the_lead_serializer_gives(attorney_client, attorney, settings, time_zone):
    settings.TIME_ZONE = time_zone
    with_cv = LeadFactory(cv=pdf_upload())
    reached = LeadFactory()
    lifecycle.move_lead(
        reached, Lead.State.REACHED_OUT, source=Activity.Source.PAGE, actor=attorney
    )
    LeadFactory()
    rows = attorney_client.get(reverse("api:lead_list")).json()["results"]
    request = attorney_client.get(reverse("api:lead_list")).wsgi_request
    for row in rows:
        lead = Lead.objects.get(pk=row["LEAD_ID"])
        expected = LeadSerializer(lead, context={"request": request}).data
        assert list(row) == list(expected)
        assert row == json.loads(json.dumps(expected, cls=DRFJSONEncoder))
    assert {row["LEAD_ID"] for row in rows} >= {with_cv.pk, reached.pk}
    assert next(row for row in rows if row["LEAD_ID"] == with_cv.pk)["CV_URL"]
