"""What connecting and disconnecting answer (``functions.routes.connection``)."""

from typing import Literal

from pydantic import Field

from shared.platform.domain.schema import Schema


class ConnectHeaders(Schema):
    invite_code: str | None = Field(
        None,
        alias="X-Invite-Code",
        description="An invite code, when the deployment admits new workspaces by invitation "
        "(NA_SIGNUP_POLICY=invite): not a code or unknown, 400; used up, 409; ignored under another policy",
    )


class ConnectStart(Schema):
    """Where to send the browser (Notion's consent page); the answer sets the nonce cookie the
    callback checks."""

    authorize_url: str
    expires_in_s: int = Field(description="How long the connect may take")


class Disconnected(Schema):
    """The workspace is disconnected: its token revoked, its sessions and API keys ended."""

    revoked: Literal[True]
    tenant_id: str
    runs_cancelled: int = Field(description="Runs that waited for a person or were paused")


class ToolErased(Schema):
    """A synced tool disconnected by an erasure: our webhook deleted there, and the OAuth grant
    revoked there (null: connected with a key the owner pasted, deleted here, to revoke at the tool)."""

    tool: Literal["linear", "gitlab", "motion"]
    connected: Literal[False]
    webhook_deleted: bool
    token_revoked: bool | None = None
    note: str | None = None


class Erased(Schema):
    """The workspace is erased: every document, token and index of it deleted, its sessions and API
    keys ended; only the record that it was erased is kept (docs/security.md, "Retention and erasure")."""

    erased: Literal[True]
    tenant_id: str
    tools: list[ToolErased] = Field(
        default_factory=list, description="Each synced tool disconnected by this attempt, and what it said"
    )
    documents_deleted: int = Field(description="Documents deleted by this attempt (0 when repeated)")
