"""A tenant's record for tests that need one and care about few of its fields: shared by test modules
of several capabilities (tests never import each other)."""

from datetime import UTC, datetime
from typing import Any

from shared.workspace.domain.tenants import Tenant


def a_tenant(tenant_id: str, workspace_id: str, at: datetime | None = None, **fields: Any) -> Tenant:
    """The record of a connected workspace ``workspace_id`` as ``tenant_id``: its token's secret "s",
    made and changed at ``at`` (now when None), and ``fields`` (any of Tenant's) over those."""
    when = at or datetime.now(UTC)
    record = {
        "tenant_id": tenant_id,
        "workspace_id": workspace_id,
        "token_secret": "s",
        "created_at": when,
        "updated_at": when,
    }
    return Tenant.model_validate(record | fields)
