"""Linear's routes (docs/api.md): its status, connect and disconnect, the user mapping, the sync log,
and the public webhook that takes Linear's signed deliveries (:mod:`shared.sync.services.intake`).
The key is checked with Linear, kept in Secret Manager and never echoed."""

from datetime import UTC, datetime, timedelta
from typing import Any

from functions._http import Reply, json_object, read_body
from functions.routes import Call
from shared.platform.domain.tasks import is_run_id
from shared.platform.errors import InvalidInput, NotFound
from shared.sync.domain.connection import Tool
from shared.sync.ports import ToolStore
from shared.sync.services.connect import connect_linear, disconnect_linear, linear_status, set_people
from shared.sync.services.intake import ingest_linear

_BODY = 'the body must be a JSON object {"api_key": "...", "team_id": "...", "data_source_id": "..."?}'
_LOG_DAYS = 30


def get_linear(call: Call) -> Reply:
    return linear_status(call.tenant_id, call.container.sync_store), 200


def put_linear(call: Call) -> Reply:
    body = json_object(call.request, _BODY)
    return connect_linear(call.tenant_id, body, call.container.linking()), 200


def delete_linear(call: Call) -> Reply:
    return disconnect_linear(call.tenant_id, call.container.linking()), 200


def put_people(call: Call) -> Reply:
    return tool_people(call, call.container.sync_store, "linear")


def log_since(call: Call) -> datetime:
    """The start of the sync log's window the request asks (``days``, 1 to 30; 7 by default)."""
    raw = call.request.args.get("days", "7")
    if not raw.isdigit() or not 1 <= int(raw) <= _LOG_DAYS:
        raise InvalidInput(f"days: a whole number of days from 1 to {_LOG_DAYS}", ["days"])
    return datetime.now(UTC) - timedelta(days=int(raw))


def get_log(call: Call) -> Reply:
    entries = call.container.sync_store.read_log(call.tenant_id, log_since(call), limit=200)
    return {"entries": [e.model_dump(mode="json") for e in entries]}, 200


def tool_people(call: Call, store: ToolStore[Any], tool: Tool) -> Reply:
    """``PUT /sync/<tool>/people`` of another tool than Linear (its store)."""
    body = json_object(
        call.request, 'the body must be a JSON object {"people": {"<email>": "<Notion user id>"}}'
    )
    return set_people(call.tenant_id, body, store, tool), 200


def tool_log(call: Call, store: ToolStore[Any], tool: Tool) -> Reply:
    """``GET /sync/<tool>/log`` of another tool than Linear: the tool's side's time as ``<tool>_at``."""
    shown = []
    for entry in store.read_log(call.tenant_id, log_since(call), limit=200):
        row = entry.model_dump(mode="json")
        row[f"{tool}_at"] = row.pop("linear_at")
        shown.append(row)
    return {"entries": shown}, 200


def post_webhook(call: Call) -> Reply:
    tenant_id = call.args["tenant_id"]
    if not is_run_id(tenant_id):  # the same id form as a tenant's
        raise NotFound("no Linear connection for this workspace")
    c = call.container
    body = read_body(call.request, c.settings.webhook_max_body_bytes)
    return ingest_linear(tenant_id, body, dict(call.request.headers), c.linear_intake()), 200
