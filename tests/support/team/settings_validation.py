"""Shared by several test modules: helpers first written for ``tests/unit/team/settings/test_settings_validation.py``."""

from datetime import UTC, datetime
from typing import Any

from shared.workspace.domain.tenants import Tenant
from tests.support.workspace.workspace_fakes import FakeTenantStore

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def store_with(settings: dict[str, Any] | None = None) -> FakeTenantStore:
    """One tenant, its settings as a stored document holds them (not checked as input)."""
    tenants = FakeTenantStore()
    doc = {
        "tenant_id": "t1",
        "workspace_id": "w1",
        "token_secret": "notion-token-t1",
        "settings": settings or {},
        "created_at": NOW,
        "updated_at": NOW,
    }
    tenants.save(Tenant.model_validate(doc))
    return tenants
