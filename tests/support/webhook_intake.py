"""Shared by several test modules: helpers first written for ``tests/integration/test_webhook_intake.py``."""

from typing import Any

from shared.domain.settings import TenantSettings
from tests.integration.notion_stack import Stack


def connected(stack: Stack, key: str = "demo") -> tuple[str, dict[str, Any]]:
    """Connect workspace ``key`` and choose its Tasks and Ideas data sources; subscribe the webhook."""
    if key != "demo":
        stack.admin.post("/workspaces", {"key": key})
    tenant_id = stack.connect(key)["tenant_id"]
    ws = next(w for w in stack.admin.get("/workspaces") if w["key"] == key)
    tenant = stack.container.tenants.get(tenant_id)
    assert tenant is not None
    chosen = TenantSettings(data_source_ids=[ws["ids"]["tasks_data_source"], ws["ids"]["ideas_data_source"]])
    stack.container.tenants.save(tenant.model_copy(update={"settings": chosen}))
    subscription = stack.admin.get("/webhook")["subscription"]
    if subscription is None or subscription["url"] != stack.webhook_url:
        assert stack.subscribe()["verified"]
    return tenant_id, ws


def flush(stack: Stack) -> list[dict[str, Any]]:
    return stack.deliveries()
