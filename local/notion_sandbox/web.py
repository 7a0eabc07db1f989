"""Flask glue shared by the API, OAuth and admin routes: JSON bodies and Notion-shaped errors."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Request, Response

from local.notion_sandbox.errors import NotionError


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(payload), status=status, headers=headers or {}, mimetype="application/json")


def error_response(error: NotionError) -> Response:
    return json_response(error.body(str(uuid.uuid4())), error.status, error.headers)


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object ({} when empty); invalid JSON is Notion's 400 invalid_json."""
    raw = request.get_data()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise NotionError(400, "invalid_json", "Error parsing JSON body.") from exc
    if not isinstance(body, dict):
        raise NotionError(400, "invalid_json", "Error parsing JSON body.")
    return body
