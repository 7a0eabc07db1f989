"""Flask glue: JSON responses, one exception for an API error, and the caller's bearer token."""

from __future__ import annotations

import json
from typing import Any

from flask import Request, Response

JSON = dict[str, Any]


class ApiError(Exception):
    """An answer other than success, already in the shape of the service that gives it."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(payload), status=status, headers=headers or {}, mimetype="application/json")


def error_response(error: ApiError, headers: dict[str, str] | None = None) -> Response:
    return json_response(error.body, error.status, {**(headers or {}), **error.headers})


def json_body(request: Request, invalid: ApiError) -> JSON:
    """The request's JSON object ({} when empty); anything else raises ``invalid``."""
    raw = request.get_data()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise invalid from None
    if not isinstance(body, dict):
        raise invalid
    return body


def bearer_token(request: Request) -> str | None:
    """The token of ``Authorization: Bearer <t>`` (GitHub also accepts ``token <t>``)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() in ("bearer", "token") else None
