"""The servers that scripts/with-redis and scripts/with-s3 start beside the tests."""

import os

import pytest


def throwaway_server_url(variable, script):
    """The address that `script` (e.g. scripts/with-redis) gives the tests in `variable`. Without
    it the test is skipped, saying why; under CI=true it fails instead."""
    url = os.environ.get(variable)
    if not url:
        message = f"{variable} is not set: run the tests with {script} (make test)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return url
