"""What the API's tests share."""


def error_of(response, status):
    """The JSON error body of `response` (see docs/api.md, "Errors"), once checked to be one:
    the status, a JSON content type, and exactly the four keys, with a message."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error == {
        "status": status,
        "code": error["code"],
        "message": error["message"],
        "fields": error["fields"],
    }
    assert isinstance(error["message"], str) and error["message"]
    return error
