"""The audit log: one entry per human action (signing in, settings, agents, decisions, keys, roles,
connecting and disconnecting), and one per call an agent makes of a connected MCP server's tool:
who, when, what, from which surface. Kept in
``tenants/{t}/audit/{entry_id}`` until ``expires_at`` (Firestore's TTL), the tenant's retention."""

import secrets
from datetime import datetime, timedelta
from typing import Literal

from pydantic import ConfigDict, Field

from shared.platform.domain.schema import Record

# Where the action came from: the console (the session cookie), the api with a session as Bearer, an
# API key, Notion (a Runs row, a comment), a mailed link, Notion OAuth (connecting, signing in). Or a
# button pressed in Slack (a decision, an undo). Or an agent in a run: a call of an MCP server's tool,
# whose actor is ``agent:<agent id>``.
type Surface = Literal["console", "api", "key", "notion", "link", "oauth", "slack", "agent"]
SURFACES: tuple[Surface, ...] = ("console", "api", "key", "notion", "link", "oauth", "slack", "agent")
RETENTION_DAYS = 365  # a tenant's default (Tenant.audit_retention_days)
MIN_RETENTION_DAYS, MAX_RETENTION_DAYS = 1, 3650


class AuditEntry(Record):
    """An action as recorded: its words never hold a request's body (a token, a page's text)."""

    model_config = ConfigDict(extra="ignore")

    entry_id: str
    at: datetime
    actor: str = Field(description="The member id of who acted (an agent's: agent:<agent id>)")
    email: str = ""
    role: str = ""
    surface: Surface
    action: str = Field(description="What they did, e.g. 'DELETE /team/members/<member_id>' or 'sign_in'")
    target: dict[str, str] = Field(default_factory=dict, description="The ids it was about (path arguments)")
    status: int = Field(description="How it ended: the HTTP status of the answer, 200 for what had none")
    expires_at: datetime


def new_entry(
    at: datetime, actor: str, surface: Surface, action: str, *, retention_days: int, **fields: object
) -> AuditEntry:
    """An entry made now, its id ordered by time (then random), kept ``retention_days``."""
    entry_id = f"{at.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(4)}"
    expires = at + timedelta(days=retention_days)
    return AuditEntry.model_validate(
        {
            "entry_id": entry_id,
            "at": at,
            "actor": actor,
            "surface": surface,
            "action": action,
            "expires_at": expires,
        }
        | fields
    )
