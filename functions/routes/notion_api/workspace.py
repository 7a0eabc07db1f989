"""Erasing the workspace (``POST /workspace/erase``): its owner, with a session, typing its name."""

from pydantic import ConfigDict, Field

from functions._http import Reply, parse_json
from functions.routes import Call
from shared.notion.services.erasure import erase_workspace, require_confirmation
from shared.platform.domain.schema import Schema
from shared.platform.errors import NotFound


class EraseWorkspace(Schema):
    """What confirms an erasure: the workspace's name, as the console shows it."""

    model_config = ConfigDict(extra="forbid")

    confirm: str = Field(
        min_length=1,
        max_length=500,
        description="The workspace's name, letter for letter and case for case (spaces around it do not count)",
    )


def erase(call: Call) -> Reply:
    body = parse_json(call.request, EraseWorkspace)
    tenant = call.tenants.get(call.tenant_id)
    if tenant is None:
        raise NotFound("no workspace is connected for this session")
    require_confirmation(tenant, body.confirm)
    return erase_workspace(call.tenant_id, "owner", call.container.erasing()), 200
