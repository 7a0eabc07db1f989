"""Erasing the workspace (``POST /workspace/erase``): its owner, with a session, typing its name."""

from pydantic import ConfigDict, Field

from functions._http import Reply, parse_json
from functions.routes import Call
from shared.notion.services.erasure import Erasing, erase_workspace, require_confirmation
from shared.platform.domain.schema import Schema
from shared.platform.errors import NotFound


class EraseWorkspace(Schema):
    """What confirms an erasure: the workspace's name, as the console shows it."""

    model_config = ConfigDict(extra="forbid")

    confirm: str = Field(min_length=1, max_length=500, description="The workspace's name, typed exactly")


def erase(call: Call) -> Reply:
    body = parse_json(call.request, EraseWorkspace)
    tenant = call.tenants.get(call.tenant_id)
    if tenant is None:
        raise NotFound("no workspace is connected for this session")
    require_confirmation(tenant, body.confirm)
    c = call.container
    deps = Erasing(c.erasures, c.connecting(), c.stop_held_runs())
    return erase_workspace(call.tenant_id, "owner", deps), 200
