"""``notion-webhook``: events from Notion (HTTPS POST, public, HMAC-signed).

This version checks the body's shape only; signature checks, de-duplication and routing arrive with
the Notion issue, and until then an event is answered 501 and nothing is stored or enqueued.
"""

from flask import Request, Response
from pydantic import BaseModel, ConfigDict

from functions._http import Reply, handle, parse_json


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str | None = None
    verification_token: str | None = None


def notion_webhook(request: Request) -> Response:
    def call() -> Reply:
        parse_json(request, _Envelope)
        return {"error": "not_implemented", "reason": "webhook intake is not available yet"}, 501

    return handle(request, ("POST",), call)
