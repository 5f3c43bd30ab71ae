"""Requests to a live server from outside Django's test client (urllib): what a browser or
another system sends, over real sockets."""

import json
import urllib.error
import urllib.request


def request(url, method="GET", data=None, headers=None, opener=None):
    """Send one request; return (status, body). HTTP errors are answers, not exceptions."""
    body = json.dumps(data).encode() if data is not None else None
    headers = {"Content-Type": "application/json", **(headers or {})}
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with (opener or urllib.request.build_opener()).open(req, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
