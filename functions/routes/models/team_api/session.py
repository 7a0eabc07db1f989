"""What the console's session routes answer (``functions.routes.session``)."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.platform.domain.schema import Schema


class SessionView(Schema):
    """The session's workspace, and the CSRF token the console's changes carry."""

    tenant_id: str
    workspace_name: str
    csrf_token: str = Field(
        description="Sent as X-CSRF-Token with every POST, PUT, PATCH and DELETE made with the cookie"
    )
    expires_at: datetime
    member_id: str = Field("", description="Who is signed in: their member id in the team")
    role: Literal["owner", "admin", "editor", "viewer", ""] = Field(
        "", description="Their role as held now (docs/security.md, 'Roles')"
    )
    email: str = ""


class SignedOut(Schema):
    """This browser is signed out: the answer clears the session cookie."""

    signed_out: Literal[True]
