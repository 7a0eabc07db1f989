"""Tenants: one connected Notion workspace each. Pure models; stored by the TenantStore port. What
the owner chose is in :mod:`shared.domain.settings`."""

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict, Field

from shared.domain.integrations import Integration
from shared.domain.schema import Schema
from shared.domain.settings import TenantSettings, plain_notion_id


def tenant_id_for(workspace_id: str) -> str:
    """The tenant of a workspace: derived, so connecting the same workspace again finds the same one."""
    canonical = plain_notion_id(workspace_id)
    return "t_" + hashlib.sha256(f"notion-workspace:{canonical}".encode()).hexdigest()[:32]


class TenantStatus(StrEnum):
    ACTIVE = "active"
    NEEDS_RECONNECT = "needs_reconnect"  # the token was refused and could not be refreshed
    REVOKED = "revoked"


class Tenant(Schema):
    """``tenants/{tenant_id}``. Holds the *name* of the token secret, never a token."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    workspace_id: str
    workspace_name: str = ""
    bot_id: str = ""
    owner_email: str = ""
    owner_user_id: str = ""
    status: TenantStatus = TenantStatus.ACTIVE
    settings: TenantSettings = Field(default_factory=TenantSettings)
    token_secret: str
    integrations: tuple[Integration, ...] = ()  # connected integrations (their tokens: Secret Manager)
    # While in the future, one instance is refreshing the Notion token (the others wait for its result:
    # Notion's refresh tokens are single use). See shared.services.notion_access.
    token_refresh_until: datetime | None = None
    created_at: datetime
    updated_at: datetime
