import re

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.urls import reverse

from api.serializers import NAME, VISIBLE_TEXT, VISIBLE_TEXT_WITHOUT_CONTROLS, WITHOUT_NUL
from leads.validators import validate_no_control_characters, validate_no_web_address

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get(reverse("api_schema"), headers={"Accept": "application/json"})
    assert response.status_code == 200
    return response.json()


def test_it_lists_every_route_once(schema):
    assert {path: sorted(ops) for path, ops in schema["paths"].items()} == {
        "/create": ["post"],
        "/get": ["get"],
        "/get/{id}": ["get"],
        "/update/{id}": ["patch", "put"],
    }


def test_it_uses_the_api_field_names(schema):
    components = schema["components"]["schemas"]
    assert list(components["Lead"]["properties"]) == [
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
    ]
    assert "STATE" not in components["LeadCreateRequest"]["properties"]
    assert "CV" in components["LeadCreateWithCVRequest"]["properties"]
    assert set(components["LeadRequest"]["required"]) == {
        "FIRST_NAME",
        "LAST_NAME",
        "EMAIL",
        "RESUME",
        "STATE",
    }


def test_it_describes_authentication(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }
    assert "cookieAuth" in schemes
    assert {} in schema["paths"]["/create"]["post"]["security"]
    assert {} not in schema["paths"]["/get"]["get"]["security"]


def test_it_declares_the_error_responses(schema):
    paths = schema["paths"]
    declared = {
        (path, method): sorted(int(status) for status in operation["responses"])
        for path, operations in paths.items()
        for method, operation in operations.items()
    }
    assert declared == {
        ("/create", "post"): [201, 202, 400, 401, 409, 413, 415, 429],
        ("/get", "get"): [200, 400, 401, 403, 404],
        ("/get/{id}", "get"): [200, 401, 403, 404],
        ("/update/{id}", "put"): [200, 400, 401, 403, 404, 409, 413, 415],
        ("/update/{id}", "patch"): [200, 400, 401, 403, 404, 409, 413, 415],
    }
    conflict = paths["/create"]["post"]["responses"]["409"]["content"]["application/json"]
    assert conflict["schema"] == {"$ref": "#/components/schemas/Error"}


def test_it_describes_pagination_and_filters(schema):
    operation = schema["paths"]["/get"]["get"]
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert page == {"$ref": "#/components/schemas/PaginatedLeadList"}
    paginated = schema["components"]["schemas"]["PaginatedLeadList"]["properties"]
    assert set(paginated) == {"count", "next", "previous", "results"}
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert set(parameters) == {
        "state",
        "attention",
        "search",
        "email",
        "created_after",
        "created_before",
        "ordering",
        "page",
        "page_size",
        "cursor",
    }
    # Following a cursor, a page has no count.
    assert schema["components"]["schemas"]["PaginatedLeadList"]["required"] == ["results"]
    assert "absent with a cursor" in paginated["count"]["description"]
    assert parameters["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}
    # The filters are the list page's (leads/filters.py), described from their help texts.
    assert parameters["state"]["schema"]["enum"] == ["PENDING", "REACHED_OUT"]
    assert "STALE_LEAD_DAYS" in parameters["attention"]["description"]
    assert parameters["attention"]["schema"]["type"] == "boolean"


def test_the_docs_work_offline(client):
    response = client.get(reverse("api_docs"))
    assert response.status_code == 200
    html = response.content.decode()
    # Every script, stylesheet and icon comes from this server. (A search for "cdn" in the page
    # failed once when the random CSRF token contained those letters.)
    external = [url for url in re.findall(r'(?:src|href)="([^"]*)"', html) if "//" in url]
    assert external == []
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_it_describes_which_text_is_refused(schema):
    properties = schema["components"]["schemas"]["LeadCreateRequest"]["properties"]
    assert properties["FIRST_NAME"]["pattern"] == NAME
    assert properties["LAST_NAME"]["pattern"] == NAME
    assert properties["RESUME"]["pattern"] == VISIBLE_TEXT
    with_cv = schema["components"]["schemas"]["LeadCreateWithCVRequest"]["properties"]
    # Blank is allowed there (a CV may stand in for it): drf-spectacular says so with a oneOf.
    assert with_cv["RESUME"]["oneOf"][0]["pattern"] == WITHOUT_NUL
    assert properties["EMAIL"]["format"] == "idn-email"
    lead = schema["components"]["schemas"]["Lead"]["properties"]
    assert lead["EMAIL"]["format"] == "idn-email"  # as returned too
    assert "pattern" not in schema["components"]["schemas"]["Lead"]["properties"]["FIRST_NAME"]


def accepted_name(text):
    """What the API does with a name: trim it, refuse it blank, then run the model's validator."""
    trimmed = text.strip()
    try:
        validate_no_control_characters(trimmed)
    except ValidationError:
        return False
    return trimmed != ""


# Every whitespace and control character is below U+3100; a few others stand for the rest.
CHARACTERS = [chr(code) for code in range(0x3100)] + ["\ufeff", "\U0001f600", "\U0010ffff"]


def test_the_patterns_agree_with_the_rules_they_describe():
    # The schema's patterns are read by JSON Schema tools (ECMA regex, here the Rust engine that
    # schemathesis validates with) and by Python's re: both must agree with the API.
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    visible = jsonschema_rs.validator_for({"type": "string", "pattern": VISIBLE_TEXT})
    any_text = jsonschema_rs.validator_for({"type": "string", "pattern": WITHOUT_NUL})
    name = jsonschema_rs.validator_for({"type": "string", "pattern": VISIBLE_TEXT_WITHOUT_CONTROLS})
    for char in CHARACTERS:
        for text in (char, f"Ada{char}", f"{char}Ada", f"A{char}B", f"{char}{char}"):
            required = text.strip() != "" and "\x00" not in text
            assert bool(re.search(VISIBLE_TEXT, text)) == required, repr(text)
            assert visible.is_valid(text) == required, repr(text)
            assert (
                any_text.is_valid(text)
                == bool(re.search(WITHOUT_NUL, text))
                == ("\x00" not in text)
            ), repr(text)
            accepted = accepted_name(text)
            assert bool(re.search(VISIBLE_TEXT_WITHOUT_CONTROLS, text)) == accepted, repr(text)
            assert name.is_valid(text) == accepted, repr(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ana",
        "Ana-Maria",
        "St.John",
        "O'Brien",
        "J. R. R.",
        "WIN $1000 at http://evil.example/claim",
        "hxxp://evil",
        "www.evil.example",
        "WWW.EVIL",
        "evil.example/claim",
        "Ana www.x.com",
        "a.b/c",
    ],
)
def test_the_name_pattern_agrees_with_the_rule_it_describes(text):
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    try:
        validate_no_web_address(text)
        accepted = True
    except ValidationError:
        accepted = False
    assert bool(re.search(NAME, text)) == accepted
    assert jsonschema_rs.validator_for({"type": "string", "pattern": NAME}).is_valid(text) == (
        accepted
    )
