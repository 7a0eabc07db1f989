"""The api's routes of the outbound capability (shared.outbound): a workspace's webhook endpoints and
their deliveries; an admin's (docs/api.md). The table (functions.routes.table) lists them where
:data:`OUTBOUND_ROUTES` stands."""

from typing import Any

from functions.routes import Handler, Route
from functions.routes.outbound_api import endpoints
from functions.routes.rows import Tag

_hooks = Tag("webhooks", session_only=True)
_M = "outbound_api.models."
_PAGE = "sessions_api.sessions.SessionsQuery"  # limit and cursor, as every list
_ENDPOINT = {"path": _M + "EndpointPath", "refusals": (404,)}

# (method and path, handler, its words in the contract, its answers, the rest of its row)
_ROWS: tuple[tuple[str, Handler, str, dict[int, str], dict[str, Any]], ...] = (
    (
        "GET /webhooks/endpoints",
        endpoints.get_endpoints,
        "The workspace's webhook endpoints, by id, paged by a cursor (never a secret)",
        {200: _M + "EndpointList"},
        {"query": _PAGE},
    ),
    (
        "POST /webhooks/endpoints",
        endpoints.post_endpoint,
        "Register a webhook endpoint for some event types: its URL checked (https, a public host), its "
        "signing secret made, kept in Secret Manager and shown in this answer only (request_id: the same key "
        "answers the same endpoint)",
        {201: _M + "EndpointCreated", 200: _M + "EndpointCreated"},
        {"body": _M + "EndpointCreate", "refusals": (409,)},
    ),
    (
        "DELETE /webhooks/endpoints/<endpoint_id>",
        endpoints.delete_endpoint,
        "Remove a webhook endpoint: its secret deleted, its deliveries and record forgotten",
        {200: _M + "EndpointRemoved"},
        _ENDPOINT,
    ),
    (
        "GET /webhooks/endpoints/<endpoint_id>/deliveries",
        endpoints.get_deliveries,
        "An endpoint's deliveries, newest first, paged by a cursor: status, attempts, last answer's code",
        {200: _M + "DeliveryList"},
        _ENDPOINT | {"query": _PAGE},
    ),
    (
        "POST /webhooks/endpoints/<endpoint_id>/deliveries/<delivery_id>/send",
        endpoints.post_send_again,
        "Send a delivery again (the same webhook-id); a disabled endpoint is enabled by it",
        {200: _M + "DeliveryView"},
        {"path": _M + "DeliveryPath", "refusals": (404,)},
    ),
)

OUTBOUND_ROUTES: list[Route] = [
    _hooks(where, handler, words, answers, role="admin", **rest)
    for where, handler, words, answers, rest in _ROWS
]
