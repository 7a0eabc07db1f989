"""The team's answers (``functions.routes.team``)."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from functions.routes.team_api.team import Granted
from shared.platform.domain.schema import Schema
from shared.workspace.domain.members import Approvers

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


class WithdrawnInvite(Schema):
    invite_id: str
    withdrawn: Literal[True]


class RemovedMember(Schema):
    member_id: str
    removed: Literal[True]
    api_keys_deleted: int
