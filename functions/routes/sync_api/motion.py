"""Motion's routes (docs/api.md): its status, connect and disconnect, the user mapping and the sync log
(:data:`MOTION`, the routes every tool has). Motion has no webhooks: its changes are polled by the
sync's scans (shared.sync.services.mirror). The API key is checked with Motion, kept in Secret
Manager and never echoed."""

from functions.routes.sync_api.tools import ToolRoutes
from shared.sync.services.motion import connect_motion, disconnect_motion, motion_status

MOTION = ToolRoutes(
    "motion",
    'the body must be a JSON object {"api_key": "...", "workspace_id": "...", "data_source_id": "..."?}',
    store=lambda c: c.motion_store,
    linking=lambda c: c.motion_linking(),
    status=motion_status,
    connect=connect_motion,
    disconnect=disconnect_motion,
)
