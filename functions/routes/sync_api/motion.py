"""Motion's routes (docs/api.md): its status, connect and disconnect, the user mapping and the sync log.
Motion has no webhooks: its changes are polled by the sync's scans (shared.sync.services.mirror). The API
key is checked with Motion, kept in Secret Manager and never echoed."""

from functions._http import Reply, json_object
from functions.routes import Call
from functions.routes.sync_api.linear import tool_log, tool_people
from shared.sync.services.motion import connect_motion, disconnect_motion, motion_status

_BODY = 'the body must be a JSON object {"api_key": "...", "workspace_id": "...", "data_source_id": "..."?}'


def get_motion(call: Call) -> Reply:
    return motion_status(call.tenant_id, call.container.motion_store), 200


def put_motion(call: Call) -> Reply:
    body = json_object(call.request, _BODY)
    return connect_motion(call.tenant_id, body, call.container.motion_linking()), 200


def delete_motion(call: Call) -> Reply:
    return disconnect_motion(call.tenant_id, call.container.motion_linking()), 200


def put_people(call: Call) -> Reply:
    return tool_people(call, call.container.motion_store, "motion")


def get_log(call: Call) -> Reply:
    return tool_log(call, call.container.motion_store, "motion")
