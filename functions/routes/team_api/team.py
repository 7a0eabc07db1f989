"""The team's routes. ``GET /team``: members, open invites, who approves what. ``POST /team/invites``
``{"email", "role"}``: its link in that answer and a mail to that address only. Also
``DELETE /team/invites/<invite_id>``, ``PATCH /team/members/<member_id>`` ``{"role"}``,
``DELETE /team/members/<member_id>`` and ``PUT /team/approvers``. ``GET /invite`` (public): what an
invite link is for. Who may call each: the route table; whom one may change:
``shared.workspace.domain.members``."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field

from functions._http import Reply, parse_json
from functions.routes import Call
from shared.platform.config import PlatformSecret
from shared.platform.domain.schema import Schema
from shared.platform.errors import NotFound
from shared.team.services import team
from shared.workspace.domain.connecting.signup import INVITE_HEADER
from shared.workspace.domain.members import (
    INVITE_EMAIL,
    INVITE_WORKSPACE_HEADER,
    Approvers,
    Member,
    invite_email,
)

Granted = Literal["admin", "editor", "viewer"]  # what an invite or a change may give: never owner


class NewInvite(Schema):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[
        str,
        Field(
            min_length=3,
            max_length=320,
            json_schema_extra={"pattern": INVITE_EMAIL},
            description="Whom the invite is for: their Notion email",
        ),
        AfterValidator(invite_email),
    ]
    role: Granted = Field(description="Their role once they accept")


class RoleChange(Schema):
    model_config = ConfigDict(extra="forbid")

    role: Granted


def _actor(call: Call) -> Member:
    if call.member is None:  # never on a route that names a role: the api found the member
        raise NotFound("no member is signed in")
    return call.member


def get_team(call: Call) -> Reply:
    tenant = call.tenants.get(call.tenant_id)
    if tenant is None:
        raise NotFound("this workspace is not connected")
    return team.team_view(tenant, datetime.now(UTC)), 200


def post_invite(call: Call) -> Reply:
    body = parse_json(call.request, NewInvite)
    c = call.container
    made = team.invite(
        call.tenant_id,
        _actor(call),
        body.email,
        body.role,
        c.workspace.tenants,
        mailing=c.platform.queue,
        key=c.platform.secrets.get(PlatformSecret.SESSION_SIGNING_KEY),
        now=datetime.now(UTC),
        frontend=c.settings.frontend_url,
    )
    return made, 201


def get_invitation(call: Call) -> Reply:
    """``GET /invite``: what the invite link held in ``X-Invite-Code`` and ``X-Invite-Workspace`` is
    for (public: an invitee has no session yet; nothing without the code it was issued)."""
    headers = call.request.headers
    return team.invitation(
        call.container.workspace.tenants,
        headers.get(INVITE_WORKSPACE_HEADER, "").strip()[:200],
        headers.get(INVITE_HEADER, "").strip(),
        datetime.now(UTC),
    ), 200


def delete_invite(call: Call) -> Reply:
    return team.withdraw_invite(
        call.tenant_id, call.args["invite_id"], call.container.workspace.tenants, datetime.now(UTC)
    ), 200


def patch_member(call: Call) -> Reply:
    body = parse_json(call.request, RoleChange)
    tenants = call.container.workspace.tenants
    changed = team.change_role(
        call.tenant_id, _actor(call), call.args["member_id"], body.role, tenants, now=datetime.now(UTC)
    )
    return changed, 200


def delete_member(call: Call) -> Reply:
    tenants, keys = call.container.workspace.tenants, call.container.team.api_keys
    removed = team.remove(
        call.tenant_id, _actor(call), call.args["member_id"], tenants, keys, now=datetime.now(UTC)
    )
    return removed, 200


def put_approvers(call: Call) -> Reply:
    approvers = parse_json(call.request, Approvers)
    return team.set_approvers(
        call.tenant_id, approvers, call.container.workspace.tenants, datetime.now(UTC)
    ), 200
