"""CORS for the api: the configured frontend's origin, and only it, may call it from a browser with
credentials (the session cookie and ``X-CSRF-Token``, the connect nonce cookie on ``GET /connect``).
And the same-origin check a change made with the session cookie must pass."""

from urllib.parse import urlsplit

from flask import Request, Response

from shared.platform.errors import Forbidden

_PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE",
    # Idempotency-Key: what makes POST /api-keys safe to retry, from the frontend that holds the session
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key, X-CSRF-Token",
    "Access-Control-Max-Age": "600",
}


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def preflight(request: Request, frontend_url: str) -> Response:
    """The answer to an OPTIONS preflight: allowed for the frontend's origin, refused (403) otherwise."""
    if request.headers.get("Origin") != origin_of(frontend_url):
        return Response(status=403)
    return allow(request, Response(status=204, headers=_PREFLIGHT_HEADERS), frontend_url)


def allow(request: Request, response: Response, frontend_url: str) -> Response:
    """Mark ``response`` readable by the frontend's origin when the request comes from it."""
    response.headers.add("Vary", "Origin")
    if request.headers.get("Origin") == origin_of(frontend_url):
        response.headers["Access-Control-Allow-Origin"] = origin_of(frontend_url)
        response.headers["Access-Control-Allow-Credentials"] = "true"
        # A 429 or 503 says when to try again; the frontend can read it only if exposed.
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    return response


def check_same_origin(request: Request, frontend_url: str) -> None:
    """Forbidden unless the request comes from the frontend's origin: its ``Origin``, or without one
    ``Sec-Fetch-Site: same-origin`` (both set by the browser, never by a page's script)."""
    origin = request.headers.get("Origin")
    if origin is not None and origin != origin_of(frontend_url):
        raise Forbidden(
            "cross-site request refused: its Origin is not the console's; a script sends an API key "
            "as 'Authorization: Bearer' instead of the session cookie"
        )
    if origin is None and request.headers.get("Sec-Fetch-Site") != "same-origin":
        raise Forbidden(
            "cross-site request refused: a change made with the session cookie needs an Origin header "
            "(or Sec-Fetch-Site: same-origin) naming the console"
        )
