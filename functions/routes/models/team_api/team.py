"""The team's answers (``functions.routes.team``)."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from functions.routes.team_api.team import Granted
from shared.platform.domain.schema import Schema
from shared.workspace.domain.members import MEMBER_INVITE_CODE, Approvers

Role = Literal["owner", "admin", "editor", "viewer"]


class TeamMember(Schema):
    member_id: str
    email: str
    name: str
    role: Role
    added_at: datetime


class OpenInvite(Schema):
    invite_id: str
    email: str
    role: Granted
    expires_at: datetime


class TeamView(Schema):
    """The team, its owner first; the invites not yet accepted; who approves each class of request."""

    members: list[TeamMember]
    invites: list[OpenInvite]
    approvers: Approvers


class MadeInvite(OpenInvite):
    link: str = Field(
        description="The invite's link: shown in this answer and mailed to the person, nowhere else"
    )


class InvitationHeaders(Schema):
    invite_code: str = Field(
        alias="X-Invite-Code",
        pattern=f"^{MEMBER_INVITE_CODE}$",
        description="The invite link's code (its fragment's invite): in a header, never in a URL or a "
        "log; of another shape, 400",
    )
    workspace: str = Field(
        "",
        alias="X-Invite-Workspace",
        max_length=200,
        description="The invite link's workspace (its fragment's workspace)",
    )


class Invitation(Schema):
    """What an invite link is for, told to its holder only: the workspace, the role, when it expires."""

    workspace_name: str
    role: Granted
    expires_at: datetime


class WithdrawnInvite(Schema):
    invite_id: str
    withdrawn: Literal[True]


class RemovedMember(Schema):
    member_id: str
    removed: Literal[True]
    api_keys_deleted: int
