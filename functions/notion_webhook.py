"""``notion-webhook``: events from Notion (HTTPS POST, public, HMAC-signed).

Reads at most ``webhook_max_body_bytes`` (413 beyond) and hands the raw body and its signature to
:func:`shared.runs.services.notion_intake.ingest_webhook`. It answers at once: the handshake and every event
(enqueued, coalesced with other changes of its page, repeated, ignored or dropped) get 200, a bad
signature 401, a malformed event 400. Nothing here calls Notion; the plan task does the work.
"""

from flask import Request, Response

from functions._http import Reply, handle, read_body
from shared import bootstrap
from shared.bootstrap import Container
from shared.runs.domain.notion_events import SIGNATURE_HEADER
from shared.runs.services.notion_intake import ingest_webhook

bootstrap.preload("tenants", "webhook_events", "queue", "secrets")


def notion_webhook(request: Request) -> Response:
    def call(c: Container) -> Reply:
        body = read_body(request, c.settings.webhook_max_body_bytes)
        outcome = ingest_webhook(body, request.headers.get(SIGNATURE_HEADER), c.intake())
        return {"result": outcome.result, "detail": outcome.detail}, 200

    return handle(request, ("POST",), call)
