"""``GET /openapi.json``: the api's contract (``functions.openapi``), made on its first request and kept
for the instance, with an ETag: a client that has it gets a 304."""

import functools
import hashlib
import threading

from flask import Response

from functions._http import Reply
from functions.routes import Call

_MAKING = threading.Lock()  # requests that arrive while it is made wait for it: it is made once


def _contract() -> tuple[bytes, str]:
    with _MAKING:
        return _made()


@functools.cache
def _made() -> tuple[bytes, str]:
    from functions import openapi  # imports every route's models: only here, never at cold start

    text = openapi.text().encode()
    return text, hashlib.sha256(text).hexdigest()[:32]


def get_contract(call: Call) -> Reply:
    text, etag = _contract()
    # Public and the same for everyone: caches may keep it, asking again (If-None-Match) each time.
    response = Response(text, mimetype="application/json", headers={"Cache-Control": "public, no-cache"})
    response.set_etag(etag)
    response.make_conditional(call.request)  # a 304 without the body when If-None-Match names it
    return response
