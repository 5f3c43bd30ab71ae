"""A drf-spectacular hook: the OpenAPI schema lists each API route once."""


def drop_trailing_slash_twins(endpoints):
    """Every API route also answers with a trailing slash (see api.urls.route): document each
    route once, without the slash."""
    routes = {(path, method) for path, _, method, _ in endpoints}
    return [
        endpoint
        for endpoint in endpoints
        if not (endpoint[0].endswith("/") and (endpoint[0][:-1], endpoint[2]) in routes)
    ]
