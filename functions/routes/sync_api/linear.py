"""Linear's routes (docs/api.md): its status, connect and disconnect, the user mapping, the sync log
(:data:`LINEAR`, the routes every tool has), and the public webhook that takes Linear's signed
deliveries (:mod:`shared.sync.services.intake`). The key is checked with Linear, kept in Secret
Manager and never echoed."""

from functions._http import Reply
from functions.routes import Call
from functions.routes.sync_api.tools import ToolRoutes, delivery
from shared.sync.services.connect import connect_linear, disconnect_linear, linear_status
from shared.sync.services.intake import ingest_linear

LINEAR = ToolRoutes(
    "linear",
    'the body must be a JSON object {"api_key": "...", "team_id": "...", "data_source_id": "..."?}',
    store=lambda c: c.sync_store,
    linking=lambda c: c.linking(),
    status=linear_status,
    connect=connect_linear,
    disconnect=disconnect_linear,
)


def post_webhook(call: Call) -> Reply:
    return delivery(call, "Linear", ingest_linear, lambda c: c.linear_intake())
