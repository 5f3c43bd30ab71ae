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
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1... under `pytest -n`
    if worker and url.startswith("redis://"):
        # Each test process empties a Redis database of its own, not the one its neighbour uses.
        url = f"{url.rsplit('/', 1)[0]}/{int(worker.removeprefix('gw'))}"
    return url
